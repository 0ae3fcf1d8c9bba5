"""Billing counts for the home pages: what is due, what came in, arrears by age, collection trends.

Every figure is one aggregate query over the caller's scope (`core.auth.scoped`), never a loop over
rows; each function checks the billing permission that the page behind the figure checks, so a
count never shows what its link would refuse. At city scale the collection trend and what is still
owed read snapshots (`collection_snapshot`, `owed_snapshot`) that a job refreshes from the same
live figures every five minutes (each billing run also writes its own estates' rows).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Optional, Sequence

from sqlalchemy import and_, case, delete, func, literal, select, text

from pms.billing import permissions
from pms.billing.models import (Bill, BillingRun, CollectionSnapshot, FeePlan, OwedSnapshot, Payment,
                                PaymentReversal)
from pms.billing.rules import AGING_BUCKETS
from pms.billing.services.collection import CollectionRates
from pms.core.clock import start_of_day_utc
from pms.core import clock, periods
from pms.core.auth import Principal, scoped
from pms.core.db import UTCDateTime, dialect_insert, upsert
from pms.core.sql import InIds
from pms.estates.models import Estate, Room

# What a household still owes on a bill.
OUTSTANDING = Bill.payable_fen - Bill.waived_fen - Bill.paid_fen


@dataclass
class Tally:
    """A count and a sum of money (bills, rooms or payments)."""

    count: int
    fen: int


@dataclass
class Collection(CollectionRates):
    """One period's collection: by amount (received ÷ receivable) and by household."""

    period: str
    receivable_fen: int
    received_fen: int
    households: int
    households_paid: int


@dataclass
class EstateTally:
    estate_code: str
    estate_name: str
    count: int
    fen: int


@dataclass
class RunState:
    """The current period's billing: how many estates with a fee plan are billed, and when next."""

    period: str
    estates_due: int  # estates with a fee plan in force for the period
    estates_billed: int
    next_run_on: date  # the daily job bills what is due at 01:10 (jobs/billing.py)

    @property
    def done(self) -> bool:
        return self.estates_billed >= self.estates_due


@dataclass
class OpenBill:
    number: str
    room: str
    period: str
    due_date: date
    outstanding_fen: int
    overdue: bool


@dataclass
class LastPayment:
    room: str
    amount_fen: int
    received_at: datetime


# Literals, not bound parameters, so that PostgreSQL's generic plans still match the partial
# indexes ix_bill_open_due (status = 'open') and ix_bill_waived (waived_fen > 0).
IS_OPEN = text("bill.status = 'open'")
IS_WAIVED = text("bill.waived_fen > 0")


def _owed_bills(principal: Principal, *columns):
    """Bills in scope that still owe money (an open bill always does: `rules.bill_status`)."""
    return scoped(select(*columns).where(IS_OPEN), Bill, principal)


def collection_grid(session, principal: Principal, period_list: list[str]) -> dict[tuple[str, str], Collection]:
    """Collection per (period, estate code) of the periods in `period_list`, over the estates in scope.

    The same figures as `collection.collection_rates` (received ÷ receivable of the period's
    non-void bills; households fully paid ÷ households billed), computed without reading every
    bill: a run's totals are its bills' amounts at issue (fixed, never edited), so
      receivable = the runs' payable − what credit notes waived (bills with waived_fen > 0),
      received   = receivable − what open bills still owe (paid and void bills owe nothing),
      households = the runs' bills − void bills (void: credited in full, nothing paid),
      paid       = households − open bills (a bill is open exactly while something is owed).
    Only the runs, the few credited bills and the open bills are read (partial indexes).
    """
    permissions.ensure(principal, "collection.read")
    rows = _collection_rows(session, period_list, lambda stmt, model: scoped(stmt, model, principal))
    return {(period, code): c for period, _estate_id, code, c in rows}


def collection_of_estates(session, period_list: list[str], estate_ids: Sequence[int]
                          ) -> dict[tuple[str, int], Collection]:
    """(period, estate id) → collection of the given estates, live, without a permission check: the
    auditor's portal, whose caller `reports.permissions` has already admitted to the district.
    Reads the runs, the credited bills and the open bills only (`collection_grid`'s way)."""
    if not estate_ids or not period_list:
        return {}
    rows = _collection_rows(session, period_list, lambda stmt, model: stmt.where(InIds(model.estate_id, estate_ids)))
    return {(period, estate_id): c for period, estate_id, _code, c in rows}


def _still_owed_of_estates(session, period_list: list[str], estate_ids: Sequence[int]) -> dict:
    """(period, estate id) → (open bills, money owed) of a few estates, looked up estate by estate.

    Correlated subqueries, so each is an index lookup on (period, estate) in ix_bill_open_period
    whatever the planner believes: right after a billing run the statistics do not know the new
    period yet, and a plain `estate_id IN (…)` was planned as a scan of the whole period (every
    bill of the city billed so far) filtered by estate — once per batch of the run.
    """
    found = {}
    for period in period_list:
        mine = and_(IS_OPEN, Bill.estate_id == Estate.id, Bill.period == period)
        count = select(func.count()).select_from(Bill).where(mine).correlate(Estate).scalar_subquery()
        owed = select(func.sum(OUTSTANDING)).where(mine).correlate(Estate).scalar_subquery()
        for estate_id, n, fen in session.execute(select(Estate.id, count, owed).where(InIds(Estate.id, estate_ids))):
            if n:
                found[(period, estate_id)] = (int(n), int(fen or 0))
    return found


def _collection_rows(session, period_list: list[str], restrict: Callable,
                     still_owed: Optional[dict] = None) -> list[tuple[str, int, str, Collection]]:
    """(period, estate id, estate code, collection) of the estates `restrict(stmt, model)` keeps."""
    runs = session.execute(restrict(
        select(BillingRun.period, BillingRun.estate_id, Estate.code, func.sum(BillingRun.payable_fen),
               func.sum(BillingRun.bills_created))
        .join(Estate, Estate.id == BillingRun.estate_id).where(BillingRun.period.in_(period_list))
        .group_by(BillingRun.period, BillingRun.estate_id, Estate.code), BillingRun)).all()
    credited = {(p, e): (int(w or 0), int(v or 0)) for p, e, w, v in session.execute(restrict(
        select(Bill.period, Bill.estate_id, func.sum(Bill.waived_fen),
               func.sum(case((Bill.status == "void", 1), else_=0)))
        .where(IS_WAIVED, Bill.period.in_(period_list)).group_by(Bill.period, Bill.estate_id), Bill))}
    if still_owed is None:
        still_owed = {(p, e): (int(n), int(fen or 0)) for p, e, n, fen in session.execute(restrict(
            select(Bill.period, Bill.estate_id, func.count(), func.sum(OUTSTANDING))
            .where(IS_OPEN, Bill.period.in_(period_list)).group_by(Bill.period, Bill.estate_id), Bill))}
    rows = []
    for period, estate_id, code, payable, bills in runs:
        waived, void = credited.get((period, estate_id), (0, 0))
        open_bills, owed = still_owed.get((period, estate_id), (0, 0))
        receivable, households = int(payable) - waived, int(bills) - void
        rows.append((period, estate_id, code,
                     Collection(period, receivable, receivable - owed, households, households - open_bills)))
    return rows


# The snapshot keeps the months the homes' collection trend shows (home.services.TREND_MONTHS).
SNAPSHOT_MONTHS = 12


def snapshot_periods(today: date, months: int = SNAPSHOT_MONTHS) -> list[str]:
    """The last `months` periods up to and including today's, oldest first."""
    current = periods.period_of(today)
    return [periods.add_months(current, -i) for i in range(months - 1, -1, -1)]


def refresh_collection_snapshot(session, period_list: list[str], *, estate_ids: Optional[Sequence[int]] = None,
                                now: Optional[datetime] = None, still_owed: Optional[dict] = None) -> int:
    """Rewrite the snapshot rows of `period_list` (of `estate_ids`, else of every estate) from the
    live figures, as of `now`; a full refresh also drops the rows of older periods. Rows written.

    An upsert, not delete-then-insert: a billing run refreshing its estates while the job
    refreshes everything cannot collide on the key; the later commit wins with equally live figures.
    """
    now = now or clock.now()
    if estate_ids is None:
        restrict = lambda stmt, _model: stmt  # noqa: E731  (every estate)
    else:
        restrict = lambda stmt, model: stmt.where(InIds(model.estate_id, estate_ids))  # noqa: E731
    owed = still_owed
    if owed is None and estate_ids is not None:
        owed = _still_owed_of_estates(session, period_list, estate_ids)
    values = [{"estate_id": estate_id, "period": period, "receivable_fen": c.receivable_fen,
               "received_fen": c.received_fen, "households": c.households, "households_paid": c.households_paid,
               "refreshed_at": now}
              for period, estate_id, _code, c in _collection_rows(session, period_list, restrict, owed)]
    if estate_ids is None:
        session.execute(delete(CollectionSnapshot).where(CollectionSnapshot.period < min(period_list)))
    upsert(session, CollectionSnapshot, values, ("estate_id", "period"))
    return len(values)


def collection_snapshot_by_period(session, principal: Principal, period_list: list[str]
                                  ) -> tuple[list[Collection], Optional[datetime]]:
    """`collection_by_period` as of the last refresh (`refresh_collection_snapshot`), summed in SQL
    (one row per period, however many estates), and when that was: the oldest row read, None when
    nothing is billed yet. What a home page shows at city scale."""
    permissions.ensure(principal, "collection.read")
    snap = CollectionSnapshot
    rows = session.execute(scoped(
        select(snap.period, func.sum(snap.receivable_fen), func.sum(snap.received_fen), func.sum(snap.households),
               func.sum(snap.households_paid), func.min(snap.refreshed_at))
        .where(snap.period.in_(period_list)).group_by(snap.period), snap, principal)).all()
    found = {period: Collection(period, int(receivable), int(received), int(households), int(paid))
             for period, receivable, received, households, paid, _at in rows}
    months = [found.get(p, Collection(p, 0, 0, 0, 0)) for p in period_list]
    return months, min((row[-1] for row in rows), default=None)


def collection_snapshot_by_estate(session, principal: Principal, period: str,
                                  codes: Optional[Sequence[str]] = None) -> dict[str, Collection]:
    """One period's snapshot per estate in scope (of `codes` only, if given), by estate code
    (`collection_by_estate` as of the last refresh)."""
    permissions.ensure(principal, "collection.read")
    snap = CollectionSnapshot
    stmt = (select(Estate.code, snap.receivable_fen, snap.received_fen, snap.households, snap.households_paid)
            .join(Estate, Estate.id == snap.estate_id).where(snap.period == period))
    if codes is not None:
        stmt = stmt.where(Estate.code.in_(list(codes)))
    rows = session.execute(scoped(stmt, snap, principal))
    return {code: Collection(period, int(receivable), int(received), households, paid)
            for code, receivable, received, households, paid in rows}


def collection_by_period(session, principal: Principal, period_list: list[str]) -> list[Collection]:
    """Collection of each period in `period_list` over the estates in scope (zeros when unbilled)."""
    return totals_by_period(collection_grid(session, principal, period_list), period_list)


def totals_by_period(grid: dict[tuple[str, str], Collection], period_list: list[str]) -> list[Collection]:
    """A grid's collection summed over its estates, per period of `period_list` (zeros when unbilled)."""
    totals = {p: Collection(p, 0, 0, 0, 0) for p in period_list}
    for (period, _code), c in grid.items():
        t = totals.get(period)
        if t is None:
            continue
        t.receivable_fen += c.receivable_fen
        t.received_fen += c.received_fen
        t.households += c.households
        t.households_paid += c.households_paid
    return [totals[p] for p in period_list]


def collection_by_estate(session, principal: Principal, period: str) -> dict[str, Collection]:
    """One period's collection per estate in scope, by estate code."""
    return {code: c for (_p, code), c in collection_grid(session, principal, [period]).items()}


def arrears_older_than(session, principal: Principal, today: date, days: int = 90, *,
                       limit: int = 5) -> tuple[Tally, list[EstateTally]]:
    """Rooms with a bill overdue more than `days` days and what those bills still owe, in total and
    for the `limit` estates owing most (one query grouped by estate: a room is in one estate, so
    the estates' room counts add up to the total)."""
    permissions.ensure(principal, "arrears.read")
    stmt = (_owed_bills(principal, Bill.estate_id, func.count(func.distinct(Bill.room_id)), func.sum(OUTSTANDING))
            .where(Bill.due_date < today - timedelta(days=days)).group_by(Bill.estate_id))
    rows = [(estate_id, int(n), int(fen or 0)) for estate_id, n, fen in session.execute(stmt)]
    total = Tally(sum(n for _e, n, _f in rows), sum(f for _e, _n, f in rows))
    top = sorted(rows, key=lambda row: (-row[2], row[0]))[:limit]
    return total, estate_tallies(session, top)


@dataclass
class Owed:
    """What the open bills in scope still owed at the last refresh (`refresh_owed_snapshot`): per
    (estate id, age bucket — None while not yet overdue —, due within the window) the number of
    bills and the money; `as_of` is the oldest row read (None when nothing is owed)."""

    rows: list[tuple[int, Optional[str], bool, int, int]]
    as_of: Optional[datetime] = None

    def aging(self) -> dict[str, Tally]:
        """Overdue money per age bucket (AGING_BUCKETS: 0-30, 31-90, 91-365, 365+ days overdue)."""
        found = {b: Tally(0, 0) for b in AGING_BUCKETS}
        for _estate, bucket, _window, n, fen in self.rows:
            if bucket is not None:
                found[bucket].count += n
                found[bucket].fen += fen
        return found

    def in_window(self) -> Tally:
        """Bills falling due within the window (overdue or not yet), and what they owe."""
        rows = [(n, fen) for *_key, window, n, fen in self.rows if window]
        return Tally(sum(n for n, _f in rows), sum(f for _n, f in rows))

    def top_estates(self, *, overdue: bool, limit: int = 5) -> list[tuple[int, int, int]]:
        """(estate id, bills, fen) of the estates owing most: overdue money, or money due in the window."""
        sums: dict[int, list[int]] = {}
        for estate_id, bucket, window, n, fen in self.rows:
            if (bucket is not None) if overdue else window:
                total = sums.setdefault(estate_id, [0, 0])
                total[0] += n
                total[1] += fen
        ranked = sorted(sums.items(), key=lambda item: (-item[1][1], item[0]))[:limit]
        return [(estate_id, n, fen) for estate_id, (n, fen) in ranked]


def refresh_owed_snapshot(session, *, now: Optional[datetime] = None) -> int:
    """Rewrite the owed snapshot from the open bills as of `now`, in SQL: one grouped pass over them
    (ix_bill_open_due) upserted by key, then the rows whose estate, period and due date have
    nothing open any more are dropped. Rows written.

    An upsert in key order, not delete-then-insert: the job and `pms billing refresh-collection`
    running at once wait for each other instead of colliding on the key or deadlocking.
    """
    now = now or clock.now()
    snap = OwedSnapshot.__table__
    grouped = (select(Bill.estate_id, Bill.period, Bill.due_date, func.count(), func.sum(OUTSTANDING),
                      literal(now, UTCDateTime()))
               .where(IS_OPEN).group_by(Bill.estate_id, Bill.period, Bill.due_date)
               .order_by(Bill.estate_id, Bill.period, Bill.due_date))
    stmt = dialect_insert(session, snap).from_select(
        ["estate_id", "period", "due_date", "open_bills", "owed_fen", "refreshed_at"], grouped)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["estate_id", "period", "due_date"],
        set_={name: stmt.excluded[name] for name in ("open_bills", "owed_fen", "refreshed_at")}))
    still_open = (select(Bill.id).where(IS_OPEN, Bill.estate_id == snap.c.estate_id, Bill.period == snap.c.period,
                                        Bill.due_date == snap.c.due_date).exists())
    session.execute(delete(snap).where(~still_open))
    # What is left is what was written: every row with something open was rewritten above.
    return session.scalar(select(func.count()).select_from(snap))


def refresh_run_snapshots(session, period: str, due_dates: dict[int, date], *, now: datetime) -> None:
    """A billing run's estates (estate id → the due date of its bills) in both snapshots for its
    period, from one look-up of what their open bills owe: the homes show the new month at once."""
    owed = _still_owed_of_estates(session, [period], list(due_dates))
    refresh_collection_snapshot(session, [period], estate_ids=list(due_dates), now=now, still_owed=owed)
    # A run issues every bill of its estate and period with the plan's one due date.
    upsert(session, OwedSnapshot, [
        {"estate_id": estate_id, "period": period, "due_date": due, "open_bills": owed[(period, estate_id)][0],
         "owed_fen": owed[(period, estate_id)][1], "refreshed_at": now}
        for estate_id, due in due_dates.items() if (period, estate_id) in owed], ("estate_id", "period", "due_date"))


def refresh_snapshots(session, *, now: Optional[datetime] = None) -> tuple[int, int]:
    """What the five-minute job does: the collection snapshot of the last 12 months and the owed
    snapshot, as of `now`; (estate months, owed rows) written."""
    now = now or clock.now()
    return (refresh_collection_snapshot(session, snapshot_periods(clock.today(now)), now=now),
            refresh_owed_snapshot(session, now=now))


def owed_summary(session, principal: Principal, today: date, first: date, last: date) -> Owed:
    """Everything the finance home shows about money still owed, from the owed snapshot (a few rows
    per estate, whatever the number of bills): arrears by age on `today`, bills due in [first, last],
    per estate."""
    permissions.ensure(principal, "arrears.read")
    permissions.ensure(principal, "bill.read")
    snap = OwedSnapshot
    bucket = case((snap.due_date >= today, None),
                  (snap.due_date >= today - timedelta(days=30), "0-30"),
                  (snap.due_date >= today - timedelta(days=90), "31-90"),
                  (snap.due_date >= today - timedelta(days=365), "91-365"), else_="365+")
    window = case((and_(snap.due_date >= first, snap.due_date <= last), 1), else_=0)
    stmt = scoped(select(snap.estate_id, bucket, window, func.sum(snap.open_bills), func.sum(snap.owed_fen),
                         func.min(snap.refreshed_at)).group_by(snap.estate_id, bucket, window), snap, principal)
    rows = session.execute(stmt).all()
    return Owed([(e, b, bool(w), int(n), int(fen or 0)) for e, b, w, n, fen, _at in rows],
                min((row[-1] for row in rows), default=None))


def estate_tallies(session, top: list[tuple[int, int, int]]) -> list[EstateTally]:
    """(estate id, count, fen) rows with their estates' codes and names, in the same order."""
    if not top:
        return []
    names = {i: (code, name) for i, code, name in session.execute(
        select(Estate.id, Estate.code, Estate.name).where(Estate.id.in_([row[0] for row in top])))}
    return [EstateTally(*names[estate_id], n, fen) for estate_id, n, fen in top]


def payments_on(session, principal: Principal, day: date) -> Tally:
    """Payments received on a business day (reversed ones left out): how many, how much."""
    permissions.ensure(principal, "account.read")
    stmt = scoped(select(func.count(Payment.id), func.sum(Payment.amount_fen))
                  .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
                  .where(Payment.received_at >= start_of_day_utc(day),
                         Payment.received_at < start_of_day_utc(day + timedelta(days=1)),
                         PaymentReversal.id.is_(None)), Payment, principal)
    n, fen = session.execute(stmt).one()
    return Tally(int(n or 0), int(fen or 0))


def run_state(session, principal: Principal, today: date) -> RunState:
    """This period's billing over the estates in scope: due (a fee plan in force) vs billed."""
    permissions.ensure(principal, "run.read")
    period = periods.period_of(today)
    due = session.scalar(scoped(select(func.count(func.distinct(FeePlan.estate_id)))
                                .where(FeePlan.effective_from <= period), FeePlan, principal)) or 0
    billed = session.scalar(scoped(select(func.count(BillingRun.id)).where(BillingRun.period == period),
                                   BillingRun, principal)) or 0
    # Due estates are billed by the next daily job (tomorrow's 01:10 if today's has passed);
    # once all are billed, the next run is the first day of next month.
    next_run = today + timedelta(days=1) if billed < due else periods.first_day(periods.add_months(period, 1))
    return RunState(period=period, estates_due=int(due), estates_billed=int(billed), next_run_on=next_run)


def open_bills_of_own_rooms(session, principal: Principal, today: date, *, limit: int = 24) -> list[OpenBill]:
    """A resident's bills that still owe money, the one due first on top."""
    if not permissions.has_own_rooms(principal):
        return []
    stmt = (_owed_bills(principal, Bill.number, Room.code, Bill.period, Bill.due_date, OUTSTANDING)
            .join(Room, Room.id == Bill.room_id).order_by(Bill.due_date, Bill.number).limit(limit))
    return [OpenBill(number, room, period, due, int(owed), due < today)
            for number, room, period, due, owed in session.execute(stmt)]


def last_payment_of_own_rooms(session, principal: Principal) -> Optional[LastPayment]:
    """A resident's latest payment that was not reversed, or None."""
    if not permissions.has_own_rooms(principal):
        return None
    stmt = scoped(select(Room.code, Payment.amount_fen, Payment.received_at)
                  .join(Room, Room.id == Payment.room_id)
                  .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
                  .where(PaymentReversal.id.is_(None))
                  .order_by(Payment.received_at.desc(), Payment.id.desc()).limit(1), Payment, principal)
    row = session.execute(stmt).first()
    return LastPayment(row[0], int(row[1]), row[2]) if row else None
