"""Room account service: aging, limitation flag, reversals in history, prepayment as of a day."""
from datetime import date

import pytest

from pms.billing.rules import aging_bucket, limitation_flag
from pms.billing.services.accounts import room_account
from pms.billing.services.arrears import record_demand
from pms.billing.services.payments import record_payment, reverse_payment
from tests.billing.helpers_payments import at, finance, issue_bill, make_plan


@pytest.mark.parametrize("days, bucket", [(1, "0-30"), (30, "0-30"), (31, "31-90"), (90, "31-90"),
                                          (91, "91-365"), (365, "91-365"), (366, "365+")])
def test_aging_buckets(days, bucket):
    assert aging_bucket(days) == bucket


def test_limitation_is_three_years_from_the_latest_of_due_payment_demand():
    due = date(2022, 1, 15)
    assert not limitation_flag(due, None, None, date(2025, 1, 15))
    assert limitation_flag(due, None, None, date(2025, 1, 16))
    assert not limitation_flag(due, date(2023, 5, 1), None, date(2026, 5, 1))
    assert limitation_flag(due, date(2023, 5, 1), None, date(2026, 5, 2))
    assert not limitation_flag(due, None, date(2024, 6, 1), date(2027, 6, 1))
    assert limitation_flag(date(2020, 2, 29), None, None, date(2023, 3, 1))


def test_limitation_flag_in_the_account(db, world):
    plan = make_plan(db, world.yjl, effective_from="2020-01")
    issue_bill(db, world.r501, "2022-01", 5000, plan=plan)
    room = world.r501
    old = room_account(db, room, date(2025, 1, 16))
    assert [(a.days_overdue, a.aging, a.limitation_flag) for a in old.arrears] == [(1097, "365+", True)]
    record_demand(db, finance(), room.code, method="letter", demanded_on=date(2024, 6, 1))
    assert not room_account(db, room, date(2025, 1, 16)).arrears[0].limitation_flag
    # The demand only counts from its own date: as of before it, history is unchanged.
    assert room_account(db, room, date(2024, 5, 31)).last_demand_on is None


def test_a_reversed_payment_counts_until_its_reversal(db, world):
    plan = make_plan(db, world.yjl)
    issue_bill(db, world.r501, "2026-01", 10000, plan=plan)
    paid = record_payment(db, finance(), room_code=world.r501.code, amount_fen=12000, channel="cash",
                          received_at=at(date(2026, 1, 10)))
    reverse_payment(db, finance(), paid.id, reason="counterfeit")
    then = room_account(db, world.r501, date(2026, 1, 10))
    assert (then.balance_fen, then.prepaid_fen, then.last_payment_on) == (0, 2000, date(2026, 1, 10))
    assert [p.reversed for p in then.payments] == [False]
    now = room_account(db, world.r501, date(2099, 1, 1))
    assert (now.balance_fen, now.prepaid_fen, now.last_payment_on) == (10000, 0, None)
    assert [p.reversed for p in now.payments] == [True]


def test_prepayment_used_by_a_later_bill_as_of_each_day(db, world):
    plan = make_plan(db, world.yjl)
    record_payment(db, finance(), room_code=world.r501.code, amount_fen=3000, channel="wechat",
                   received_at=at(date(2025, 12, 20)))
    issue_bill(db, world.r501, "2026-01", 10000, plan=plan)  # issued 2026-01-01, uses the 3,000
    before = room_account(db, world.r501, date(2025, 12, 31))
    assert (before.balance_fen, before.prepaid_fen) == (0, 3000)
    after = room_account(db, world.r501, date(2026, 1, 1))
    assert (after.balance_fen, after.prepaid_fen) == (7000, 0)
    assert [b.status for b in after.bills] == ["open"]
    assert room_account(db, world.r501, date(2026, 1, 16)).bills[0].status == "overdue"


def test_subsidised_bill_counts_only_what_the_household_owes(db, world):
    plan = make_plan(db, world.yjl)
    issue_bill(db, world.r501, "2026-01", 10000, plan=plan, subsidy_fen=10000)
    issue_bill(db, world.r501, "2026-02", 10000, plan=plan, subsidy_fen=5000)
    account = room_account(db, world.r501, date(2026, 3, 1))
    assert account.balance_fen == 5000
    assert [a.outstanding_fen for a in account.arrears] == [5000]
