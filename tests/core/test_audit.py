"""The tamper-evident audit log and `pms audit verify`."""
from sqlalchemy import text

from pms.core import audit
from pms.core.db import unit_of_work


def _three_entries(app):
    with app.app_context(), unit_of_work() as session:
        for i in range(3):
            audit.record(session, actor="tester", action="thing.do", object_type="thing", object_id=i,
                         payload={"n": i, "名称": "云景里"})


def test_chain_links_and_verifies(app, runner):
    _three_entries(app)
    with app.app_context(), unit_of_work() as session:
        assert audit.verify_chain(session) is None
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "ok    audit_chain" in result.output


def test_edited_payload_is_detected(app, runner):
    _three_entries(app)
    with app.app_context(), unit_of_work() as session:
        session.execute(text("UPDATE audit_entry SET payload = '{\"n\": 99}' WHERE seq = 2"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "audit_entry seq=2" in result.output and "hash" in result.output


def test_deleted_entry_is_detected(app, runner):
    _three_entries(app)
    with app.app_context(), unit_of_work() as session:
        session.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
        breach = audit.verify_chain(session)
    assert breach is not None and breach.record == "audit_entry seq=3"


def test_registered_checks_run_in_verify(app, runner):
    # The billing domain registers the journal balance check.
    names = [name for name, _ in _run(app)]
    assert "audit_chain" in names and "journal_balanced" in names


def _run(app):
    with app.app_context(), unit_of_work() as session:
        return list(audit.run_checks(session))


def test_unbalanced_journal_entry_fails_verify(app, runner, world):
    from datetime import date

    from pms.billing.models import JournalEntry, JournalLine

    with app.app_context(), unit_of_work() as session:
        entry = JournalEntry(estate_id=world.yjl.id, kind="bill", source_type="bill", source_id=1,
                             business_date=date(2026, 11, 1))
        session.add(entry)
        session.flush()
        session.add(JournalLine(entry_id=entry.id, estate_id=world.yjl.id, account="receivable", amount_fen=100))
        session.add(JournalLine(entry_id=entry.id, estate_id=world.yjl.id, account="revenue", amount_fen=-99))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "journal_entry id=" in result.output
