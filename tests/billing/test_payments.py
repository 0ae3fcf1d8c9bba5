"""Payments service: oldest bill first, prepayment, idempotency, reversal — hand-computed."""
from datetime import date

import pytest
from sqlalchemy import func, select, text

from pms.billing.services import ledger_checks as checks
from pms.billing.models import JournalLine, Payment, PaymentAllocation
from pms.billing.services.payments import apply_prepayments, record_payment, reverse_payment
from pms.core.auth import Principal, Scope
from pms.core.errors import Conflict, Forbidden, Invalid, NotFound
from tests.billing.helpers_payments import assert_ledger_consistent, at, finance, issue_bill, make_plan


def ledger(session, account, room_id=None):
    stmt = select(func.coalesce(func.sum(JournalLine.amount_fen), 0)).where(JournalLine.account == account)
    if room_id is not None:
        stmt = stmt.where(JournalLine.room_id == room_id)
    return session.scalar(stmt)


@pytest.fixture
def plan(db, world):
    return make_plan(db, world.yjl)


def three_bills(db, world, plan, amount=10000):
    return [issue_bill(db, world.r501, p, amount, plan=plan) for p in ("2026-01", "2026-02", "2026-03")]


def test_payment_pays_oldest_bills_first(db, world, plan):
    jan, feb, mar = three_bills(db, world, plan)
    result = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=25000, channel="cash",
                            reference="R-1", received_at=at(date(2026, 4, 1)))
    assert [(a.bill, a.amount_fen) for a in result.allocations] == [
        (jan.number, 10000), (feb.number, 10000), (mar.number, 5000)]
    assert result.prepaid_fen == 0
    assert [(b.paid_fen, b.status) for b in (jan, feb, mar)] == [(10000, "paid"), (10000, "paid"), (5000, "open")]
    assert ledger(db, "cash") == 25000
    assert ledger(db, "receivable", world.r501.id) == 5000
    assert ledger(db, "prepayment", world.r501.id) == 0
    assert_ledger_consistent(db)


def test_oldest_is_by_period_then_number(db, world, plan):
    # Issued out of order: the March bill got the lower number; January is still paid first.
    mar = issue_bill(db, world.r501, "2026-03", 3000, plan=plan)
    jan = issue_bill(db, world.r501, "2026-01", 1000, plan=plan)
    result = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=1500, channel="bank")
    assert [(a.bill, a.amount_fen) for a in result.allocations] == [(jan.number, 1000), (mar.number, 500)]


def test_overpayment_becomes_prepayment_that_later_bills_consume(db, world, plan):
    jan = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    result = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=15000, channel="wechat",
                            received_at=at(date(2026, 1, 20)))
    assert result.prepaid_fen == 5000 and jan.status == "paid"
    assert ledger(db, "prepayment", world.r501.id) == -5000
    feb = issue_bill(db, world.r501, "2026-02", 8000, plan=plan)  # applies prepayments like a run
    assert (feb.paid_fen, feb.status) == (5000, "open")
    assert ledger(db, "prepayment", world.r501.id) == 0
    assert ledger(db, "receivable", world.r501.id) == 3000
    use = db.scalars(select(PaymentAllocation).where(PaymentAllocation.from_prepayment.is_(True))).all()
    assert [(u.bill_id, u.amount_fen, u.payment_id) for u in use] == [(feb.id, 5000, result.id)]
    # Nothing left to apply: a second call is a no-op.
    assert apply_prepayments(db, world.yjl.id, business_date=date(2026, 2, 1)) == 0
    assert_ledger_consistent(db)


def test_prepayment_covers_several_bills_of_several_rooms_oldest_payment_first(db, world, plan):
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=700, channel="cash",
                   received_at=at(date(2026, 1, 2)))
    second = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=900, channel="cash",
                            received_at=at(date(2026, 1, 3)))
    record_payment(db, finance(), room_code="YJL-3-2-502", amount_fen=100, channel="cash")
    a = issue_bill(db, world.r501, "2026-01", 1000, plan=plan, apply=False)
    b = issue_bill(db, world.r501, "2026-02", 1000, plan=plan, apply=False)
    c = issue_bill(db, world.r502, "2026-01", 50, plan=plan, apply=False)
    applied = apply_prepayments(db, world.yjl.id, business_date=date(2026, 2, 1))
    assert applied == 1600 + 50
    assert (a.paid_fen, b.paid_fen, c.paid_fen) == (1000, 600, 50)
    # The second payment (900) paid 300 of January and 600 of February.
    rows = db.execute(select(PaymentAllocation.bill_id, PaymentAllocation.amount_fen)
                      .where(PaymentAllocation.payment_id == second.id)
                      .order_by(PaymentAllocation.id)).all()
    assert rows == [(a.id, 300), (b.id, 600)]
    assert ledger(db, "prepayment", world.r502.id) == -50
    assert_ledger_consistent(db)


def test_same_key_same_body_replays_and_another_body_conflicts(db, world, plan):
    jan = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    kwargs = dict(room_code="YJL-3-2-501", amount_fen=12000, channel="alipay", reference="A-9",
                  idempotency_key="k-1")
    first = record_payment(db, finance(), **kwargs)
    again = record_payment(db, finance(), **kwargs)
    assert again.replayed and again.id == first.id
    assert [(a.bill, a.amount_fen) for a in again.allocations] == [(jan.number, 10000)]
    assert again.prepaid_fen == 2000
    with pytest.raises(Conflict):
        record_payment(db, finance(), **{**kwargs, "amount_fen": 12001})
    with pytest.raises(Conflict):
        record_payment(db, finance(), **{**kwargs, "room_code": "YJL-3-2-502"})
    assert db.scalar(select(func.count(Payment.id))) == 1
    assert ledger(db, "cash") == 12000


@pytest.mark.parametrize("amount", [0, -1, 1.5, "100", True, None])
def test_amount_must_be_a_positive_whole_number_of_fen(db, world, amount):
    with pytest.raises(Invalid) as err:
        record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=amount, channel="cash")
    assert "amount_fen" in err.value.fields


def test_unknown_channel(db, world):
    with pytest.raises(Invalid) as err:
        record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=1, channel="paypal")
    assert "channel" in err.value.fields


def test_unknown_foreign_room_and_roles(db, world):
    with pytest.raises(NotFound):
        record_payment(db, finance(), room_code="YJL-9-9-999", amount_fen=1, channel="cash")
    acme_finance = Principal(user_id=2, username="f", role="finance", company_id=world.acme.id,
                             scope=Scope(estate_ids=frozenset({world.yjl.id})))
    with pytest.raises(NotFound):
        record_payment(db, acme_finance, room_code="HXY-1-1-101", amount_fen=1, channel="cash")
    tech = Principal(user_id=3, username="t", role="technician", company_id=world.acme.id,
                     scope=Scope(estate_ids=frozenset({world.yjl.id})))
    with pytest.raises(Forbidden):
        record_payment(db, tech, room_code="YJL-3-2-501", amount_fen=1, channel="cash")
    assert record_payment(db, acme_finance, room_code="YJL-3-2-501", amount_fen=1, channel="cash").id


def test_reversal_takes_back_allocations_and_consumed_prepayment(db, world, plan):
    jan = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    paid = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=15000, channel="cash",
                          received_at=at(date(2026, 1, 20)))
    feb = issue_bill(db, world.r501, "2026-02", 8000, plan=plan)
    assert (jan.paid_fen, feb.paid_fen) == (10000, 5000)
    result = reverse_payment(db, finance(), paid.id, reason="wrong room")
    assert [(a.bill, a.amount_fen) for a in result.bills_reopened] == [(jan.number, 10000), (feb.number, 5000)]
    assert result.prepayment_reversed_fen == 0 and result.reapplied_fen == 0
    assert [(b.paid_fen, b.status) for b in (jan, feb)] == [(0, "open"), (0, "open")]
    assert ledger(db, "cash") == 0
    assert ledger(db, "receivable", world.r501.id) == 18000
    assert ledger(db, "prepayment", world.r501.id) == 0
    # Nothing deleted: the payment and its three allocations stay, plus two negative ones.
    amounts = db.scalars(select(PaymentAllocation.amount_fen).order_by(PaymentAllocation.id)).all()
    assert amounts == [10000, 5000, -10000, -5000]
    assert_ledger_consistent(db)
    with pytest.raises(Conflict):
        reverse_payment(db, finance(), paid.id, reason="again")


def test_reversal_of_unconsumed_prepayment(db, world, plan):
    jan = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    paid = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=10300, channel="cash")
    result = reverse_payment(db, finance(), paid.id, reason="duplicate")
    assert result.prepayment_reversed_fen == 300
    assert jan.status == "open" and ledger(db, "prepayment", world.r501.id) == 0
    assert_ledger_consistent(db)


def test_reopened_bill_is_covered_by_other_prepayment(db, world, plan):
    jan = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    first = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=10000, channel="cash")
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=4000, channel="cash")
    result = reverse_payment(db, finance(), first.id, reason="cheque bounced")
    assert result.reapplied_fen == 4000
    assert (jan.paid_fen, jan.status) == (4000, "open")
    assert ledger(db, "prepayment", world.r501.id) == 0
    assert ledger(db, "receivable", world.r501.id) == 6000
    assert_ledger_consistent(db)


def test_reversal_needs_reason_role_and_scope(db, world, plan):
    paid = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=100, channel="cash")
    with pytest.raises(Invalid):
        reverse_payment(db, finance(), paid.id, reason="  ")
    other = Principal(user_id=9, username="o", role="finance", company_id=world.other.id,
                      scope=Scope(estate_ids=frozenset({world.hxy.id})))
    with pytest.raises(NotFound):
        reverse_payment(db, other, paid.id, reason="x")
    resident = Principal(user_id=8, username="r", role="resident",
                         scope=Scope(estate_ids=frozenset({world.yjl.id}),
                                     room_ids=frozenset({world.r501.id})))
    with pytest.raises(Forbidden):
        reverse_payment(db, resident, paid.id, reason="x")


def test_audit_checks_catch_tampering(db, world, plan):
    jan = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=4000, channel="cash")
    assert_ledger_consistent(db)
    db.execute(text("UPDATE bill SET paid_fen = 5000 WHERE id = :id"), {"id": jan.id})
    assert checks.bill_paid_mismatch(db).record == f"bill {jan.number}"
    assert checks.room_receivable_mismatch(db).record == f"room id={world.r501.id}"
    db.execute(text("UPDATE bill SET paid_fen = 4000 WHERE id = :id"), {"id": jan.id})
    assert checks.bill_paid_mismatch(db) is None
    line = db.scalar(select(JournalLine.id).where(JournalLine.account == "cash"))
    db.execute(text("DELETE FROM journal_line WHERE id = :id"), {"id": line})
    assert checks.first_unbalanced_entry(db) is not None


def test_pms_audit_verify_exit_codes(app, world, runner):
    from pms.cli import cli
    from pms.core.db import unit_of_work

    with app.app_context():
        with unit_of_work() as s:
            plan = make_plan(s, world.yjl)
            issue_bill(s, world.r501, "2026-01", 10000, plan=plan)
            record_payment(s, finance(), room_code="YJL-3-2-501", amount_fen=4000, channel="cash")
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "ok    bill_paid" in ok.output and "ok    room_prepayment" in ok.output
    with app.app_context():
        with unit_of_work() as s:
            s.execute(text("UPDATE bill SET paid_fen = paid_fen + 1"))
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "FAIL  room_receivable" in bad.output


def _settlement(bill, room, day, amount=None, channel="bank"):
    from pms.billing.services.bulk_payments import Settlement

    return Settlement(bill_id=bill.id, room_id=room.id, room_code=room.code, estate_id=room.estate_id,
                      amount_fen=bill.payable_fen if amount is None else amount, received_at=at(day),
                      business_date=day, channel=channel, reference=f"BANK {bill.number}")


def test_bulk_settlements_write_what_record_payment_writes(db, world, plan):
    from pms.billing.services.bulk_payments import record_settlements

    jan, feb, _mar = three_bills(db, world, plan, amount=12345)
    assert record_settlements(db, [_settlement(jan, world.r501, date(2026, 1, 20)),
                                   _settlement(feb, world.r501, date(2026, 2, 20), channel="cash")],
                              recorded_by="finance") == 2
    db.expire_all()
    assert [(b.paid_fen, b.status) for b in (jan, feb)] == [(12345, "paid"), (12345, "paid")]
    payments = db.scalars(select(Payment).order_by(Payment.id)).all()
    assert [(p.amount_fen, p.channel, p.recorded_by) for p in payments] == [
        (12345, "bank", "finance"), (12345, "cash", "finance")]
    assert ledger(db, "cash") == 24690
    assert ledger(db, "receivable", world.r501.id) == 12345  # March is still owed
    assert_ledger_consistent(db)
    # The next payment pays March, the oldest bill still open.
    result = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=20000, channel="cash")
    assert [a.amount_fen for a in result.allocations] == [12345] and result.prepaid_fen == 7655
    assert_ledger_consistent(db)


def test_bulk_settlements_are_all_or_nothing(db, world, plan):
    from pms.billing.services.bulk_payments import record_settlements

    jan, feb, _mar = three_bills(db, world, plan)
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=100, channel="cash")  # January part-paid
    db.commit()
    for batch in ([_settlement(feb, world.r501, date(2026, 2, 20)), _settlement(jan, world.r501, date(2026, 1, 20))],
                  [_settlement(feb, world.r501, date(2026, 2, 20), amount=9999)],
                  [_settlement(feb, world.r501, date(2026, 2, 20))] * 2):
        with pytest.raises(Conflict):
            with db.begin_nested():
                record_settlements(db, batch, recorded_by="finance")
        db.expire_all()
        assert feb.paid_fen == 0 and db.scalar(select(func.count(Payment.id))) == 1
    assert_ledger_consistent(db)
