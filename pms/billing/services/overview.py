"""Billing counts for the home pages: what is due, what came in, arrears by age, collection trends.

Every figure is one aggregate query over the caller's scope (`core.auth.scoped`), never a loop over
rows; each function checks the billing permission that the page behind the figure checks, so a
count never shows what its link would refuse.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import case, func, select

from pms.billing import permissions
from pms.billing.models import Bill, BillingRun, FeePlan, Payment, PaymentReversal
from pms.billing.rules import AGING_BUCKETS, percent_one_decimal
from pms.billing.services.payments import start_of_day_utc
from pms.core import periods
from pms.core.auth import Principal, scoped
from pms.estates.models import Estate, Room

# What a household still owes on a bill.
OUTSTANDING = Bill.payable_fen - Bill.waived_fen - Bill.paid_fen


@dataclass
class Tally:
    """A count and a sum of money (bills, rooms or payments)."""

    count: int
    fen: int


@dataclass
class Collection:
    """One period's collection: by amount (received ÷ receivable) and by household."""

    period: str
    receivable_fen: int
    received_fen: int
    households: int
    households_paid: int

    @property
    def rate_by_amount(self) -> Optional[str]:
        return percent_one_decimal(self.received_fen, self.receivable_fen)

    @property
    def rate_by_household(self) -> Optional[str]:
        return percent_one_decimal(self.households_paid, self.households)


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


def _owed_bills(principal: Principal, *columns):
    """Bills in scope that still owe money (not void, something outstanding)."""
    return scoped(select(*columns).where(Bill.status == "open", OUTSTANDING > 0), Bill, principal)


def collection_by_period(session, principal: Principal, period_list: list[str]) -> list[Collection]:
    """Collection of each period in `period_list` over the estates in scope (zeros when unbilled)."""
    permissions.ensure(principal, "collection.read")
    owed = Bill.payable_fen - Bill.waived_fen
    stmt = scoped(select(Bill.period, func.coalesce(func.sum(owed), 0), func.coalesce(func.sum(Bill.paid_fen), 0),
                         func.count(Bill.id), func.coalesce(func.sum(case((Bill.paid_fen >= owed, 1), else_=0)), 0))
                  .where(Bill.period.in_(period_list), Bill.status != "void").group_by(Bill.period), Bill, principal)
    found = {p: Collection(p, int(due), int(got), int(n), int(full)) for p, due, got, n, full in session.execute(stmt)}
    return [found.get(p, Collection(p, 0, 0, 0, 0)) for p in period_list]


def collection_by_estate(session, principal: Principal, period: str) -> dict[str, Collection]:
    """One period's collection per estate in scope, by estate code."""
    permissions.ensure(principal, "collection.read")
    owed = Bill.payable_fen - Bill.waived_fen
    stmt = scoped(select(Estate.code, func.coalesce(func.sum(owed), 0), func.coalesce(func.sum(Bill.paid_fen), 0),
                         func.count(Bill.id), func.coalesce(func.sum(case((Bill.paid_fen >= owed, 1), else_=0)), 0))
                  .join(Estate, Estate.id == Bill.estate_id)
                  .where(Bill.period == period, Bill.status != "void").group_by(Estate.code), Bill, principal)
    return {code: Collection(period, int(due), int(got), int(n), int(full))
            for code, due, got, n, full in session.execute(stmt)}


def arrears_by_age(session, principal: Principal, today: date) -> dict[str, Tally]:
    """Overdue money by age of each bill (core's buckets: 0-30, 31-90, 91-365, 365+ days), with
    the number of bills in each."""
    permissions.ensure(principal, "arrears.read")
    bucket = case((Bill.due_date >= today - timedelta(days=30), "0-30"),
                  (Bill.due_date >= today - timedelta(days=90), "31-90"),
                  (Bill.due_date >= today - timedelta(days=365), "91-365"), else_="365+")
    stmt = _owed_bills(principal, bucket, func.count(Bill.id), func.sum(OUTSTANDING)).where(
        Bill.due_date < today).group_by(bucket)
    found = {b: Tally(int(n), int(fen or 0)) for b, n, fen in session.execute(stmt)}
    return {b: found.get(b, Tally(0, 0)) for b in AGING_BUCKETS}


def arrears_older_than(session, principal: Principal, today: date, days: int = 90) -> Tally:
    """Rooms with a bill overdue more than `days` days, and what those bills still owe."""
    permissions.ensure(principal, "arrears.read")
    stmt = _owed_bills(principal, func.count(func.distinct(Bill.room_id)), func.sum(OUTSTANDING)).where(
        Bill.due_date < today - timedelta(days=days))
    rooms, fen = session.execute(stmt).one()
    return Tally(int(rooms or 0), int(fen or 0))


def arrears_older_than_by_estate(session, principal: Principal, today: date, days: int = 90, *,
                                 limit: int = 5) -> list[EstateTally]:
    """The estates with the most money overdue more than `days` days (rooms, fen), largest first."""
    permissions.ensure(principal, "arrears.read")
    stmt = (_owed_bills(principal, Estate.code, Estate.name, func.count(func.distinct(Bill.room_id)),
                        func.sum(OUTSTANDING).label("fen"))
            .join(Estate, Estate.id == Bill.estate_id).where(Bill.due_date < today - timedelta(days=days))
            .group_by(Estate.code, Estate.name).order_by(func.sum(OUTSTANDING).desc(), Estate.code).limit(limit))
    return [EstateTally(code, name, int(n), int(fen)) for code, name, n, fen in session.execute(stmt)]


def bills_due_between(session, principal: Principal, first: date, last: date) -> Tally:
    """Bills still owing whose due date falls in [first, last], and what they owe."""
    permissions.ensure(principal, "bill.read")
    stmt = _owed_bills(principal, func.count(Bill.id), func.sum(OUTSTANDING)).where(
        Bill.due_date >= first, Bill.due_date <= last)
    n, fen = session.execute(stmt).one()
    return Tally(int(n or 0), int(fen or 0))


def bills_due_between_by_estate(session, principal: Principal, first: date, last: date, *,
                                limit: int = 5) -> list[EstateTally]:
    """The estates with the most money falling due in [first, last], largest first."""
    permissions.ensure(principal, "bill.read")
    stmt = (_owed_bills(principal, Estate.code, Estate.name, func.count(Bill.id), func.sum(OUTSTANDING))
            .join(Estate, Estate.id == Bill.estate_id).where(Bill.due_date >= first, Bill.due_date <= last)
            .group_by(Estate.code, Estate.name).order_by(func.sum(OUTSTANDING).desc(), Estate.code).limit(limit))
    return [EstateTally(code, name, int(n), int(fen)) for code, name, n, fen in session.execute(stmt)]


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
