"""Receipts (收据) as documents: who may read one, what its PDF shows, a room's list.

Billing issues and numbers them on the money path (`pms/billing/services/receipts.py`); this
module only reads. A receipt shows the company, estate and room, the payer (the room's owners),
its number and date, channel and reference, what the money paid (the bills the payment paid at
that moment with their amounts, the part kept as prepayment; or the late charges), the total in
figures and in Chinese capital numerals (大写), and who issued it. A voided receipt is stamped
作废 / VOID with its reversal note's number; a reversal note names the receipt it reverses and
the reason. Re-downloading a receipt renders it again from these rows (nothing is stored but the
rows), so a receipt downloaded after its payment was reversed shows the stamp.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pms.accounts.services import display_names
from pms.billing.models import Bill, LateFeeSettlement, Payment, PaymentAllocation, Receipt
from pms.billing.services.receipts import ReceiptRow, receipts_of_room
from pms.core import clock
from pms.core.auth import Principal, get_in_scope
from pms.core.money import amount_in_words
from pms.estates.models import Company, Estate, Ownership, Person, Room
from pms.estates.rules import mask_name
from pms.statements import permissions


def get_receipt(session, principal: Principal, number: str) -> Receipt:
    """A receipt in the caller's scope (404: another company's, district's or resident's room),
    readable by the caller's role (403: technicians, care workers)."""
    receipt = get_in_scope(session, Receipt, Receipt.number == number, principal=principal)
    permissions.ensure(principal, "receipt.read")
    return receipt


def list_room_receipts(session, principal: Principal, room_code: str) -> list[ReceiptRow]:
    """The receipts of a room in scope, newest first."""
    room = get_in_scope(session, Room, Room.code == room_code, principal=principal)
    permissions.ensure(principal, "receipt.read")
    return receipts_of_room(session, room.id)


def may_read(principal: Principal) -> bool:
    """Whether pages show the caller receipt links."""
    return permissions.may(principal, "receipt.read")


def receipt_document(session, receipt: Receipt, *, mask_owners: bool = False) -> dict[str, Any]:
    """Everything the receipt's PDF shows, as plain data (owners' names masked for outside readers)."""
    room = session.get(Room, receipt.room_id)
    estate = session.get(Estate, receipt.estate_id)
    company = session.get(Company, receipt.company_id)
    owners = list(session.scalars(select(Person.name).join(Ownership, Ownership.person_id == Person.id)
                                  .where(Ownership.room_id == room.id).order_by(Ownership.id)))
    if mask_owners:
        owners = [mask_name(name) for name in owners]
    tz = clock.timezone()
    data: dict[str, Any] = {
        "number": receipt.number, "kind": receipt.kind,
        "company": company.name, "estate": {"code": estate.code, "name": estate.name},
        "room": room.code, "owners": owners,
        "issued_on": receipt.issued_at.astimezone(tz).date().isoformat(),
        "issued_at": receipt.issued_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "amount_fen": receipt.amount_fen, "amount_words": amount_in_words(receipt.amount_fen),
        "channel": "", "reference": "", "received_on": "", "bills": [], "prepaid_fen": 0,
        "late_fee_fen": 0, "void": receipt.void_at is not None, "void_on": "", "voided_by": "",
        "reverses": None, "reason": receipt.reason,
    }
    if receipt.void_at is not None:
        data["void_on"] = receipt.void_at.astimezone(tz).date().isoformat()
        data["voided_by"] = session.scalar(select(Receipt.number).where(Receipt.reverses_id == receipt.id)) or ""
    if receipt.reverses_id is not None:
        original = session.get(Receipt, receipt.reverses_id)
        data["reverses"] = {"number": original.number, "kind": original.kind,
                            "issued_on": original.issued_at.astimezone(tz).date().isoformat()}
    source_kind = session.get(Receipt, receipt.reverses_id).kind if receipt.reverses_id else receipt.kind
    if receipt.payment_id is not None:
        payment = session.get(Payment, receipt.payment_id)
        data.update(channel=payment.channel, reference=payment.reference,
                    received_on=payment.received_at.astimezone(tz).date().isoformat())
        if receipt.kind == "payment":
            # What the payment paid when it was received (later reversals and prepayment use
            # are other documents): its positive allocations at payment time.
            data["bills"] = [{"number": n, "period": p, "amount_fen": a} for n, p, a in session.execute(
                select(Bill.number, Bill.period, PaymentAllocation.amount_fen)
                .join(Bill, Bill.id == PaymentAllocation.bill_id)
                .where(PaymentAllocation.payment_id == payment.id,
                       PaymentAllocation.from_prepayment.is_(False), PaymentAllocation.amount_fen > 0)
                .order_by(PaymentAllocation.id))]
            data["prepaid_fen"] = receipt.amount_fen - sum(b["amount_fen"] for b in data["bills"])
    elif receipt.settlement_id is not None:
        settlement = session.get(LateFeeSettlement, receipt.settlement_id)
        data.update(channel=settlement.channel or "", reference=settlement.reference,
                    received_on=settlement.business_date.isoformat())
        if receipt.kind == "late_fee_settlement":
            data["late_fee_fen"] = receipt.amount_fen
    data["source_kind"] = source_kind
    data["issued_by"] = display_names(session, [receipt.issued_by]).get(receipt.issued_by, receipt.issued_by)
    return data


def receipt_pdf(session, receipt: Receipt, *, mask_owners: bool = False, issued_by: str = "system") -> bytes:
    """The receipt as issued (one A4 page, PDF/A, kept); once its payment is reversed, a second
    rendition stamped void with its reversal note's number."""
    from pms.documents import services as documents

    ref = documents.DocumentRef(
        "receipt", receipt.number, documents.reader_variant("masked" if mask_owners else "",
                                                            "void" if receipt.void_at is not None else ""),
        company_id=receipt.company_id, estate_id=receipt.estate_id, room_id=receipt.room_id)
    return documents.issued_pdf(session, ref, "receipt.html",
                                lambda: {"r": receipt_document(session, receipt, mask_owners=mask_owners)},
                                issued_by=issued_by)
