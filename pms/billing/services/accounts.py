"""A room's account as of a business day: balance, prepayment, late charges, arrears, aging.

Everything is reproducible for any past day: only bills issued on or before the day count, and
only money received / allocated / reversed on or before it (instants converted to the business
day in Asia/Shanghai). Four queries whatever the history (bills with their late-charge clause,
allocations, payments with reversals, last demand); the arithmetic is done in Python per bill.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import func, select

from pms.billing import permissions
from pms.billing.services.credit_notes import credits_until
from pms.billing.services.late_fees import business_day
from pms.billing.models import (Bill, BillingRun, Demand, FeePlan, LateFeeSettlement, Payment,
                                PaymentAllocation, PaymentReversal)
from pms.billing.rules import AGING_BUCKETS, aging_bucket, bill_status, clause_of, late_fee_fen, limitation_flag
from pms.core.clock import start_of_day_utc
from pms.core.auth import Principal, get_in_scope
from pms.core.clock import today
from pms.estates import services as estates
from pms.estates.models import Room

@dataclass
class ArrearsItem:
    bill: str
    period: str
    due_date: date
    days_overdue: int
    outstanding_fen: int
    aging: str
    limitation_flag: bool


@dataclass
class BillState:
    number: str
    period: str
    due_date: date
    payable_fen: int
    paid_fen: int
    outstanding_fen: int
    late_fee_fen: int
    status: str  # as of the day: paid / open / overdue / void (credited in full, nothing paid)
    credited_fen: int = 0


@dataclass
class PaymentLine:
    id: int
    received_on: date
    received_at: datetime
    amount_fen: int
    channel: str
    reference: str
    recorded_by: str
    reversed: bool
    reversal_reason: str = ""


@dataclass
class RoomAccount:
    room: str
    estate_id: int
    as_of: date
    balance_fen: int
    prepaid_fen: int
    late_fee_fen: int  # late charges still owed: accrued on the bills less paid or waived
    arrears: list[ArrearsItem]
    aging: dict[str, int]
    late_fee_settled_fen: int = 0  # late charges paid or waived up to the day
    bills: list[BillState] = field(default_factory=list)
    payments: list[PaymentLine] = field(default_factory=list)
    last_payment_on: Optional[date] = None
    last_demand_on: Optional[date] = None

    @property
    def overdue_fen(self) -> int:
        return sum(a.outstanding_fen for a in self.arrears)


def get_room_for_billing(session, principal: Principal, room_code: str) -> Room:
    """A room in scope (404) whose billing the caller may read (403 for technicians, carers)."""
    room = get_in_scope(session, Room, Room.code == room_code, principal=principal)
    permissions.ensure(principal, "account.read")
    return room


def get_account(session, principal: Principal, room_code: str, as_of: Optional[date] = None,
                *, recent_payments: int = 10) -> RoomAccount:
    """The account of a room in the caller's scope as of a day (default today)."""
    room = get_room_for_billing(session, principal, room_code)
    return room_account(session, room, as_of or today(), recent_payments=recent_payments)


def has_own_rooms(principal: Principal) -> bool:
    """Whether the caller has rooms of their own (a resident): the phone account page is theirs."""
    return permissions.has_own_rooms(principal)


def accounts_of_own_rooms(session, principal: Principal, *, rooms: int = 20) -> list[RoomAccount]:
    """The accounts of the caller's own rooms, as of today."""
    own, _total = estates.list_rooms(session, principal, limit=rooms)
    return [get_account(session, principal, room.code) for room in own]


def room_account(session, room: Room, as_of: date, *, recent_payments: int = 10) -> RoomAccount:
    """The account of a room as of the end of a business day (no scope check)."""
    bound = start_of_day_utc(as_of + timedelta(days=1))
    bills = session.execute(
        select(Bill.id, Bill.number, Bill.period, Bill.due_date, Bill.payable_fen,
               FeePlan.late_fee_daily_rate_per_10k, FeePlan.late_fee_grace_days,
               FeePlan.late_fee_cap_percent)
        .join(BillingRun, BillingRun.id == Bill.billing_run_id)
        .join(FeePlan, FeePlan.id == BillingRun.fee_plan_id)
        .where(Bill.room_id == room.id, Bill.issued_at < bound)
        .order_by(Bill.period, Bill.number)).all()
    # Credit notes count from their business day (an earlier as_of still sees the full bill).
    credits = credits_until(session, as_of, room_id=room.id)
    history: dict[int, list[tuple[date, int]]] = {}
    allocated_total = 0
    for bill_id, at, fen in session.execute(
            select(PaymentAllocation.bill_id, PaymentAllocation.allocated_at, PaymentAllocation.amount_fen)
            .where(PaymentAllocation.room_id == room.id, PaymentAllocation.allocated_at < bound)):
        history.setdefault(bill_id, []).append((business_day(at), fen))
        allocated_total += fen
    payments = session.execute(
        select(Payment.id, Payment.received_at, Payment.amount_fen, Payment.channel, Payment.reference,
               Payment.recorded_by, PaymentReversal.reversed_at, PaymentReversal.reason)
        .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
        .where(Payment.room_id == room.id, Payment.received_at < bound)
        .order_by(Payment.received_at.desc(), Payment.id.desc())).all()
    last_demand = session.scalar(select(func.max(Demand.demanded_on))
                                 .where(Demand.room_id == room.id, Demand.demanded_on <= as_of))
    settled = session.scalar(select(func.coalesce(func.sum(LateFeeSettlement.signed_fen()), 0))
                             .where(LateFeeSettlement.room_id == room.id, LateFeeSettlement.business_date <= as_of))

    received = reversed_fen = 0
    lines: list[PaymentLine] = []
    last_payment: Optional[date] = None
    for pid, received_at, amount, channel, reference, by, reversed_at, reason in payments:
        received += amount
        was_reversed = reversed_at is not None and reversed_at < bound
        if was_reversed:
            reversed_fen += amount
        elif last_payment is None:
            last_payment = business_day(received_at)
        if len(lines) < recent_payments:
            lines.append(PaymentLine(id=pid, received_on=business_day(received_at), received_at=received_at,
                                     amount_fen=amount, channel=channel, reference=reference,
                                     recorded_by=by, reversed=was_reversed,
                                     reversal_reason=(reason or "") if was_reversed else ""))

    aging = {bucket: 0 for bucket in AGING_BUCKETS}
    arrears: list[ArrearsItem] = []
    states: list[BillState] = []
    balance = late_total = 0
    for bill_id, number, period, due, payable, rate, grace, cap in bills:
        paid = sum(fen for _d, fen in history.get(bill_id, ()))
        credited = sum(fen for _d, fen in credits.get(bill_id, ()))
        outstanding = max(payable - credited - paid, 0)
        late = late_fee_fen(payable_fen=payable, due_date=due, clause=clause_of(rate, grace, cap),
                            payments=[*history.get(bill_id, ()), *credits.get(bill_id, ())], as_of=as_of)
        balance += outstanding
        late_total += late
        overdue = outstanding > 0 and as_of > due
        if overdue:
            days = (as_of - due).days
            bucket = aging_bucket(days)
            aging[bucket] += outstanding
            arrears.append(ArrearsItem(bill=number, period=period, due_date=due, days_overdue=days,
                                       outstanding_fen=outstanding, aging=bucket,
                                       limitation_flag=limitation_flag(due, last_payment, last_demand, as_of)))
        states.append(BillState(number=number, period=period, due_date=due, payable_fen=payable,
                                paid_fen=paid, credited_fen=credited, outstanding_fen=outstanding,
                                late_fee_fen=late,
                                status=("overdue" if overdue else "open") if outstanding
                                else bill_status(payable, paid, credited)))
    return RoomAccount(room=room.code, estate_id=room.estate_id, as_of=as_of, balance_fen=balance,
                       prepaid_fen=received - reversed_fen - allocated_total,
                       late_fee_fen=max(late_total - settled, 0), late_fee_settled_fen=settled,
                       arrears=arrears, aging=aging, bills=states, payments=lines,
                       last_payment_on=last_payment, last_demand_on=last_demand)
