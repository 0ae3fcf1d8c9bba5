"""The documents demo step through `pms demo load`: the demo resident's room has a receipt kept,
one stamped void with its reversal note, and a building's arrears notices were printed (a written
demand per room); the receipts' numbers stay gap-free and the audit checks pass."""
from sqlalchemy import select

from pms.billing.models import Demand, Receipt
from pms.core.db import get_session
from tests.factories import bearer


def test_the_demo_leaves_documents_to_look_at(app, client, runner, clock):
    result = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "documents: receipts for" in result.output
    with app.app_context():
        s = get_session()
        note = s.scalar(select(Receipt).where(Receipt.kind == "reversal_note"))
        voided = s.get(Receipt, note.reverses_id)
        assert voided.void_at is not None and voided.room_id == note.room_id
        assert s.scalar(select(Demand.id).where(Demand.method == "notice").limit(1)) is not None
        numbers = sorted(s.scalars(select(Receipt.seq)))
        assert numbers == list(range(1, len(numbers) + 1))
        number = voided.number
    reply = client.get(f"/api/v1/receipts/{number}.pdf", headers=bearer(client, "finance", password="demo-finance-2026"))
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/pdf"
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "FAIL" not in verify.output, verify.output


def test_the_demo_leaves_a_published_public_notice(app, client, runner, clock):
    from pms.statements.models import PublicNotice

    result = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "public notice: " in result.output
    with app.app_context():
        notice = get_session().scalar(select(PublicNotice))
        assert notice.version == 1 and notice.published_by == "manager"
        data = notice.data
    assert data["year"] == 2026 and data["to_date"] is True
    assert data["income"]["total"]["billed_fen"] > 0 and data["fee_items"]
    code = data["estate"]["code"]
    headers = bearer(client, "resident", password="demo-resident-2026")
    reply = client.get(f"/api/v1/estates/{code}/public-notices/2026", headers=headers)
    assert reply.status_code == 200 and reply.get_json()["income"] == data["income"]
    again = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "3"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert len(get_session().scalars(select(PublicNotice)).all()) == 1
