"""Payments: record (oldest bill first, the rest is prepayment), use prepayments, reverse.

Every money movement posts one balanced journal entry (`services.ledger`):
  payment         Dr cash amount · Cr receivable(room) allocated · Cr prepayment(room) the rest
  prepayment_use  Dr prepayment(room) · Cr receivable(room)        (one entry per allocation)
  reversal        the exact opposite of what the payment still holds (bills reopen)
Bill.paid_fen / status move in step with the allocations; nothing is ever updated away or deleted
except those two running columns. `bulk_payments.record_settlements` writes the same rows, receipts
included, for many whole-bill payments at once (imports, the demo).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Optional, Sequence

from sqlalchemy import func, insert, select

from pms.billing import permissions
from pms.billing.models import Bill, JournalLine, Payment, PaymentAllocation, PaymentReversal
from pms.billing.models.ledger import PREPAYMENT_LINES
from pms.billing.models.payments import CHANNELS
from pms.billing.rules import amount_errors, bill_status, reason_errors
from pms.billing.services import receipts
from pms.billing.services.ledger import Entry, Line, post_entries, post_entry
from pms.core import audit
from pms.core.auth import Principal, get_in_scope
from pms.core.db import insert_ignoring_conflicts, lock_row, lock_rows, locked, utcnow
from pms.core.errors import Conflict, Invalid, NotFound
from pms.core.i18n import translate as _
from pms.core.clock import start_of_day_utc
from pms.core.clock import today
from pms.estates.models import Room


@dataclass
class AllocationView:
    bill: str  # the bill number
    amount_fen: int
    period: str = ""


@dataclass
class PaymentResult:
    """What recording a payment did (also what a replay of its idempotency key answers)."""

    id: int
    room: str
    amount_fen: int
    channel: str
    reference: str
    received_at: datetime
    allocations: list[AllocationView] = field(default_factory=list)
    prepaid_fen: int = 0
    replayed: bool = False
    receipt: str = ""  # the receipt's number ("" for a payment that has none)


@dataclass
class ReversalResult:
    id: int
    payment_id: int
    room: str
    reason: str
    reversed_at: datetime
    bills_reopened: list[AllocationView] = field(default_factory=list)
    prepayment_reversed_fen: int = 0
    reapplied_fen: int = 0
    reversal_note: str = ""  # the reversal note's number ("" when the payment had no receipt)


def request_hash(room_code: str, amount_fen: int, channel: str, reference: str) -> str:
    """The fingerprint of a payment request: a repeated key must come with the same body."""
    canonical = json.dumps([room_code, amount_fen, channel, reference], ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _outstanding(bill: Bill) -> int:
    return bill.payable_fen - bill.paid_fen - bill.waived_fen


def _set_status(bill: Bill) -> None:
    bill.status = bill_status(bill.payable_fen, bill.paid_fen, bill.waived_fen)


def _open_bills(session, room_ids) -> list[Bill]:
    """Open bills of the rooms, oldest first (period, then number), locked and read afresh."""
    stmt = (select(Bill).where(Bill.room_id.in_(room_ids), Bill.status == "open",
                               Bill.paid_fen + Bill.waived_fen < Bill.payable_fen)
            .order_by(Bill.room_id, Bill.period, Bill.number))
    return list(session.scalars(locked(stmt)))


def lock_room_money(session, room_id: int) -> None:
    """Take the room's money lock: every rule that reads a room's bills, payments or prepayment
    and then writes (payments, reversals, credit notes, late-fee settlements) takes it first, so
    they go one at a time per room and always lock in the same order (room, then its bills)."""
    lock_row(session, Room, room_id)


def _validate(amount_fen, channel: str) -> None:
    """The ledger's own guard, for callers that load no schema (the demo, jobs, tests): a positive
    whole number of fen and a known channel. Everything from outside (API, pages, CLI) is loaded
    through `PaymentCreateSchema` / `PaymentFormSchema` first; the lengths and the upper bound of
    an amount are theirs alone."""
    errors: dict[str, list[str]] = {}
    if problems := amount_errors(amount_fen):
        errors["amount_fen"] = problems
    if channel not in CHANNELS:
        errors["channel"] = [_("Unknown channel %(channel)s.", channel=channel)]
    if errors:
        raise Invalid(_("The payment cannot be recorded."), fields=errors)


def record_payment(session, principal: Principal, *, room_code: str, amount_fen: int, channel: str,
                   reference: str = "", idempotency_key: Optional[str] = None,
                   received_at: Optional[datetime] = None) -> PaymentResult:
    """Record money received for a room: pay its oldest open bills, keep the rest as prepayment.

    Idempotent per key: the same key with the same body answers the same payment (replayed=True);
    with another body → Conflict. Two concurrent requests with one key: the UNIQUE constraint lets
    one insert win and the other answers the winner.
    """
    reference = reference or ""
    _validate(amount_fen, channel)
    # Reading the room takes its money lock (see lock_room_money) in the same statement.
    room = get_in_scope(session, Room, Room.code == room_code, principal=principal, for_update=True)
    permissions.ensure(principal, "payment.record")
    fingerprint = request_hash(room_code, amount_fen, channel, reference)
    received_at = received_at or utcnow()
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    # Insert-or-ignore on the key's UNIQUE constraint: a repeat (even one sent at the same moment
    # for another room, which waits for the first to commit) inserts nothing and answers the first.
    table = Payment.__table__
    inserted = insert_ignoring_conflicts(
        session, table,
        [dict(estate_id=room.estate_id, room_id=room.id, amount_fen=amount_fen, channel=channel,
              reference=reference, idempotency_key=idempotency_key, request_hash=fingerprint,
              received_at=received_at, recorded_by=principal.username)],
        ["idempotency_key"], returning=table.c.id)
    payment_id = inserted[0] if inserted else None
    if payment_id is None:
        winner = session.scalar(select(Payment).where(Payment.idempotency_key == idempotency_key))
        return _replay(session, winner, fingerprint, room_code)

    remaining = amount_fen
    allocations: list[AllocationView] = []
    rows = []
    for bill in _open_bills(session, [room.id]):
        if remaining == 0:
            break
        take = min(_outstanding(bill), remaining)
        rows.append(dict(payment_id=payment_id, bill_id=bill.id, estate_id=bill.estate_id, room_id=room.id,
                         amount_fen=take, from_prepayment=False, allocated_at=max(received_at, bill.issued_at)))
        bill.paid_fen += take
        _set_status(bill)
        remaining -= take
        allocations.append(AllocationView(bill=bill.number, amount_fen=take, period=bill.period))
    if rows:
        session.execute(insert(PaymentAllocation.__table__), rows)
    allocated = amount_fen - remaining
    post_entry(session, estate_id=room.estate_id, kind="payment", source_type="payment",
               source_id=payment_id, business_date=today(received_at),
               memo=f"{channel} {reference}".strip()[:255],
               lines=[Line("cash", amount_fen), Line("receivable", -allocated, room_id=room.id),
                      Line("prepayment", -remaining, room_id=room.id)])
    # Last: the receipt's number is allocated in this transaction (a rollback gives it back).
    receipt = receipts.issue_receipt(session, kind="payment", estate_id=room.estate_id, room_id=room.id,
                                     amount_fen=amount_fen, issued_by=principal.username, payment_id=payment_id)
    return PaymentResult(id=payment_id, room=room.code, amount_fen=amount_fen, channel=channel,
                         reference=reference, received_at=received_at, allocations=allocations,
                         prepaid_fen=remaining, receipt=receipt.number)


def _replay(session, payment: Payment, fingerprint: str, room_code: str) -> PaymentResult:
    """The result the payment gave when it was recorded (its own allocations at that time)."""
    if payment.request_hash != fingerprint:
        raise Conflict(_("This idempotency key was already used for another payment."))
    rows = session.execute(
        select(Bill.number, Bill.period, PaymentAllocation.amount_fen)
        .join(Bill, Bill.id == PaymentAllocation.bill_id)
        .where(PaymentAllocation.payment_id == payment.id,
               PaymentAllocation.from_prepayment.is_(False), PaymentAllocation.amount_fen > 0)
        .order_by(PaymentAllocation.id)).all()
    allocations = [AllocationView(bill=n, amount_fen=a, period=p) for n, p, a in rows]
    receipt = receipts.receipt_of_payment(session, payment.id)  # the same receipt, no new number
    return PaymentResult(id=payment.id, room=room_code, amount_fen=payment.amount_fen,
                         channel=payment.channel, reference=payment.reference,
                         received_at=payment.received_at, allocations=allocations,
                         prepaid_fen=payment.amount_fen - sum(a.amount_fen for a in allocations),
                         replayed=True, receipt=receipt.number if receipt else "")


def apply_prepayments(session, estate_id: int, *, business_date: date,
                      room_ids: Optional[Iterable[int]] = None) -> int:
    """Use the estate's prepayments for its open bills (oldest payment → oldest bill); fen applied."""
    return apply_prepayments_of_estates(session, [estate_id], business_date=business_date,
                                        room_ids=room_ids).get(estate_id, 0)


def apply_prepayments_of_estates(session, estate_ids: Sequence[int], *, business_date: date,
                                 room_ids: Optional[Iterable[int]] = None) -> dict[int, int]:
    """Use the estates' prepayments for their open bills; fen applied per estate (absent: none).

    Set-oriented: the rooms holding prepayment come from the ledger in one aggregate query, the
    payments' unallocated money in a second, their open bills (locked) in a third; allocations,
    their journal entries and lines are bulk-inserted. Called by the billing run at the end of each
    batch of estates (same transaction) and after a reversal reopens bills.
    """
    session.flush()
    estate_ids = list(estate_ids)
    prepaid_rooms = (select(JournalLine.room_id)
                     .where(JournalLine.estate_id.in_(estate_ids), PREPAYMENT_LINES,
                            JournalLine.room_id.is_not(None))
                     .group_by(JournalLine.room_id).having(func.sum(JournalLine.amount_fen) < 0))
    if room_ids is not None:
        prepaid_rooms = prepaid_rooms.where(JournalLine.room_id.in_(list(room_ids)))
    rooms_with_open_bills = select(Bill.room_id).where(Bill.estate_id.in_(estate_ids),
                                                       Bill.status == "open")
    candidates = sorted(session.scalars(prepaid_rooms.where(JournalLine.room_id.in_(rooms_with_open_bills))))
    if not candidates:
        return {}
    # Lock the rooms (their money lock, in id order) before reading what their payments still
    # hold, so a reversal or payment committed meanwhile is seen, never spent twice.
    lock_rows(session, Room, candidates)
    allocated = (select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount_fen).label("fen"))
                 .where(PaymentAllocation.room_id.in_(candidates))
                 .group_by(PaymentAllocation.payment_id).subquery())
    unallocated = Payment.amount_fen - func.coalesce(allocated.c.fen, 0)
    payments = session.execute(
        select(Payment.id, Payment.estate_id, Payment.room_id, Payment.received_at, unallocated)
        .outerjoin(allocated, allocated.c.payment_id == Payment.id)
        .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
        .where(Payment.room_id.in_(candidates), PaymentReversal.id.is_(None),
               unallocated > 0)
        .order_by(Payment.room_id, Payment.received_at, Payment.id)).all()
    if not payments:
        return {}
    bills_by_room: dict[int, list[Bill]] = {}
    for bill in _open_bills(session, sorted({p[2] for p in payments})):
        bills_by_room.setdefault(bill.room_id, []).append(bill)
    day_start = start_of_day_utc(business_date)
    rows = []
    for payment_id, estate_id, room_id, received_at, left in payments:
        for bill in bills_by_room.get(room_id, []):
            if left == 0:
                break
            take = min(_outstanding(bill), left)
            if take <= 0:
                continue
            bill.paid_fen += take
            _set_status(bill)
            left -= take
            rows.append(dict(payment_id=payment_id, bill_id=bill.id, estate_id=estate_id,
                             room_id=room_id, amount_fen=take, from_prepayment=True,
                             allocated_at=max(received_at, bill.issued_at, day_start)))
    if not rows:
        return {}
    session.flush()
    ids = list(session.scalars(insert(PaymentAllocation).returning(
        PaymentAllocation.id, sort_by_parameter_order=True), rows))
    post_entries(session, [
        Entry(row["estate_id"], "prepayment_use", "payment_allocation", alloc_id, business_date,
              (Line("prepayment", row["amount_fen"], room_id=row["room_id"]),
               Line("receivable", -row["amount_fen"], room_id=row["room_id"])))
        for alloc_id, row in zip(ids, rows)])
    applied: dict[int, int] = {}
    for row in rows:
        applied[row["estate_id"]] = applied.get(row["estate_id"], 0) + row["amount_fen"]
    return applied


def reverse_payment(session, principal: Principal, payment_id: int, *, reason: str) -> ReversalResult:
    """Reverse a mistaken payment by a new record and a `reversal` entry, in one transaction.

    Everything the payment still holds is taken back: its allocations to bills (at payment time
    and later from prepayment — those bills reopen) and its unallocated prepayment. The room's
    other prepayments then cover the reopened bills where they can.
    """
    payment = get_in_scope(session, Payment, Payment.id == payment_id, principal=principal)
    permissions.ensure(principal, "payment.reverse")
    reason = (reason or "").strip()
    if problems := reason_errors(reason):
        raise Invalid(_("The reversal cannot be recorded."), fields={"reason": problems})
    lock_room_money(session, payment.room_id)
    if session.scalar(select(PaymentReversal.id).where(PaymentReversal.payment_id == payment.id)):
        raise Conflict(_("This payment has already been reversed."))
    room = session.get(Room, payment.room_id)
    now = utcnow()
    held = dict(session.execute(
        select(PaymentAllocation.bill_id, func.sum(PaymentAllocation.amount_fen))
        .where(PaymentAllocation.payment_id == payment.id)
        .group_by(PaymentAllocation.bill_id)
        .having(func.sum(PaymentAllocation.amount_fen) != 0)).all())
    bills = list(session.scalars(locked(select(Bill).where(Bill.id.in_(list(held)))
                                        .order_by(Bill.period, Bill.number)))) if held else []
    reopened = []
    for bill in bills:
        fen = held[bill.id]
        session.add(PaymentAllocation(payment_id=payment.id, bill_id=bill.id, estate_id=bill.estate_id,
                                      room_id=bill.room_id, amount_fen=-fen, from_prepayment=False,
                                      allocated_at=now))
        bill.paid_fen -= fen
        _set_status(bill)
        reopened.append(AllocationView(bill=bill.number, amount_fen=fen, period=bill.period))
    taken_back = sum(held.values())
    prepayment_part = payment.amount_fen - taken_back
    reversal = PaymentReversal(payment_id=payment.id, estate_id=payment.estate_id, room_id=payment.room_id,
                               reason=reason, reversed_at=now, reversed_by=principal.username)
    session.add(reversal)
    session.flush()
    business_date = today(now)
    post_entry(session, estate_id=payment.estate_id, kind="reversal", source_type="payment_reversal",
               source_id=reversal.id, business_date=business_date,
               memo=f"payment {payment.id}: {reason}"[:255],
               lines=[Line("cash", -payment.amount_fen),
                      Line("receivable", taken_back, room_id=payment.room_id),
                      Line("prepayment", prepayment_part, room_id=payment.room_id)])
    audit.record(session, actor=principal.username, action="payment.reverse", object_type="payment",
                 object_id=payment.id, estate_id=payment.estate_id,
                 payload={"room": room.code, "amount_fen": payment.amount_fen, "reason": reason})
    reapplied = apply_prepayments(session, payment.estate_id, business_date=business_date,
                                  room_ids=[payment.room_id])
    # Last, under the room's lock taken above: the receipt is voided and a reversal note numbered.
    note = receipts.void_payment_receipt(session, payment.id, reason=reason, issued_by=principal.username)
    return ReversalResult(id=reversal.id, payment_id=payment.id, room=room.code, reason=reason,
                          reversed_at=now, bills_reopened=reopened,
                          prepayment_reversed_fen=prepayment_part, reapplied_fen=reapplied,
                          reversal_note=note.number if note else "")


def may_record(principal: Principal) -> bool:
    """Whether the caller may record payments (the account page shows the desk's forms)."""
    return permissions.may(principal, "payment.record")


def get_payment(session, principal: Principal, payment_id: int) -> Payment:
    """A payment in scope (404 otherwise)."""
    try:
        return get_in_scope(session, Payment, Payment.id == int(payment_id), principal=principal)
    except (TypeError, ValueError) as exc:
        raise NotFound(_("payment not found")) from exc
