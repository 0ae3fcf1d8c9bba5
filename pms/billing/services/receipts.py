"""Receipts (收据): issued on the money path, in the unit of work that moves the money.

`record_payment` issues one for the payment, `settle_late_fees` one for late charges paid at the
desk (a waiver receives no money, so no receipt); `bulk_payments.record_settlements` numbers a whole
batch's receipts at once (`receipt_number_sql`, the same numbers as `receipt_number`). Reversing
any of them voids its receipt (`void_at`) and issues a `reversal_note`, a receipt of its own that
names the one it reverses and the reason.

Numbers are gap-free per company and business year (Asia/Shanghai) and never reused:
`runs.reserve_numbers(…, series="receipt")`, the counter row that bills and credit notes use,
updated (so locked) inside the caller's transaction — a payment that fails or is rolled back gives
its number back, and concurrent payments of one company number one after the other. The counter
is taken last, after the room's money lock (room → counter everywhere, never the other way; a
bulk batch: its bills' rows → counter), so it is held only for the rest of the unit of work.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from pms.billing.models import Receipt
from pms.billing.services.runs import reserve_numbers
from pms.core import clock
from pms.core.db import utcnow
from pms.estates.models import Company, Estate, Room

SERIES = "receipt"


@dataclass
class ReceiptRow:
    """A receipt as lists show it."""

    number: str
    kind: str
    amount_fen: int
    issued_at: datetime
    void: bool
    void_at: Optional[datetime] = None
    reverses: Optional[str] = None  # a reversal note: the number of the receipt it reverses


def receipt_number(company_code: str, year: int, seq: int) -> str:
    """ACME-R2026-000001 (six digits at least; the millionth receipt of a year gets seven)."""
    return f"{company_code}-R{year}-{seq:06d}"


def receipt_number_sql(pg: bool, prefix: str, seq: str) -> str:
    """`receipt_number` in SQL, from a column holding `ACME-R2026-` and one holding the seq."""
    if pg:
        return (f"{prefix} || CASE WHEN {seq} < 1000000 THEN LPAD(CAST({seq} AS TEXT), 6, '0')"
                f" ELSE CAST({seq} AS TEXT) END")
    return f"{prefix} || printf('%06d', {seq})"


def issue_receipt(session, *, kind: str, estate_id: int, room_id: int, amount_fen: int, issued_by: str,
                  payment_id: Optional[int] = None, settlement_id: Optional[int] = None,
                  reverses_id: Optional[int] = None, reason: str = "") -> Receipt:
    """Number and write one receipt (flush only). Call it last in the unit of work: the number's
    counter row stays locked until the caller commits."""
    company_id, company_code = session.execute(
        select(Company.id, Company.code).join(Estate, Estate.company_id == Company.id)
        .where(Estate.id == estate_id)).one()
    issued_at = utcnow()
    year = clock.today(issued_at).year
    seq = reserve_numbers(session, company_id, year, 1, series=SERIES)
    receipt = Receipt(company_id=company_id, year=year, seq=seq, number=receipt_number(company_code, year, seq),
                      kind=kind, payment_id=payment_id, settlement_id=settlement_id, reverses_id=reverses_id,
                      estate_id=estate_id, room_id=room_id, amount_fen=amount_fen, reason=reason[:255],
                      issued_at=issued_at, issued_by=issued_by)
    session.add(receipt)
    session.flush()
    return receipt


def receipt_of_payment(session, payment_id: int) -> Optional[Receipt]:
    """The payment's own receipt (None for payments recorded before receipts existed)."""
    return session.scalar(select(Receipt).where(Receipt.kind == "payment", Receipt.payment_id == payment_id))


def void_with_note(session, original: Optional[Receipt], *, reason: str, issued_by: str) -> Optional[Receipt]:
    """Void a receipt and issue its reversal note (same source, same amount); None when there was
    no receipt to void. The caller holds the room's money lock and has refused a second reversal."""
    if original is None:
        return None
    original.void_at = utcnow()
    return issue_receipt(session, kind="reversal_note", estate_id=original.estate_id, room_id=original.room_id,
                         amount_fen=original.amount_fen, issued_by=issued_by, payment_id=original.payment_id,
                         settlement_id=original.settlement_id, reverses_id=original.id, reason=reason)


def void_payment_receipt(session, payment_id: int, *, reason: str, issued_by: str) -> Optional[Receipt]:
    """A payment was reversed: void its receipt, issue the reversal note."""
    return void_with_note(session, receipt_of_payment(session, payment_id), reason=reason, issued_by=issued_by)


def void_settlement_receipt(session, settlement_id: int, *, reason: str, issued_by: str) -> Optional[Receipt]:
    """A late-fee payment was reversed: void its receipt, issue the reversal note."""
    original = session.scalar(select(Receipt).where(Receipt.kind == "late_fee_settlement",
                                                    Receipt.settlement_id == settlement_id))
    return void_with_note(session, original, reason=reason, issued_by=issued_by)


def receipts_of_room(session, room_id: int) -> list[ReceiptRow]:
    """The room's receipts and reversal notes, newest first (no scope check: callers have one)."""
    return receipts_of_rooms(session, [room_id]).get(room_id, [])


def receipts_of_rooms(session, room_ids: list[int]) -> dict[int, list[ReceiptRow]]:
    """room id → its receipts and reversal notes, newest first (two queries for all the rooms)."""
    if not room_ids:
        return {}
    rows = session.execute(select(Receipt.room_id, Receipt.number, Receipt.kind, Receipt.amount_fen,
                                  Receipt.issued_at, Receipt.void_at, Receipt.reverses_id)
                           .where(Receipt.room_id.in_(list(room_ids)))
                           .order_by(Receipt.issued_at.desc(), Receipt.id.desc())).all()
    reversed_ids = [r.reverses_id for r in rows if r.reverses_id is not None]
    numbers = dict(session.execute(select(Receipt.id, Receipt.number)
                                   .where(Receipt.id.in_(reversed_ids))).all()) if reversed_ids else {}
    out: dict[int, list[ReceiptRow]] = {}
    for r in rows:
        out.setdefault(r.room_id, []).append(ReceiptRow(
            number=r.number, kind=r.kind, amount_fen=r.amount_fen, issued_at=r.issued_at,
            void=r.void_at is not None, void_at=r.void_at, reverses=numbers.get(r.reverses_id)))
    return out


def receipts_by_room_code(session, room_codes: list[str]) -> dict[str, list[ReceiptRow]]:
    """room code → its receipts, for rooms the caller already read in scope (the resident's page)."""
    ids = dict(session.execute(select(Room.code, Room.id).where(Room.code.in_(list(room_codes)))).all()) \
        if room_codes else {}
    found = receipts_of_rooms(session, list(ids.values()))
    return {code: found.get(room_id, []) for code, room_id in ids.items()}
