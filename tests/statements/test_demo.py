"""The documents demo step through `pms demo load`: the demo resident's room has a receipt kept,
one stamped void with its reversal note, and a building's arrears notices were printed (a written
demand per room); every payment has its receipt (those written in bulk too), the receipts' numbers stay
gap-free, the resident's statements, receipts and the notices are kept in the archive and the audit
checks pass."""
from sqlalchemy import func, select

from pms.billing.models import Bill, Demand, Payment, Receipt
from pms.documents.models import IssuedDocument
from pms.core.db import get_session
from tests.factories import bearer


def test_the_demo_leaves_documents_to_look_at(app, client, runner, clock, tmp_path):
    result = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "documents: receipts for" in result.output
    with app.app_context():
        s = get_session()
        note = s.scalar(select(Receipt).where(Receipt.kind == "reversal_note"))
        voided = s.get(Receipt, note.reverses_id)
        assert voided.void_at is not None and voided.room_id == note.room_id
        assert s.scalar(select(Demand.id).where(Demand.method == "notice").limit(1)) is not None
        unreceipted = s.scalar(select(func.count(Payment.id)).where(~select(Receipt.id).where(
            Receipt.kind == "payment", Receipt.payment_id == Payment.id).exists()))
        assert s.scalar(select(func.count(Payment.id))) > 60 and unreceipted == 0
        for company_id, year in s.execute(select(Receipt.company_id, Receipt.year).distinct()).all():
            numbers = sorted(s.scalars(select(Receipt.seq).where(Receipt.company_id == company_id,
                                                                 Receipt.year == year)))
            assert numbers == list(range(1, len(numbers) + 1))
        number = voided.number
        kinds = set(s.scalars(select(IssuedDocument.kind)))
        room_id = voided.room_id
        statements = s.scalar(select(func.count()).select_from(IssuedDocument).where(
            IssuedDocument.kind == "statement", IssuedDocument.room_id == room_id))
        bills = s.scalar(select(func.count()).select_from(Bill).where(Bill.room_id == room_id))
    # The resident's statements and receipts and the notices were issued and kept.
    assert {"statement", "receipt", "arrears_notice"} <= kinds and statements == bills > 0
    reply = client.get(f"/api/v1/receipts/{number}.pdf", headers=bearer(client, "finance", password="demo-finance-2026"))
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "application/pdf"
    # The file served is the kept one: the archive says so.
    path = tmp_path / "receipt.pdf"
    path.write_bytes(reply.data)
    checked = runner.invoke(args=["documents", "verify", str(path)])
    assert checked.exit_code == 0 and f"Receipt {number}" in checked.output, checked.output
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
