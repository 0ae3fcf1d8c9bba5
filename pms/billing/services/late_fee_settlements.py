"""Settling late charges: the household pays them at the desk, or the company waives them (减免).

Payments pay bills only (oldest first); late charges are settled on purpose, because companies
usually negotiate them. A settlement takes at most what the room's account shows as late charges
still owed today, and posts one balanced entry:
  paid      Dr cash · Cr late_fee_receivable(room)
  waived    Dr late_fee_revenue · Cr late_fee_receivable(room)
  reversal  the exact opposite of the settlement it takes back (a new row and entry, with a reason)
The nightly job books the day's accruals after the fact, so during the day a settlement of today's
amount can run the room's late-fee ledger below zero by at most that day's interest until the
night; `pms audit verify` checks ledger = accruals − settlements at every moment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import aliased

from pms.billing import permissions
from pms.billing.services.accounts import get_room_for_billing, room_account
from pms.billing.services.ledger import Line, post_entry
from pms.billing.models import LateFeeSettlement
from pms.billing.models.payments import CHANNELS, LATE_FEE_SETTLEMENT_KINDS
from pms.billing.rules import amount_errors, reason_errors
from pms.billing.services import receipts
from pms.billing.services.payments import lock_room_money
from pms.core import audit, clock
from pms.core.auth import Principal, get_in_scope
from pms.core.errors import Conflict, Invalid
from pms.core.i18n import translate as _
from pms.core.money import format_fen
from pms.estates.models import Room


@dataclass
class SettlementRow:
    id: int
    kind: str
    amount_fen: int
    business_date: date
    channel: Optional[str]
    reference: str
    reason: str
    recorded_by: str
    reversed: bool = False
    reversal_reason: str = ""


@dataclass
class SettlementResult:
    id: int
    room: str
    kind: str
    amount_fen: int
    business_date: date
    late_fee_fen: int  # still owed afterwards
    receipt: str = ""  # late charges paid: the receipt; a reversal: the reversal note ("" for none)


def get_room_to_settle(session, principal: Principal, room_code: str) -> Room:
    """A room in scope (404) whose late charges the caller may settle (403)."""
    room = get_room_for_billing(session, principal, room_code)
    permissions.ensure(principal, "late_fee.settle")
    return room


def settle_late_fees(session, principal: Principal, room_code: str, *, kind: str, amount_fen,
                     channel: Optional[str] = None, reference: str = "", reason: str = "") -> SettlementResult:
    """Record late charges paid (with a channel) or waived (with a reason) for a room (flush only)."""
    room = get_room_to_settle(session, principal, room_code)
    reference, reason = (reference or "").strip(), (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in LATE_FEE_SETTLEMENT_KINDS:
        errors["kind"] = [_("Choose paid or waived.")]
    if problems := amount_errors(amount_fen):
        errors["amount_fen"] = problems
    if kind == "paid" and channel not in CHANNELS:
        errors["channel"] = [_("Unknown channel %(channel)s.", channel=channel)]
    # A reason is required for a waiver; one given with a payment is kept too.
    if (kind == "waived" or reason) and (problems := reason_errors(reason)):
        errors["reason"] = problems
    if len(reference) > 128:
        errors["reference"] = [_("At most 128 characters.")]
    if errors:
        raise Invalid(_("The late charges cannot be settled."), fields=errors)
    # One settlement of a room at a time: the second waits here and then sees the first.
    lock_room_money(session, room.id)
    day = clock.today()
    owed = room_account(session, room, day).late_fee_fen
    if amount_fen > owed:
        raise Invalid(_("The late charges cannot be settled."), fields={"amount_fen": [
            _("At most the late charges still owed, %(owed)s.", owed=format_fen(owed))]})
    settlement = LateFeeSettlement(estate_id=room.estate_id, room_id=room.id, kind=kind, amount_fen=amount_fen,
                                   channel=channel if kind == "paid" else None, reference=reference,
                                   reason=reason, business_date=day, recorded_by=principal.username)
    session.add(settlement)
    session.flush()
    debit = "cash" if kind == "paid" else "late_fee_revenue"
    post_entry(session, estate_id=room.estate_id, kind="late_fee", source_type="late_fee_settlement",
               source_id=settlement.id, business_date=day,
               memo=(f"{channel} {reference}" if kind == "paid" else reason).strip()[:255],
               lines=[Line(debit, amount_fen), Line("late_fee_receivable", -amount_fen, room_id=room.id)])
    audit.record(session, actor=principal.username, action=f"late_fee.{kind}", object_type="room",
                 object_id=room.id, estate_id=room.estate_id,
                 payload={"room": room.code, "amount_fen": amount_fen, "channel": settlement.channel,
                          "reason": reason})
    # Money received gets a receipt (a waiver receives none), numbered last in this transaction.
    receipt = (receipts.issue_receipt(session, kind="late_fee_settlement", estate_id=room.estate_id,
                                      room_id=room.id, amount_fen=amount_fen, issued_by=principal.username,
                                      settlement_id=settlement.id) if kind == "paid" else None)
    return SettlementResult(id=settlement.id, room=room.code, kind=kind, amount_fen=amount_fen,
                            business_date=day, late_fee_fen=owed - amount_fen,
                            receipt=receipt.number if receipt else "")


def reverse_settlement(session, principal: Principal, settlement_id: int, *, reason: str) -> SettlementResult:
    """Take back a mistaken late-fee payment or waiver by a new record and entry (flush only)."""
    original = get_in_scope(session, LateFeeSettlement, LateFeeSettlement.id == settlement_id, principal=principal)
    permissions.ensure(principal, "late_fee.reverse")
    reason = (reason or "").strip()
    if problems := reason_errors(reason):
        raise Invalid(_("The reversal cannot be recorded."), fields={"reason": problems})
    lock_room_money(session, original.room_id)
    if original.kind == "reversal":
        raise Conflict(_("A reversal cannot be reversed."))
    if session.scalar(select(LateFeeSettlement.id).where(LateFeeSettlement.reverses_id == original.id)):
        raise Conflict(_("This settlement has already been reversed."))
    day = clock.today()
    reversal = LateFeeSettlement(estate_id=original.estate_id, room_id=original.room_id, kind="reversal",
                                 amount_fen=original.amount_fen, reason=reason, reverses_id=original.id,
                                 business_date=day, recorded_by=principal.username)
    session.add(reversal)
    session.flush()
    credit = "cash" if original.kind == "paid" else "late_fee_revenue"
    post_entry(session, estate_id=original.estate_id, kind="reversal", source_type="late_fee_settlement",
               source_id=reversal.id, business_date=day, memo=f"late fees {original.id}: {reason}"[:255],
               lines=[Line("late_fee_receivable", original.amount_fen, room_id=original.room_id),
                      Line(credit, -original.amount_fen)])
    room = session.get(Room, original.room_id)
    audit.record(session, actor=principal.username, action="late_fee.reverse", object_type="room",
                 object_id=room.id, estate_id=room.estate_id,
                 payload={"room": room.code, "settlement": original.id, "amount_fen": original.amount_fen,
                          "reason": reason})
    late_fee_fen = room_account(session, room, day).late_fee_fen
    # Late charges paid had a receipt: void it and number the reversal note (a waiver had none).
    note = receipts.void_settlement_receipt(session, original.id, reason=reason, issued_by=principal.username)
    return SettlementResult(id=reversal.id, room=room.code, kind="reversal", amount_fen=original.amount_fen,
                            business_date=day, late_fee_fen=late_fee_fen, receipt=note.number if note else "")


def settlements_of_room(session, room_id: int) -> list[SettlementRow]:
    """The room's late-fee payments and waivers, newest first, with whether each was reversed."""
    reversal = aliased(LateFeeSettlement)
    rows = session.execute(
        select(LateFeeSettlement, reversal.reason)
        .outerjoin(reversal, reversal.reverses_id == LateFeeSettlement.id)
        .where(LateFeeSettlement.room_id == room_id, LateFeeSettlement.kind != "reversal")
        .order_by(LateFeeSettlement.id.desc())).all()
    return [SettlementRow(id=s.id, kind=s.kind, amount_fen=s.amount_fen, business_date=s.business_date,
                          channel=s.channel, reference=s.reference, reason=s.reason, recorded_by=s.recorded_by,
                          reversed=why is not None, reversal_reason=why or "") for s, why in rows]


def room_code_of(session, principal: Principal, settlement_id: int) -> str:
    """The room of a settlement in scope (404) that the caller may reverse (403)."""
    found = get_in_scope(session, LateFeeSettlement, LateFeeSettlement.id == settlement_id, principal=principal)
    permissions.ensure(principal, "late_fee.reverse")
    return session.get(Room, found.room_id).code
