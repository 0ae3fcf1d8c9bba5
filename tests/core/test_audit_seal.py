"""The audit chain's seal (`pms audit seal`, nightly in jobs/audit.py): a row altered with plain SQL
breaks the chain; a chain rewritten consistently from its first entry passes the chain check but
not its seal; a seal forged without PMS_AUDIT_KEY is refused."""
from datetime import datetime, timezone

from sqlalchemy import select, text

from jobs.audit import seal_chain
from pms.core import audit
from pms.core.db import unit_of_work
from pms.core.models import AuditEntry, AuditSeal


def _entries(app, count=3, start=0):
    with app.app_context(), unit_of_work() as session:
        for i in range(start, start + count):
            audit.record(session, actor="tester", action="thing.do", object_type="thing", object_id=i,
                         payload={"n": i, "金额": 100 * i})


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_sealed_chain_verifies_and_the_cli_prints_the_seal(app, runner):
    _entries(app)
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0 and "sealed seq 3" in sealed.output
    _entries(app, 2, start=3)  # the chain goes on after the seal
    seal_chain(app)  # the nightly job
    with app.app_context(), unit_of_work(write=False) as session:
        assert [(s.seq, s.reason) for s in session.scalars(select(AuditSeal).order_by(AuditSeal.id))] == [
            (3, "manual"), (5, "nightly")]
    result = _verify(runner)
    assert result.exit_code == 0 and "ok    audit_seal" in result.output, result.output


def test_a_row_altered_with_sql_fails_the_chain(app, runner):
    _entries(app)
    runner.invoke(args=["audit", "seal"])
    with app.app_context(), unit_of_work() as session:
        session.execute(text("UPDATE audit_entry SET actor = 'someone' WHERE seq = 2"))
    result = _verify(runner)
    assert result.exit_code == 1 and "FAIL  audit_chain: audit_entry seq=2" in result.output


def test_a_consistent_rewrite_of_the_whole_chain_fails_its_seal(app, runner):
    _entries(app)
    runner.invoke(args=["audit", "seal"])
    # Someone with database access changes an amount and recomputes every hash from the first
    # entry on, exactly as the application does: the chain itself checks out again.
    with app.app_context(), unit_of_work() as session:
        prev = audit.GENESIS
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            if entry.seq == 2:
                entry.payload = '{"n": 1, "金额": 1}'
            entry.prev_hash = prev
            entry.hash = audit._digest(entry)
            prev = entry.hash
        session.flush()
        assert audit.verify_chain(session) is None
    result = _verify(runner)
    assert result.exit_code == 1 and "FAIL  audit_seal" in result.output and "rewritten" in result.output


def test_a_seal_forged_without_the_key_fails(app, runner):
    _entries(app)
    with app.app_context(), unit_of_work() as session:
        head = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        at = datetime(2026, 12, 1, tzinfo=timezone.utc)
        session.add(AuditSeal(seq=head.seq, head_hash=head.hash, sealed_at=at, reason="nightly",
                              mac=audit._seal_mac("a guessed key", head.seq, head.hash, at, "nightly")))
    result = _verify(runner)
    assert result.exit_code == 1 and "FAIL  audit_seal" in result.output and "MAC" in result.output


def test_a_rerun_of_the_nightly_seal_adds_nothing(app):
    _entries(app)
    seal_chain(app)
    seal_chain(app)  # a second scheduler, or a retry
    with app.app_context(), unit_of_work(write=False) as session:
        assert session.scalars(select(AuditSeal.seq)).all() == [3]
