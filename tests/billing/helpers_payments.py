"""Test helpers for the payments side: issue bills the way a billing run posts them.

A bill is issued as BillingRun (one per estate and period) + Bill + BillLine + ONE journal entry
(kind 'bill': Dr receivable(room) payable, Dr subsidy_receivable(program) per subsidised line,
Cr revenue(item) per line), then the estate's prepayments are applied — like RUNS' billing run.
"""
from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from pms.billing.services.ledger import Line, post_entry
from pms.billing.models import Bill, FeeItem, FeePlan
from pms.billing.services.payments import apply_prepayments
from pms.core.auth import Principal, Scope
from pms.core.periods import day_in_period, first_day
from pms.estates.models import Estate
from tests.factories import make_bill

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour=10) -> datetime:
    """An aware instant on a business day (Asia/Shanghai)."""
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(timezone.utc)


def finance(username="finance") -> Principal:
    """A principal allowed to take payments everywhere (for service-level tests)."""
    return Principal(user_id=1, username=username, role="finance", scope=Scope(all_estates=True),
                     company_id=None)


def make_plan(session, estate, *, late_fee=None, due_day=15, effective_from="2020-01") -> FeePlan:
    """A fee plan with one area item; late_fee = (daily_rate_per_10k, grace_days, cap_percent)."""
    rate, grace, cap = late_fee if late_fee else (None, None, None)
    plan = FeePlan(estate_id=estate.id, effective_from=effective_from, due_day=due_day,
                   late_fee_daily_rate_per_10k=rate, late_fee_grace_days=grace,
                   late_fee_cap_percent=cap, document="{}")
    session.add(plan)
    session.flush()
    session.add(FeeItem(fee_plan_id=plan.id, estate_id=estate.id, code="PROPERTY", name="物业服务费",
                        kind="area", rate_fen_per_m2=100))
    session.flush()
    return plan


def issue_bill(session, room, period, amount_fen, *, plan, subsidy_fen=0, issued_at=None,
               apply=True) -> Bill:
    """Issue one bill for a room (number, line, ledger entry), then apply prepayments."""
    estate = session.get(Estate, room.estate_id)
    issued_at = issued_at or at(first_day(period), 9)
    item = session.scalar(select(FeeItem).where(FeeItem.fee_plan_id == plan.id))
    bill = make_bill(session, room, period, [{"code": item.code, "amount_fen": amount_fen,
                                              "subsidy_fen": subsidy_fen}],
                     items={item.code: item}, year=issued_at.astimezone(SHANGHAI).year,
                     due_date=day_in_period(period, plan.due_day), issued_at=issued_at)
    lines = [Line("receivable", bill.payable_fen, room_id=room.id), Line("revenue", -amount_fen, item_code=item.code)]
    if subsidy_fen:
        lines.append(Line("subsidy_receivable", subsidy_fen))
    post_entry(session, estate_id=estate.id, kind="bill", source_type="bill", source_id=bill.id,
               business_date=issued_at.astimezone(SHANGHAI).date(), lines=lines)
    if apply:
        apply_prepayments(session, estate.id, business_date=issued_at.astimezone(SHANGHAI).date())
    return bill


def assert_ledger_consistent(session):
    """Every `pms audit verify` check of the billing ledger passes."""
    from pms.billing.services import ledger_checks as checks

    session.flush()
    for check in (checks.first_unbalanced_entry, checks.room_receivable_mismatch,
                  checks.room_prepayment_mismatch, checks.bill_paid_mismatch,
                  checks.room_late_fee_mismatch, checks.bill_credit_mismatch):
        assert check(session) is None, check.__name__
