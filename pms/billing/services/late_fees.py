"""Contractual late charges (违约金): the daily accrual of the formula `rules.late_fee_fen`.

The formula (CONTRACT.md + BILLING_BRIEF.md): no clause → never charged. Otherwise simple daily
interest of `daily_rate_per_10k / 10000` on the bill's outstanding (payable − paid − credited) of
each day AFTER `due_date + grace_days`, up to and including the as-of day; never compounding;
total = round_half_up(Σ_day outstanding_that_day × rate / 10000), capped at
round_half_up(payable_fen × cap_percent / 100). A payment — or a credit note — counts from its own
business day (the outstanding of a day is the amount still owed at the end of that day).

The daily job records one LateFeeAccrual per bill and day: what the total as of that day adds to
the accruals already booked for the bill (so Σ accruals = the total as of the last day done),
and one LateFeeRun per estate and day (UNIQUE: running twice changes nothing; the last day done
is where a restarted scheduler catches up from, one day at a time). The account endpoint computes
the same total for any day with `rules.late_fee_fen`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Sequence

from sqlalchemy import func, insert, or_, select

from pms.billing.services.credit_notes import credits_until
from pms.billing.services.ledger import Line, post_entry
from pms.billing.models import (Bill, BillingRun, CreditNote, FeePlan, LateFeeAccrual, LateFeeRun,
                                PaymentAllocation)
from pms.billing.rules import clause_of, late_fee_fen
from pms.billing.services.payments import start_of_day_utc
from pms.core.clock import timezone as business_tz

# How far back a restarted scheduler catches up day by day; older backlog lands on the first day.
MAX_CATCH_UP_DAYS = 400


def business_day(instant: datetime) -> date:
    """The business (Asia/Shanghai) day of an aware instant."""
    return instant.astimezone(business_tz()).date()


@dataclass
class AccrualResult:
    day: date
    accruals: int = 0
    total_fen: int = 0
    already_done: bool = False


def accrue_late_fees(session, estate_id: int, day: date) -> AccrualResult:
    """Accrue one estate's late charges of one day (idempotent per estate and day).

    Set-based: the bills that can have grown that day (a clause, past grace, issued by then, owing
    something at the end of the day) with their allocations and booked accruals in three
    queries; accruals bulk-inserted; one journal entry for the estate and day.
    """
    if session.scalar(select(LateFeeRun.id).where(LateFeeRun.estate_id == estate_id,
                                                  LateFeeRun.day == day)) is not None:
        return AccrualResult(day=day, already_done=True)
    previous = session.scalar(select(func.max(LateFeeRun.day)).where(LateFeeRun.estate_id == estate_id,
                                                                      LateFeeRun.day < day))
    run = LateFeeRun(estate_id=estate_id, day=day)
    session.add(run)
    session.flush()
    day_end = start_of_day_utc(day + timedelta(days=1))
    # A bill paid off now may still have grown since the previous run (days skipped, or paid
    # before the job ran): include every bill that received or lost money since then.
    since = start_of_day_utc(previous + timedelta(days=1)) if previous else None
    moved = select(PaymentAllocation.bill_id).where(PaymentAllocation.estate_id == estate_id)
    credited = select(CreditNote.bill_id).where(CreditNote.estate_id == estate_id)
    if since is not None:
        moved = moved.where(PaymentAllocation.allocated_at >= since)
        credited = credited.where(CreditNote.business_date > previous)
    rows = session.execute(
        select(Bill.id, Bill.room_id, Bill.payable_fen, Bill.due_date,
               FeePlan.late_fee_daily_rate_per_10k, FeePlan.late_fee_grace_days,
               FeePlan.late_fee_cap_percent)
        .join(BillingRun, BillingRun.id == Bill.billing_run_id)
        .join(FeePlan, FeePlan.id == BillingRun.fee_plan_id)
        .where(Bill.estate_id == estate_id, Bill.issued_at < day_end,
               FeePlan.late_fee_daily_rate_per_10k > 0,
               or_(Bill.status == "open", Bill.id.in_(moved), Bill.id.in_(credited)))
        .order_by(Bill.id)).all()
    bills = []
    for bill_id, room_id, payable, due, rate, grace, cap in rows:
        clause = clause_of(rate, grace, cap)
        if clause.first_charged_day(due) <= day:
            bills.append((bill_id, room_id, payable, due, clause))
    if bills:
        ids = [b[0] for b in bills]
        history = _allocations_until(session, ids, day_end)
        # Credit notes lower the outstanding amount from their business day, like a payment.
        for bill_id, events in credits_until(session, day, estate_id=estate_id).items():
            history.setdefault(bill_id, []).extend(events)
        booked = dict(session.execute(
            select(LateFeeAccrual.bill_id, func.sum(LateFeeAccrual.amount_fen))
            .where(LateFeeAccrual.bill_id.in_(ids), LateFeeAccrual.day < day)
            .group_by(LateFeeAccrual.bill_id)).all())
        new_rows = []
        for bill_id, room_id, payable, due, clause in bills:
            total = late_fee_fen(payable_fen=payable, due_date=due, clause=clause,
                                 payments=history.get(bill_id, ()), as_of=day)
            fen = total - booked.get(bill_id, 0)
            if fen > 0:
                new_rows.append(dict(bill_id=bill_id, estate_id=estate_id, room_id=room_id, day=day,
                                     amount_fen=fen))
        if new_rows:
            session.execute(insert(LateFeeAccrual), new_rows)
            per_room: dict[int, int] = {}
            for r in new_rows:
                per_room[r["room_id"]] = per_room.get(r["room_id"], 0) + r["amount_fen"]
            run.accruals, run.total_fen = len(new_rows), sum(per_room.values())
            post_entry(session, estate_id=estate_id, kind="late_fee", source_type="late_fee_run",
                       source_id=run.id, business_date=day, memo=f"late fees {day.isoformat()}",
                       lines=[*(Line("late_fee_receivable", fen, room_id=room)
                                for room, fen in sorted(per_room.items())),
                              Line("late_fee_revenue", -run.total_fen)])
    session.flush()
    return AccrualResult(day=day, accruals=run.accruals, total_fen=run.total_fen)


def _allocations_until(session, bill_ids: Sequence[int], until: datetime) -> dict[int, list]:
    """(business day, fen) of each bill's allocations before `until`, in one query."""
    history: dict[int, list] = {}
    for bill_id, at, fen in session.execute(
            select(PaymentAllocation.bill_id, PaymentAllocation.allocated_at, PaymentAllocation.amount_fen)
            .where(PaymentAllocation.bill_id.in_(list(bill_ids)), PaymentAllocation.allocated_at < until)):
        history.setdefault(bill_id, []).append((business_day(at), fen))
    return history


def days_to_accrue(session, estate_id: int, through: date) -> list[date]:
    """The days still to do for an estate: from the day after its last run through `through`."""
    last = session.scalar(select(func.max(LateFeeRun.day)).where(LateFeeRun.estate_id == estate_id))
    if last is None:
        return [through]
    start = max(last + timedelta(days=1), through - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [start + timedelta(days=n) for n in range((through - start).days + 1)]


def catch_up_late_fees(session, estate_id: int, through: date) -> list[AccrualResult]:
    """Accrue every day not yet done for the estate up to `through` (each missed day once)."""
    return [accrue_late_fees(session, estate_id, day) for day in days_to_accrue(session, estate_id, through)]


def estates_with_bills(session) -> list[int]:
    """The estates that have bills (the late-charge job's work list)."""
    return list(session.scalars(select(Bill.estate_id).distinct().order_by(Bill.estate_id)))
