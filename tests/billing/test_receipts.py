"""Receipts on the money path: numbered gap-free per company and business year in the payment's
own transaction, the same receipt for a replay, void + a reversal note for a reversal, a receipt
for late charges paid (none for a waiver)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from pms.billing.models import NumberCounter, Receipt
from pms.billing.services import receipts
from pms.billing.services.late_fee_settlements import reverse_settlement, settle_late_fees
from pms.billing.services.payments import record_payment, reverse_payment
from pms.core.errors import Conflict, Invalid
from tests.billing.helpers_payments import assert_ledger_consistent, finance, issue_bill, make_plan

ROOM, OTHER_ROOM, HXY_ROOM = "YJL-3-2-501", "YJL-3-2-502", "HXY-1-1-101"


@pytest.fixture
def billed(db, world, clock):
    """A 10,000-fen January bill on each of YJL 501, 502 (ACME) and HXY 101 (OTHER)."""
    plans = {estate.id: make_plan(db, estate, effective_from="2026-01") for estate in (world.yjl, world.hxy)}
    bills = {room.code: issue_bill(db, room, "2026-01", 10000, plan=plans[room.estate_id])
             for room in (world.r501, world.r502, world.r101)}
    db.commit()
    return bills


def pay(db, room=ROOM, amount=4000, **kw):
    return record_payment(db, finance(), room_code=room, amount_fen=amount, channel="cash", **kw)


def counter(db, company_id, year):
    return db.scalar(select(NumberCounter.last_seq).where(NumberCounter.company_id == company_id,
                                                          NumberCounter.year == year,
                                                          NumberCounter.series == "receipt"))


def seqs(db, company_id, year):
    return db.scalars(select(Receipt.seq).where(Receipt.company_id == company_id, Receipt.year == year)
                      .order_by(Receipt.seq)).all()


def test_a_payment_gets_its_receipt_in_its_own_transaction(db, world, billed):
    first = pay(db, amount=12000)
    receipt = db.scalar(select(Receipt).where(Receipt.number == first.receipt))
    assert first.receipt == "ACME-R2026-000001"
    assert (receipt.kind, receipt.payment_id, receipt.settlement_id, receipt.reverses_id) == ("payment", first.id,
                                                                                              None, None)
    assert (receipt.company_id, receipt.year, receipt.seq) == (world.acme.id, 2026, 1)
    assert (receipt.estate_id, receipt.room_id, receipt.amount_fen) == (world.yjl.id, world.r501.id, 12000)
    assert (receipt.issued_by, receipt.void_at) == ("finance", None)
    assert pay(db, OTHER_ROOM).receipt == "ACME-R2026-000002"
    # Another company numbers on its own.
    assert pay(db, HXY_ROOM).receipt == "OTHER-R2026-000001"
    assert pay(db).receipt == "ACME-R2026-000003"
    assert seqs(db, world.acme.id, 2026) == [1, 2, 3] and counter(db, world.acme.id, 2026) == 3
    assert seqs(db, world.other.id, 2026) == [1]
    assert_ledger_consistent(db)


def test_numbers_start_again_in_the_business_year(db, world, billed, clock):
    clock.set_today(date(2026, 12, 31), hour=23)
    assert pay(db, amount=100).receipt == "ACME-R2026-000001"
    # 16:30 UTC on 31 December is already 00:30 on 1 January in Beijing: the new year's series.
    clock.set(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc))
    assert pay(db, amount=100).receipt == "ACME-R2027-000001"
    assert pay(db, OTHER_ROOM, amount=100).receipt == "ACME-R2027-000002"
    assert pay(db, HXY_ROOM, amount=100).receipt == "OTHER-R2027-000001"
    assert (counter(db, world.acme.id, 2026), counter(db, world.acme.id, 2027)) == (1, 2)


def test_a_rolled_back_payment_uses_no_number(db, world, billed):
    pay(db)
    db.commit()
    pay(db, OTHER_ROOM)  # the unit of work fails after the receipt was numbered …
    db.rollback()
    with pytest.raises(Invalid):  # … or before anything was written
        pay(db, amount=0)
    db.rollback()
    assert pay(db, OTHER_ROOM).receipt == "ACME-R2026-000002"  # the number came back
    db.commit()
    assert seqs(db, world.acme.id, 2026) == [1, 2]


def test_a_replay_answers_the_same_receipt(db, world, billed):
    first = pay(db, idempotency_key="desk-1")
    again = pay(db, idempotency_key="desk-1")
    assert again.replayed and again.receipt == first.receipt == "ACME-R2026-000001"
    assert db.scalar(select(func.count()).select_from(Receipt)) == 1
    assert counter(db, world.acme.id, 2026) == 1


def test_a_reversal_voids_the_receipt_and_issues_a_note(db, world, billed, clock):
    paid = pay(db, amount=15000)  # 10,000 on the bill, 5,000 prepaid
    pay(db, OTHER_ROOM)
    clock.advance(hours=2)
    reversal = reverse_payment(db, finance("manager"), paid.id, reason="记错房间")
    assert reversal.reversal_note == "ACME-R2026-000003"
    original = db.scalar(select(Receipt).where(Receipt.number == paid.receipt))
    note = db.scalar(select(Receipt).where(Receipt.number == reversal.reversal_note))
    assert original.void_at == clock.value
    assert (note.kind, note.reverses_id, note.payment_id, note.amount_fen) == ("reversal_note", original.id,
                                                                               paid.id, 15000)
    assert (note.reason, note.issued_by, note.void_at) == ("记错房间", "manager", None)
    db.commit()
    with pytest.raises(Conflict):
        reverse_payment(db, finance(), paid.id, reason="again")
    db.rollback()
    assert seqs(db, world.acme.id, 2026) == [1, 2, 3]
    rows = receipts.receipts_of_room(db, world.r501.id)
    assert [(r.number, r.kind, r.void, r.reverses) for r in rows] == [
        ("ACME-R2026-000003", "reversal_note", False, "ACME-R2026-000001"),
        ("ACME-R2026-000001", "payment", True, None)]
    assert_ledger_consistent(db)


def test_late_charges_paid_get_a_receipt_a_waiver_none(db, world, clock):
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30), effective_from="2023-01")
    issue_bill(db, world.r501, "2023-01", 10000, plan=plan)  # its late charge reached the cap: 3,000
    paid = settle_late_fees(db, finance(), ROOM, kind="paid", amount_fen=1000, channel="wechat",
                            reference="WX-9")
    waived = settle_late_fees(db, finance(), ROOM, kind="waived", amount_fen=500, reason="经理批准减免")
    assert (paid.receipt, waived.receipt) == ("ACME-R2026-000001", "")
    receipt = db.scalar(select(Receipt).where(Receipt.number == paid.receipt))
    assert (receipt.kind, receipt.settlement_id, receipt.amount_fen) == ("late_fee_settlement", paid.id, 1000)
    assert reverse_settlement(db, finance(), waived.id, reason="减免有误").receipt == ""  # nothing to void
    back = reverse_settlement(db, finance(), paid.id, reason="金额有误")
    assert back.receipt == "ACME-R2026-000002"
    note = db.scalar(select(Receipt).where(Receipt.number == back.receipt))
    assert (note.kind, note.reverses_id, note.settlement_id, note.reason) == ("reversal_note", receipt.id,
                                                                              paid.id, "金额有误")
    assert receipt.void_at is not None
    assert seqs(db, world.acme.id, 2026) == [1, 2]
    assert_ledger_consistent(db)


def test_receipt_numbers_look_like_the_house_numbers():
    assert receipts.receipt_number("ACME", 2026, 1) == "ACME-R2026-000001"
    assert receipts.receipt_number("ACME", 2026, 1234567) == "ACME-R2026-1234567"


def test_audit_verify_finds_a_gap_in_the_receipt_numbers(db, world, billed):
    from pms.billing.services.ledger_checks import receipt_number_gap

    pay(db)
    pay(db, OTHER_ROOM)
    assert receipt_number_gap(db) is None
    db.execute(Receipt.__table__.update().where(Receipt.seq == 2).values(seq=3))  # a hole at 2
    breach = receipt_number_gap(db)
    assert breach.check == "receipt_numbers" and breach.record == f"company id={world.acme.id} year 2026"
    assert breach.detail == "counter at 2 but 2 receipts up to number 3"
