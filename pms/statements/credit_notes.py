"""The credit note document (红字冲减通知): its number, the bill it lowers, the credit per line of the
bill as the ledger booked it (the revenue reduced per item: `billing.services.credit_notes` shares
the credit in proportion to what each line asked, largest remainder), the reason, who issued it
and when."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pms.billing.models import Bill, BillLine, CreditNote, JournalEntry, JournalLine
from pms.core.auth import Principal, get_in_scope
from pms.estates.models import Company, Estate, Room
from pms.statements import permissions


def get_credit_note(session, principal: Principal, number: str) -> CreditNote:
    """A credit note in the caller's scope (residents: their rooms'), else 404; 403 for roles
    that read no statements."""
    note = get_in_scope(session, CreditNote, CreditNote.number == number, principal=principal)
    permissions.ensure(principal, "statement.read")
    return note


def credit_note_data(session, note: CreditNote) -> dict[str, Any]:
    """What the document shows (amounts in fen; words at the edge)."""
    bill = session.get(Bill, note.bill_id)
    room, estate = session.get(Room, note.room_id), session.get(Estate, note.estate_id)
    lines = list(session.scalars(select(BillLine).where(BillLine.bill_id == bill.id).order_by(BillLine.id)))
    # The ledger's revenue lines of the credit note's entry (revenue is credit-negative: a
    # reduction is positive there).
    booked = dict(session.execute(
        select(JournalLine.item_code, JournalLine.amount_fen).join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.source_type == "credit_note", JournalEntry.source_id == note.id,
               JournalLine.account == "revenue")).all())
    return {"number": note.number, "company": session.get(Company, note.company_id).name,
            "estate": {"code": estate.code, "name": estate.name}, "room": room.code,
            "bill": {"number": bill.number, "period": bill.period, "payable_fen": bill.payable_fen},
            "lines": [{"name": line.item_name, "owed_fen": max(line.amount_fen - line.subsidy_fen, 0),
                       "credit_fen": int(booked.get(line.item_code, 0))} for line in lines],
            "amount_fen": note.amount_fen, "reason": note.reason, "business_date": note.business_date,
            "issued_by": note.issued_by, "issued_at": note.issued_at}


def credit_note_pdf(session, note: CreditNote, *, issued_by: str = "system") -> bytes:
    """The credit note as issued (PDF/A, kept; later downloads get the same file)."""
    from pms.documents import services as documents

    ref = documents.DocumentRef("credit_note", note.number, documents.reader_variant(),
                                company_id=note.company_id, estate_id=note.estate_id, room_id=note.room_id)
    return documents.issued_pdf(session, ref, "credit_note.html", lambda: {"n": credit_note_data(session, note)},
                                issued_by=issued_by)
