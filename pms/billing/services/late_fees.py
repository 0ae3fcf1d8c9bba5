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
from typing import Optional, Sequence

from sqlalchemy import bindparam, func, or_, select, update

from pms.billing.services.credit_notes import credits_until
from pms.billing.services.ledger import Entry, Line, post_entries
from pms.billing.models import (Bill, BillingRun, CreditNote, FeePlan, LateFeeAccrual, LateFeeRun,
                                PaymentAllocation)
from pms.billing.rules import clause_of, late_fee_fen
from pms.core.bulk import insert_rows
from pms.core.clock import start_of_day_utc
from pms.core.clock import timezone as business_tz
from pms.core.db import insert_ignoring_conflicts, utcnow
from pms.core.sql import InIds

# How far back a restarted scheduler catches up day by day; older backlog lands on the first day.
MAX_CATCH_UP_DAYS = 400


def business_day(instant: datetime, tz=None) -> date:
    """The business (Asia/Shanghai) day of an aware instant (`tz`: the business timezone, looked up
    once by a caller that converts thousands of instants)."""
    return instant.astimezone(tz or business_tz()).date()


@dataclass
class AccrualResult:
    day: date
    accruals: int = 0
    total_fen: int = 0
    already_done: bool = False


def accrue_late_fees(session, estate_id: int, day: date) -> AccrualResult:
    """Accrue one estate's late charges of one day (idempotent per estate and day)."""
    return accrue_late_fees_batch(session, [estate_id], day)[estate_id]


def accrue_late_fees_batch(session, estate_ids: Sequence[int], day: date) -> dict[int, AccrualResult]:
    """Accrue several estates' late charges of one day together (idempotent per estate and day).

    Set-based, the same statements for one estate or a hundred: the bills that can have grown that
    day (a clause, past grace, issued by then, owing something at the end of the day) with their
    allocations, credits and booked accruals in a few queries; accruals bulk-inserted; one journal
    entry per estate and day. The run rows are claimed with INSERT … ON CONFLICT DO NOTHING, so an
    estate another process accrued meanwhile is skipped, never accrued twice.
    """
    ids = sorted(set(estate_ids))
    results = {estate_id: AccrualResult(day=day, already_done=True) for estate_id in ids}
    runs_table = LateFeeRun.__table__
    claimed = dict(insert_ignoring_conflicts(
        session, runs_table, [dict(estate_id=estate_id, day=day, accruals=0, total_fen=0, created_at=utcnow())
                              for estate_id in ids],
        ["estate_id", "day"], returning=(runs_table.c.estate_id, runs_table.c.id)))
    if not claimed:
        return results
    previous = dict(session.execute(
        select(LateFeeRun.estate_id, func.max(LateFeeRun.day))
        .where(LateFeeRun.estate_id.in_(list(claimed)), LateFeeRun.day < day)
        .group_by(LateFeeRun.estate_id)).all())
    day_end = start_of_day_utc(day + timedelta(days=1))
    rows = []
    # A bill paid off now may still have grown since the estate's previous run (days skipped, or
    # paid before the job ran): include every bill that received or lost money since then.
    # Estates are grouped by their previous day (after a normal night: one group).
    by_previous: dict[Optional[date], list[int]] = {}
    for estate_id in claimed:
        by_previous.setdefault(previous.get(estate_id), []).append(estate_id)
    for last, group in by_previous.items():
        moved = select(PaymentAllocation.bill_id).where(PaymentAllocation.estate_id.in_(group))
        credited = select(CreditNote.bill_id).where(CreditNote.estate_id.in_(group))
        if last is not None:
            moved = moved.where(PaymentAllocation.allocated_at >= start_of_day_utc(last + timedelta(days=1)))
            credited = credited.where(CreditNote.business_date > last)
        rows += session.execute(
            select(Bill.id, Bill.estate_id, Bill.room_id, Bill.payable_fen, Bill.due_date,
                   FeePlan.late_fee_daily_rate_per_10k, FeePlan.late_fee_grace_days,
                   FeePlan.late_fee_cap_percent)
            .join(BillingRun, BillingRun.id == Bill.billing_run_id)
            .join(FeePlan, FeePlan.id == BillingRun.fee_plan_id)
            # due_date < day: no bill due on or after the day can be past its grace (grace ≥ 0),
            # so this month's bills, not yet due, are not read at all.
            .where(Bill.estate_id.in_(group), Bill.issued_at < day_end, Bill.due_date < day,
                   FeePlan.late_fee_daily_rate_per_10k > 0,
                   or_(Bill.status == "open", Bill.id.in_(moved), Bill.id.in_(credited)))).all()
    bills = []
    clauses = {}  # one Clause per plan's terms, not one per bill
    # By bill id (plain tuples: comparing SQLAlchemy rows costs microseconds each, seconds in all).
    for bill_id, estate_id, room_id, payable, due, rate, grace, cap in sorted(map(tuple, rows)):
        clause = clauses.get((rate, grace, cap))
        if clause is None:
            clause = clauses[rate, grace, cap] = clause_of(rate, grace, cap)
        if clause.first_charged_day(due) <= day:
            bills.append((bill_id, estate_id, room_id, payable, due, clause))
    per_estate: dict[int, dict[int, int]] = {}  # estate → room → fen
    counts: dict[int, int] = {}
    if bills:
        bill_ids = [b[0] for b in bills]
        history = _allocations_until(session, bill_ids, day_end)
        # Credit notes lower the outstanding amount from their business day, like a payment.
        for bill_id, events in credits_until(session, day, estate_ids=list(claimed)).items():
            history.setdefault(bill_id, []).extend(events)
        booked = _booked_before(session, bill_ids, day)
        new_rows = []
        for bill_id, estate_id, room_id, payable, due, clause in bills:
            total = late_fee_fen(payable_fen=payable, due_date=due, clause=clause,
                                 payments=history.get(bill_id, ()), as_of=day)
            fen = total - booked.get(bill_id, 0)
            if fen > 0:
                new_rows.append(dict(bill_id=bill_id, estate_id=estate_id, room_id=room_id, day=day,
                                     amount_fen=fen))
                rooms = per_estate.setdefault(estate_id, {})
                rooms[room_id] = rooms.get(room_id, 0) + fen
                counts[estate_id] = counts.get(estate_id, 0) + 1
        insert_rows(session, LateFeeAccrual, new_rows)  # COPY on PostgreSQL: every unpaid bill, a night
    post_entries(session, [Entry(
        estate_id, "late_fee", "late_fee_run", claimed[estate_id], day,
        (*(Line("late_fee_receivable", fen, room_id=room) for room, fen in sorted(rooms.items())),
         Line("late_fee_revenue", -sum(rooms.values()))), memo=f"late fees {day.isoformat()}")
        for estate_id, rooms in sorted(per_estate.items())])
    if per_estate:
        session.execute(update(runs_table).where(runs_table.c.id == bindparam("run_id"))
                        .values(accruals=bindparam("n"), total_fen=bindparam("fen")),
                        [dict(run_id=claimed[e], n=counts[e], fen=sum(rooms.values()))
                         for e, rooms in sorted(per_estate.items())])
    for estate_id in claimed:
        rooms = per_estate.get(estate_id, {})
        results[estate_id] = AccrualResult(day=day, accruals=counts.get(estate_id, 0),
                                           total_fen=sum(rooms.values()))
    session.flush()
    return results


# Bills per IN list: an estate of 100,000 rooms has more bills past grace than a statement may
# carry parameters (SQLite's expanding IN; PostgreSQL binds each chunk as one array, which spares
# it parsing a statement of 10,000 placeholders: 1.7 s of a night's 5 batches at 100,000 households).
ID_CHUNK = 10_000


def _chunks(ids: Sequence[int]):
    ids = list(ids)
    return (ids[start:start + ID_CHUNK] for start in range(0, len(ids), ID_CHUNK))


def _booked_before(session, bill_ids: Sequence[int], day: date) -> dict[int, int]:
    """bill id → the late charges booked for it before `day`."""
    booked: dict[int, int] = {}
    for chunk in _chunks(bill_ids):
        booked.update(session.execute(
            select(LateFeeAccrual.bill_id, func.sum(LateFeeAccrual.amount_fen))
            .where(InIds(LateFeeAccrual.bill_id, chunk), LateFeeAccrual.day < day)
            .group_by(LateFeeAccrual.bill_id)).all())
    return booked


def _allocations_until(session, bill_ids: Sequence[int], until: datetime) -> dict[int, list]:
    """(business day, fen) of each bill's allocations before `until`, in one query."""
    history: dict[int, list] = {}
    tz = business_tz()
    for chunk in _chunks(bill_ids):
        for bill_id, at, fen in session.execute(
                select(PaymentAllocation.bill_id, PaymentAllocation.allocated_at, PaymentAllocation.amount_fen)
                .where(InIds(PaymentAllocation.bill_id, chunk), PaymentAllocation.allocated_at < until)):
            history.setdefault(bill_id, []).append((business_day(at, tz), fen))
    return history


def days_to_accrue(session, estate_id: int, through: date) -> list[date]:
    """The days still to do for an estate: from the day after its last run through `through`."""
    last = session.scalar(select(func.max(LateFeeRun.day)).where(LateFeeRun.estate_id == estate_id))
    return _days_after(last, through)


def _days_after(last: Optional[date], through: date) -> list[date]:
    if last is None:
        return [through]
    start = max(last + timedelta(days=1), through - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [start + timedelta(days=n) for n in range((through - start).days + 1)]


def catch_up_late_fees(session, estate_id: int, through: date) -> list[AccrualResult]:
    """Accrue every day not yet done for the estate up to `through` (each missed day once)."""
    return catch_up_late_fees_batch(session, [estate_id], through)[0]


def catch_up_late_fees_batch(session, estate_ids: Sequence[int], through: date) -> list[list[AccrualResult]]:
    """`catch_up_late_fees` for several estates at once, day by day; one list per estate, in order."""
    last = dict(session.execute(select(LateFeeRun.estate_id, func.max(LateFeeRun.day))
                                .where(LateFeeRun.estate_id.in_(list(estate_ids)))
                                .group_by(LateFeeRun.estate_id)).all())
    days = {estate_id: _days_after(last.get(estate_id), through) for estate_id in set(estate_ids)}
    done: dict[int, list[AccrualResult]] = {estate_id: [] for estate_id in days}
    for day in sorted({d for ds in days.values() for d in ds}):
        due = [estate_id for estate_id, ds in days.items() if day in ds]
        for estate_id, result in accrue_late_fees_batch(session, due, day).items():
            done[estate_id].append(result)
    return [done[estate_id] for estate_id in estate_ids]


def estates_with_bills(session) -> list[int]:
    """The estates that have bills (the late-charge job's work list), by an index probe each."""
    from pms.estates.models import Estate

    return list(session.scalars(select(Estate.id).where(select(Bill.id).where(Bill.estate_id == Estate.id)
                                                        .exists()).order_by(Estate.id)))
