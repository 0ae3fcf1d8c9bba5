"""Late charges: the contract formula by hand, and the idempotent daily accrual job."""
from datetime import date

import pytest
from sqlalchemy import func, select

from jobs.billing_late_fees import JOBS, accrue_late_fees_job
from pms.billing.rules import Clause, late_fee_fen
from pms.billing.services.late_fees import accrue_late_fees, catch_up_late_fees
from pms.billing.models import JournalEntry, JournalLine, LateFeeAccrual, LateFeeRun
from pms.billing.services.payments import record_payment, reverse_payment
from tests.billing.helpers_payments import at, finance, issue_bill, make_plan
from tests.billing.helpers_payments import assert_ledger_consistent

DUE = date(2026, 1, 15)
CLAUSE = Clause(daily_rate_per_10k=5, grace_days=30, cap_percent=30)


def fee(as_of, payments=(), payable=10000, clause=CLAUSE, due=DUE):
    return late_fee_fen(payable_fen=payable, due_date=due, clause=clause, payments=payments, as_of=as_of)


def test_no_clause_no_charge_ever():
    assert fee(date(2040, 1, 1), clause=None) == 0


@pytest.mark.parametrize("as_of, expected", [
    (date(2026, 1, 15), 0), (date(2026, 2, 14), 0),   # grace: due + 30 days is still free
    (date(2026, 2, 15), 5),                          # first charged day: 10,000 × 5 / 10,000
    (date(2026, 3, 16), 150),                        # 30 days × 5
])
def test_grace_then_simple_daily_interest(as_of, expected):
    assert fee(as_of) == expected


def test_partial_payment_changes_the_daily_base_from_its_day():
    # 14 days (Feb 15–28) on 10,000 + 16 days (Mar 1–16) on 6,000 = 236,000 fen-days → 118.
    assert fee(date(2026, 3, 16), payments=[(date(2026, 3, 1), 4000)]) == 118
    # A payment before the first charged day lowers the base from the start: 30 × 6,000 × 5/10k.
    assert fee(date(2026, 3, 16), payments=[(date(2026, 2, 1), 4000)]) == 90


def test_full_payment_stops_it_and_a_reversal_restarts_it():
    paid = [(date(2026, 2, 20), 10000)]
    assert fee(date(2026, 3, 16), payments=paid) == 25  # Feb 15–19
    reversed_ = paid + [(date(2026, 3, 1), -10000)]
    assert fee(date(2026, 3, 16), payments=reversed_) == 25 + 16 * 5


def test_cap_is_reached_and_never_exceeded():
    assert fee(date(2027, 10, 6)) == 2995  # 599 days × 5
    assert fee(date(2027, 10, 7)) == 3000  # 600 days: exactly the cap (30 % of 10,000)
    assert fee(date(2027, 10, 8)) == 3000
    assert fee(date(2035, 1, 1)) == 3000


def test_rounding_half_up_once_over_the_sum():
    clause = Clause(daily_rate_per_10k=5, grace_days=0, cap_percent=None)
    # 1,000 fen × 5 / 10,000 = 0.5 fen a day: 1 day → 0.5 → 1; 5 days → 2.5 → 3 (not banker's 2).
    assert fee(date(2026, 1, 16), payable=1000, clause=clause) == 1
    assert fee(date(2026, 1, 20), payable=1000, clause=clause) == 3
    # 333 fen: 6 days × 333 × 5 / 10,000 = 0.999 → 1; 3 days = 0.4995 → 0.
    assert fee(date(2026, 1, 18), payable=333, clause=clause) == 0
    assert fee(date(2026, 1, 21), payable=333, clause=clause) == 1
    # The cap rounds half-up too: 30 % of 333 = 99.9 → 100.
    steep = Clause(daily_rate_per_10k=10000, grace_days=0, cap_percent=30)
    assert fee(date(2026, 1, 16), payable=333, clause=steep) == 100


def test_zero_cap_and_zero_rate():
    assert fee(date(2027, 1, 1), clause=Clause(5, 30, 0)) == 0
    assert fee(date(2027, 1, 1), clause=Clause(0, 30, 30)) == 0


@pytest.fixture
def bills(db, world):
    plan = make_plan(db, world.yjl, late_fee=(5, 30, 30))
    no_clause = make_plan(db, world.hxy)
    a = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    b = issue_bill(db, world.r502, "2026-01", 20000, plan=plan)
    c = issue_bill(db, world.r101, "2026-01", 10000, plan=no_clause)
    return a, b, c


def accruals(db):
    return db.execute(select(LateFeeAccrual.bill_id, LateFeeAccrual.day, LateFeeAccrual.amount_fen)
                      .order_by(LateFeeAccrual.day, LateFeeAccrual.bill_id)).all()


def test_daily_accrual_is_idempotent_and_posted(db, world, bills):
    a, b, _c = bills
    assert accrue_late_fees(db, world.yjl.id, date(2026, 2, 14)).accruals == 0
    first = accrue_late_fees(db, world.yjl.id, date(2026, 2, 15))
    assert (first.accruals, first.total_fen) == (2, 15)
    again = accrue_late_fees(db, world.yjl.id, date(2026, 2, 15))
    assert again.already_done and again.accruals == 0
    assert accruals(db) == [(a.id, date(2026, 2, 15), 5), (b.id, date(2026, 2, 15), 10)]
    assert accrue_late_fees(db, world.hxy.id, date(2026, 2, 15)).accruals == 0
    late = db.scalar(select(func.sum(JournalLine.amount_fen)).where(
        JournalLine.account == "late_fee_receivable", JournalLine.room_id == world.r502.id))
    assert late == 10
    assert_ledger_consistent(db)


def test_catching_up_accrues_each_missed_day_once(db, world, bills):
    a, b, _c = bills
    accrue_late_fees(db, world.yjl.id, date(2026, 2, 15))
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=4000, channel="cash",
                   received_at=at(date(2026, 2, 18)))
    results = catch_up_late_fees(db, world.yjl.id, date(2026, 2, 20))
    assert [r.day for r in results] == [date(2026, 2, d) for d in range(16, 21)]
    per_day_a = [fen for bill_id, _day, fen in accruals(db) if bill_id == a.id]
    # 5 a day on 10,000; from Feb 18 (the payment's day) 3 a day on 6,000: each day books the
    # increase of the total as of that day.
    totals = [fee(date(2026, 2, d), payments=[(date(2026, 2, 18), 4000)]) for d in range(15, 21)]
    assert totals == [5, 10, 15, 18, 21, 24]
    assert per_day_a == [5, 5, 5, 3, 3, 3]
    assert sum(fen for bill_id, _d, fen in accruals(db) if bill_id == b.id) == 60
    assert catch_up_late_fees(db, world.yjl.id, date(2026, 2, 20)) == []
    assert db.scalar(select(func.count(LateFeeRun.id))) == 6
    assert_ledger_consistent(db)


def test_a_bill_paid_off_between_runs_still_books_the_days_it_owed(db, world, bills):
    a, _b, _c = bills
    accrue_late_fees(db, world.yjl.id, date(2026, 2, 15))
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=10000, channel="cash",
                   received_at=at(date(2026, 2, 18)))
    assert a.status == "paid"
    accrue_late_fees(db, world.yjl.id, date(2026, 2, 20))  # Feb 16–19 were skipped
    assert [fen for bill, _d, fen in accruals(db) if bill == a.id] == [5, 10]  # Feb 16 and 17
    assert sum(fen for bill, _d, fen in accruals(db) if bill == a.id) == fee(
        date(2026, 2, 20), payments=[(date(2026, 2, 18), 10000)])


def test_first_run_books_the_backlog_on_its_day(db, world, bills):
    a, _b, _c = bills
    catch_up_late_fees(db, world.yjl.id, date(2026, 3, 16))
    assert [(bill, fen) for bill, _d, fen in accruals(db) if bill == a.id] == [(a.id, 150)]
    # A reversal reopens the bill: accrual resumes on the restored base.
    paid = record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=10000, channel="cash",
                          received_at=at(date(2026, 3, 17)))
    assert accrue_late_fees(db, world.yjl.id, date(2026, 3, 17)).accruals == 1  # only r502's bill
    reverse_payment(db, finance(), paid.id, reason="bounced")
    assert_ledger_consistent(db)


def test_job_is_registered_and_runs_per_estate(app, world):
    from pms.core.db import unit_of_work

    assert [(j.id, j.cron) for j in JOBS] == [("billing_late_fees", {"hour": 2, "minute": 10})]
    with app.app_context():
        with unit_of_work() as s:
            plan = make_plan(s, world.yjl, late_fee=(5, 30, 30))
            issue_bill(s, world.r501, "2026-01", 10000, plan=plan)
    assert accrue_late_fees_job(app, through=date(2026, 3, 16)) == 150
    assert accrue_late_fees_job(app, through=date(2026, 3, 16)) == 0
    assert accrue_late_fees_job(app, through=date(2026, 3, 18)) == 10


def test_a_batch_of_estates_at_different_days_accrues_each_as_alone(db, world):
    """Two estates caught up together, one already a day ahead: the same accruals, runs and entries
    as one estate at a time (hand-computed: 5 a day on 10,000 at 5/10,000, from Feb 15)."""
    from pms.billing.services.late_fees import catch_up_late_fees_batch
    a = issue_bill(db, world.r501, "2026-01", 10000, plan=make_plan(db, world.yjl, late_fee=(5, 30, 30)))
    h = issue_bill(db, world.r101, "2026-01", 10000, plan=make_plan(db, world.hxy, late_fee=(5, 30, 30)))
    accrue_late_fees(db, world.hxy.id, date(2026, 2, 15))  # HXY is a day ahead of YJL
    accrue_late_fees(db, world.yjl.id, date(2026, 2, 14))
    results = catch_up_late_fees_batch(db, [world.yjl.id, world.hxy.id], date(2026, 2, 17))
    assert [[r.day.day for r in rs] for rs in results] == [[15, 16, 17], [16, 17]]
    assert [[r.total_fen for r in rs] for rs in results] == [[5, 5, 5], [5, 5]]
    assert [(bill, d.day, fen) for bill, d, fen in accruals(db)] == [
        (a.id, 15, 5), (h.id, 15, 5), (a.id, 16, 5), (h.id, 16, 5), (a.id, 17, 5), (h.id, 17, 5)]
    entries = db.execute(select(JournalEntry.estate_id, JournalEntry.business_date)
                         .where(JournalEntry.kind == "late_fee").order_by(JournalEntry.id)).all()
    assert len(entries) == 6 and {e for e, _d in entries} == {world.yjl.id, world.hxy.id}
    assert catch_up_late_fees_batch(db, [world.yjl.id, world.hxy.id], date(2026, 2, 17)) == [[], []]
    assert_ledger_consistent(db)


def test_more_bills_than_one_statement_may_name_are_read_in_chunks(db, world, bills, monkeypatch):
    """An estate of 100,000 rooms has more bills past grace than an IN list may hold: the bills'
    allocations and booked charges are read in chunks, with the same result as at once."""
    from pms.billing.services import late_fees
    monkeypatch.setattr(late_fees, "ID_CHUNK", 1)  # two bills of YJL: two chunks each
    a, b, _c = bills
    accrue_late_fees(db, world.yjl.id, date(2026, 2, 15))
    record_payment(db, finance(), room_code="YJL-3-2-501", amount_fen=4000, channel="cash",
                   received_at=at(date(2026, 2, 18)))
    catch_up_late_fees(db, world.yjl.id, date(2026, 2, 20))
    assert [fen for bill_id, _day, fen in accruals(db) if bill_id == a.id] == [5, 5, 5, 3, 3, 3]
    assert sum(fen for bill_id, _d, fen in accruals(db) if bill_id == b.id) == 60


def test_without_grace_a_bill_is_charged_from_the_day_after_its_due_date(db, world):
    """Grace 0: due 2026-01-15, so the 15th itself is free and the 16th is the first charged day
    (10,000 fen × 5 / 10,000 = 5 fen); a bill due on the day of the run is not read at all."""
    plan = make_plan(db, world.yjl, late_fee=(5, 0, 30))
    due_yesterday = issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    assert due_yesterday.due_date == date(2026, 1, 15)
    assert accrue_late_fees(db, world.yjl.id, date(2026, 1, 15)).accruals == 0
    day = accrue_late_fees(db, world.yjl.id, date(2026, 1, 16))
    assert (day.accruals, day.total_fen) == (1, 5)
    assert accruals(db) == [(due_yesterday.id, date(2026, 1, 16), 5)]
    assert_ledger_consistent(db)
