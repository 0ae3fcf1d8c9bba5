"""Receipts (收据): one numbered document per payment and per late-fee payment at the desk, and a
reversal note when either is taken back (added by revision 0026_receipts)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

RECEIPT_KINDS = ("payment", "late_fee_settlement", "reversal_note")


class Receipt(SQLModel, table=True):
    """A receipt, numbered gap-free per company and business year (`ACME-R2026-000001`, the
    `receipt` series of `number_counter`) in the same transaction as the money it acknowledges.

    Never edited except `void_at`, set when its payment or settlement is reversed; the reversal
    note is a receipt of its own (kind `reversal_note`, `reverses_id` → the voided receipt) and
    carries the same source. UNIQUE (kind, payment_id) / (kind, settlement_id): one receipt and
    at most one reversal note per source (NULLs never collide). The payment's estate closes the
    first (the estate key, issue 15)."""

    __tablename__ = "receipt"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        UniqueConstraint("company_id", "year", "seq"),
        UniqueConstraint("kind", "payment_id", "estate_id"),
        UniqueConstraint("kind", "settlement_id"),
        CheckConstraint("kind IN ('payment', 'late_fee_settlement', 'reversal_note')", name="kind_known"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("seq > 0", name="seq_positive"),
        # A payment receipt names its payment, a late-fee receipt its settlement, a reversal note
        # the receipt it reverses and that receipt's source (exactly one of the two).
        CheckConstraint(
            "(kind = 'payment' AND payment_id IS NOT NULL AND settlement_id IS NULL AND reverses_id IS NULL)"
            " OR (kind = 'late_fee_settlement' AND settlement_id IS NOT NULL AND payment_id IS NULL"
            " AND reverses_id IS NULL)"
            " OR (kind = 'reversal_note' AND reverses_id IS NOT NULL AND void_at IS NULL AND reason <> ''"
            " AND ((payment_id IS NULL) <> (settlement_id IS NULL)))",
            name="source_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    year: int
    seq: int
    number: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=24)
    payment_id: Optional[int] = Field(default=None, foreign_key="payment.id")
    settlement_id: Optional[int] = Field(default=None, foreign_key="late_fee_settlement.id")
    # UNIQUE: a receipt is reversed by at most one note.
    reverses_id: Optional[int] = Field(default=None, foreign_key="receipt.id", unique=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    amount_fen: int
    reason: str = Field(default="", max_length=255)  # a reversal note's reason
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    issued_by: str = Field(max_length=64)
    void_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
