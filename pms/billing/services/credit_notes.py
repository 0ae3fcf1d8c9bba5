"""Credit notes: correcting an issued bill downwards by a new, numbered document.

A bill is never edited (DOMAIN.md): when it asked for too much (a wrong area, a service not
delivered, an agreed reduction), finance issues a credit note against it. The note has its own
gap-free number per company and year (`ACME-2026-C000001`), reduces what the household owes from
its business day on (`Bill.waived_fen`; late charges stop growing on that part from that day),
and posts one balanced `credit_note` entry: Cr receivable(room), Dr revenue per item — the amount
split over the bill's lines in proportion to what each line asks of the household (largest
remainder, ties to the earlier line). Only what is still outstanding can be credited: money
already paid is first taken back by reversing the payment. A bill credited in full before any
payment becomes `void`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

from sqlalchemy import select

from pms.billing import permissions
from pms.billing.services.ledger import Line, post_entry
from pms.billing.models import Bill, BillLine, CreditNote
from pms.billing.rules import amount_errors, bill_status, reason_errors
from pms.billing.services.payments import lock_room_money
from pms.billing.services.runs import reserve_numbers
from pms.core import audit, clock
from pms.core.auth import Principal, get_in_scope
from pms.core.db import locked, utcnow
from pms.core.errors import Conflict, Invalid
from pms.core.i18n import translate as _
from pms.core.money import format_fen, split_largest_remainder
from pms.estates.models import Company, Room



@dataclass
class CreditNoteView:
    number: str
    bill: str
    room: str
    amount_fen: int
    reason: str
    business_date: date
    issued_by: str
    issued_at: datetime
    lines: list[dict] = field(default_factory=list)  # [{"code", "amount_fen"}] of the revenue reduced
    bill_status: str = ""
    bill_outstanding_fen: int = 0


def get_bill_for_credit(session, principal: Principal, bill_number: str) -> Bill:
    """A bill in scope (404) that the caller may credit (403)."""
    bill = get_in_scope(session, Bill, Bill.number == bill_number, principal=principal)
    permissions.ensure(principal, "credit_note.issue")
    return bill


def issue_credit_note(session, principal: Principal, bill_number: str, *, amount_fen, reason: str,
                      business_date: Optional[date] = None) -> CreditNoteView:
    """Credit part or all of a bill's outstanding amount (flush only; one unit of work)."""
    bill = get_bill_for_credit(session, principal, bill_number)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if problems := amount_errors(amount_fen):
        errors["amount_fen"] = problems
    if problems := reason_errors(reason):
        errors["reason"] = problems
    if errors:
        raise Invalid(_("The credit note cannot be issued."), fields=errors)
    # The room's money lock: a payment or another credit note on it waits for this one, then
    # sees it; the bill is read afresh under the lock.
    lock_room_money(session, bill.room_id)
    bill = session.scalars(locked(select(Bill).where(Bill.id == bill.id))).one()
    if bill.status == "void":
        raise Conflict(_("Bill %(bill)s is void.", bill=bill.number))
    outstanding = bill.payable_fen - bill.paid_fen - bill.waived_fen
    if amount_fen > outstanding:
        raise Invalid(_("The credit note cannot be issued."), fields={"amount_fen": [
            _("At most the outstanding %(outstanding)s; reverse a payment first to credit money already paid.",
              outstanding=format_fen(outstanding))]})
    lines = session.execute(select(BillLine.item_code, BillLine.amount_fen - BillLine.subsidy_fen)
                            .where(BillLine.bill_id == bill.id).order_by(BillLine.id)).all()
    shares = split_largest_remainder(amount_fen, [max(owed, 0) for _code, owed in lines])
    business_date = business_date or clock.today()
    issued_at = utcnow()
    company_code = session.scalar(select(Company.code).where(Company.id == bill.company_id))
    seq = reserve_numbers(session, bill.company_id, business_date.year, 1, series="credit_note")
    note = CreditNote(number=f"{company_code}-{business_date.year}-C{seq:06d}", company_id=bill.company_id,
                      year=business_date.year, seq=seq, bill_id=bill.id, estate_id=bill.estate_id,
                      room_id=bill.room_id, amount_fen=amount_fen, reason=reason, business_date=business_date,
                      issued_by=principal.username, issued_at=issued_at)
    session.add(note)
    bill.waived_fen += amount_fen
    bill.status = bill_status(bill.payable_fen, bill.paid_fen, bill.waived_fen)
    session.flush()
    reduced = [{"code": code, "amount_fen": share} for (code, _owed), share in zip(lines, shares) if share]
    post_entry(session, estate_id=bill.estate_id, kind="credit_note", source_type="credit_note",
               source_id=note.id, business_date=business_date, memo=f"{note.number} {bill.number}",
               lines=[Line("receivable", -amount_fen, room_id=bill.room_id)]
               + [Line("revenue", r["amount_fen"], item_code=r["code"]) for r in reduced])
    room_code = session.scalar(select(Room.code).where(Room.id == bill.room_id))
    audit.record(session, actor=principal.username, action="bill.credit_note", object_type="bill",
                 object_id=bill.id, estate_id=bill.estate_id,
                 payload={"credit_note": note.number, "bill": bill.number, "room": room_code,
                          "amount_fen": amount_fen, "reason": reason})
    return CreditNoteView(number=note.number, bill=bill.number, room=room_code, amount_fen=amount_fen,
                          reason=reason, business_date=business_date, issued_by=note.issued_by,
                          issued_at=issued_at, lines=reduced, bill_status=bill.status,
                          bill_outstanding_fen=outstanding - amount_fen)


def credits_until(session, until: date, *, room_id: Optional[int] = None,
                  estate_id: Optional[int] = None,
                  estate_ids: Optional[list[int]] = None) -> dict[int, list[tuple[date, int]]]:
    """bill id → [(business day, fen)] of the room's (or estates') credit notes up to `until`."""
    stmt = select(CreditNote.bill_id, CreditNote.business_date, CreditNote.amount_fen).where(
        CreditNote.business_date <= until)
    if room_id is not None:
        stmt = stmt.where(CreditNote.room_id == room_id)
    if estate_id is not None:
        stmt = stmt.where(CreditNote.estate_id == estate_id)
    if estate_ids is not None:
        stmt = stmt.where(CreditNote.estate_id.in_(estate_ids))
    out: dict[int, list[tuple[date, int]]] = {}
    for bill_id, day, fen in session.execute(stmt):
        out.setdefault(bill_id, []).append((day, fen))
    return out


def credit_notes_of_room(session, room_id: int) -> list[CreditNoteView]:
    """The room's credit notes, newest first."""
    rows = session.execute(select(CreditNote, Bill.number).join(Bill, Bill.id == CreditNote.bill_id)
                           .where(CreditNote.room_id == room_id)
                           .order_by(CreditNote.issued_at.desc(), CreditNote.id.desc())).all()
    room_code = session.scalar(select(Room.code).where(Room.id == room_id))
    return [CreditNoteView(number=n.number, bill=number, room=room_code, amount_fen=n.amount_fen,
                           reason=n.reason, business_date=n.business_date, issued_by=n.issued_by,
                           issued_at=n.issued_at) for n, number in rows]
