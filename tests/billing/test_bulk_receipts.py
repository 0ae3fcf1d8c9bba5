"""Receipts of payments written in bulk (`record_settlements`): one per payment with the fields
`issue_receipt` gives, numbered per company and business year in one reservation, continuing the
series after desk receipts, in the order company, year, received_at, room code; all or nothing;
reversed like any other."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select, update

from pms.billing.models import NumberCounter, Payment, PaymentAllocation, Receipt
from pms.billing.services import receipts
from pms.billing.services.bulk_payments import Settlement, record_settlements
from pms.billing.services.ledger_checks import receipt_number_gap
from pms.billing.services.payments import record_payment, reverse_payment
from pms.core import clock as business_clock
from pms.core.errors import Conflict
from tests.billing.helpers_payments import assert_ledger_consistent, at, finance, issue_bill, make_plan


@pytest.fixture
def bills(db, world, clock):
    """(room code, period) → a 10,000-fen bill: December 2025 to February 2026 on YJL 501 and 502
    (company ACME) and HXY 101 (company OTHER)."""
    plans = {estate.id: make_plan(db, estate, effective_from="2025-12") for estate in (world.yjl, world.hxy)}
    out = {(room.code, period): issue_bill(db, room, period, 10000 + room.id, plan=plans[room.estate_id])
           for period in ("2025-12", "2026-01", "2026-02") for room in (world.r501, world.r502, world.r101)}
    db.commit()
    return out


def settle(bill, room, received_at: datetime) -> Settlement:
    """Pay the whole bill at `received_at` (business date: that day in Beijing)."""
    return Settlement(bill_id=bill.id, room_id=room.id, room_code=room.code, estate_id=room.estate_id,
                      amount_fen=bill.payable_fen, received_at=received_at,
                      business_date=received_at.astimezone(business_clock.timezone()).date(), channel="bank",
                      reference=f"BANK {bill.number}")


def receipt_of_bill(db, bill) -> Receipt:
    payment_id = db.scalar(select(PaymentAllocation.payment_id).where(PaymentAllocation.bill_id == bill.id))
    return receipts.receipt_of_payment(db, payment_id)


def counter(db, company_id, year):
    return db.scalar(select(NumberCounter.last_seq).where(NumberCounter.company_id == company_id,
                                                          NumberCounter.year == year,
                                                          NumberCounter.series == "receipt"))


def test_bulk_receipts_continue_the_series_per_company_and_business_year(db, world, bills, clock):
    r501, r502, r101 = world.r501, world.r502, world.r101
    # At the desk first (today, 2026-03-02): 502 pays its December bill → ACME's first 2026 receipt.
    desk = record_payment(db, finance(), room_code=r502.code, amount_fen=bills[(r502.code, "2025-12")].payable_fen,
                          channel="cash")
    assert desk.receipt == "ACME-R2026-000001"
    batch = {
        (r501.code, "2026-02"): at(date(2026, 2, 10)),
        (r502.code, "2026-02"): at(date(2026, 2, 5)),  # earlier than 501's: numbered first
        (r502.code, "2026-01"): at(date(2026, 1, 20)),  # the same instant as 501's: by room code
        (r501.code, "2026-01"): at(date(2026, 1, 20)),
        (r101.code, "2026-01"): at(date(2026, 1, 25)),
        (r501.code, "2025-12"): at(date(2025, 12, 20)),  # business year 2025: a series of its own
        # 16:30 UTC on 31 December 2025 is 00:30 on 1 January 2026 in Beijing: business year 2026.
        (r101.code, "2025-12"): datetime(2025, 12, 31, 16, 30, tzinfo=timezone.utc),
    }
    rooms = {room.code: room for room in (r501, r502, r101)}
    assert record_settlements(db, [settle(bills[key], rooms[key[0]], when) for key, when in batch.items()],
                              recorded_by="import") == 7
    numbers = {key: receipt_of_bill(db, bills[key]).number for key in batch}
    assert numbers == {
        (r501.code, "2025-12"): "ACME-R2025-000001",
        (r501.code, "2026-01"): "ACME-R2026-000002",
        (r502.code, "2026-01"): "ACME-R2026-000003",
        (r502.code, "2026-02"): "ACME-R2026-000004",
        (r501.code, "2026-02"): "ACME-R2026-000005",
        (r101.code, "2025-12"): "OTHER-R2026-000001",
        (r101.code, "2026-01"): "OTHER-R2026-000002",
    }
    assert (counter(db, world.acme.id, 2025), counter(db, world.acme.id, 2026), counter(db, world.other.id, 2026),
            counter(db, world.other.id, 2025)) == (1, 5, 2, None)
    # The fields issue_receipt gives, dated when the money came in.
    for key, when in batch.items():
        receipt = receipt_of_bill(db, bills[key])
        payment = db.get(Payment, receipt.payment_id)
        room = rooms[key[0]]
        company = world.acme if room.estate_id == world.yjl.id else world.other
        assert (receipt.kind, receipt.settlement_id, receipt.reverses_id, receipt.reason, receipt.void_at) == (
            "payment", None, None, "", None)
        assert (receipt.company_id, receipt.estate_id, receipt.room_id, receipt.amount_fen) == (
            company.id, room.estate_id, room.id, bills[key].payable_fen)
        assert (receipt.issued_by, receipt.issued_at, payment.received_at) == ("import", when, when)
        assert receipt.number == receipts.receipt_number(company.code, receipt.year, receipt.seq)
    assert db.scalar(select(func.count()).select_from(Receipt)) == 8
    assert receipt_number_gap(db) is None
    # The desk goes on after the batch.
    assert record_payment(db, finance(), room_code=r502.code, amount_fen=100, channel="cash").receipt \
        == "ACME-R2026-000006"
    assert receipt_number_gap(db) is None
    assert_ledger_consistent(db)


def test_a_failing_batch_leaves_no_receipt_and_takes_no_number(db, world, bills):
    r501, r502 = world.r501, world.r502
    record_payment(db, finance(), room_code=r502.code, amount_fen=10, channel="cash")  # ACME-R2026-000001
    db.commit()
    good = settle(bills[(r501.code, "2026-01")], r501, at(date(2026, 1, 20)))
    taken = settle(bills[(r502.code, "2025-12")], r502, at(date(2025, 12, 20)))  # part-paid at the desk
    with pytest.raises(Conflict):
        with db.begin_nested():
            record_settlements(db, [good, taken], recorded_by="import")
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Receipt)) == 1
    assert (counter(db, world.acme.id, 2026), counter(db, world.acme.id, 2025)) == (1, None)
    # A failure after the numbers were reserved (a receipt number already taken: the counter was
    # wound back by hand) takes the whole batch back, counter included.
    db.execute(update(NumberCounter).where(NumberCounter.series == "receipt").values(last_seq=0))
    db.commit()
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        with db.begin_nested():
            record_settlements(db, [good], recorded_by="import")
    db.expire_all()
    assert counter(db, world.acme.id, 2026) == 0
    assert db.scalar(select(func.count()).select_from(Payment)) == 1
    assert db.scalar(select(func.count()).select_from(Receipt)) == 1
    db.execute(update(NumberCounter).where(NumberCounter.series == "receipt").values(last_seq=1))
    record_settlements(db, [good], recorded_by="import")
    assert receipt_of_bill(db, bills[(r501.code, "2026-01")]).number == "ACME-R2026-000002"  # nothing lost
    assert receipt_number_gap(db) is None
    assert_ledger_consistent(db)


def test_reversing_a_bulk_payment_voids_its_receipt(db, world, bills, clock):
    r501 = world.r501
    record_settlements(db, [settle(bills[(r501.code, "2025-12")], r501, at(date(2025, 12, 20)))],
                       recorded_by="import")
    original = receipt_of_bill(db, bills[(r501.code, "2025-12")])
    assert original.number == "ACME-R2025-000001"
    clock.advance(hours=1)
    reversal = reverse_payment(db, finance("manager"), original.payment_id, reason="导入重复")
    # The note is issued now, in today's business year.
    assert reversal.reversal_note == "ACME-R2026-000001"
    note = db.scalar(select(Receipt).where(Receipt.number == reversal.reversal_note))
    assert original.void_at == clock.value
    assert (note.kind, note.reverses_id, note.payment_id, note.amount_fen, note.reason, note.issued_by) == (
        "reversal_note", original.id, original.payment_id, original.amount_fen, "导入重复", "manager")
    rows = receipts.receipts_of_room(db, r501.id)
    assert [(r.number, r.kind, r.void, r.reverses) for r in rows] == [
        ("ACME-R2026-000001", "reversal_note", False, "ACME-R2025-000001"),
        ("ACME-R2025-000001", "payment", True, None)]
    assert receipt_number_gap(db) is None
    assert_ledger_consistent(db)


def test_a_payment_from_before_receipts_reverses_without_a_note(db, world, bills):
    """Payments recorded before receipts existed have none: reversing one issues no note."""
    r501 = world.r501
    record_settlements(db, [settle(bills[(r501.code, "2025-12")], r501, at(date(2025, 12, 20)))],
                       recorded_by="import")
    payment_id = db.scalar(select(Payment.id))
    db.execute(Receipt.__table__.delete())  # as the data stood before revision 0026
    assert reverse_payment(db, finance(), payment_id, reason="导入重复").reversal_note == ""
    assert db.scalar(select(func.count()).select_from(Receipt)) == 0


def test_bulk_numbers_past_a_million_read_like_the_house_numbers(db, world, bills):
    r501, r502 = world.r501, world.r502
    record_payment(db, finance(), room_code=r502.code, amount_fen=10, channel="cash")  # opens the 2026 counter
    db.execute(update(NumberCounter).where(NumberCounter.series == "receipt").values(last_seq=999998))
    db.execute(update(Receipt).values(seq=999998, number="ACME-R2026-999998"))
    record_settlements(db, [settle(bills[(r501.code, "2026-01")], r501, at(date(2026, 1, 20))),
                            settle(bills[(r501.code, "2026-02")], r501, at(date(2026, 2, 20)))],
                       recorded_by="import")
    assert [receipt_of_bill(db, bills[(r501.code, p)]).number for p in ("2026-01", "2026-02")] == [
        "ACME-R2026-999999", receipts.receipt_number("ACME", 2026, 1000000)]
    assert receipts.receipt_number("ACME", 2026, 1000000) == "ACME-R2026-1000000"
