"""The double-entry ledger: immutable entries whose lines sum to zero."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

# Accounts (debit positive, credit negative):
#   receivable            what a room owes on bills            (asset; room_id)
#   subsidy_receivable    what a programme owes                 (asset; program_id)
#   revenue               fee income                            (income; item_code)
#   cash                  money received                        (asset; channel in memo)
#   prepayment            money held for a room's future bills (liability; room_id)
#   late_fee_receivable   contractual late charges owed        (asset; room_id)
#   late_fee_revenue      late-charge income                    (income)
ACCOUNTS = ("receivable", "subsidy_receivable", "revenue", "cash", "prepayment",
            "late_fee_receivable", "late_fee_revenue")
ENTRY_KINDS = ("bill", "payment", "prepayment_use", "late_fee", "reversal", "credit_note")


class JournalEntry(SQLModel, table=True):
    """One money movement; UNIQUE (kind, source) keeps batch posting idempotent."""

    __tablename__ = "journal_entry"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("kind", "source_type", "source_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    kind: str = Field(max_length=16)
    source_type: str = Field(max_length=32)  # bill, payment, payment_allocation, late_fee_accrual, …
    source_id: int
    business_date: date  # Asia/Shanghai day the movement belongs to
    memo: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class JournalLine(SQLModel, table=True):
    """One side of an entry."""

    __tablename__ = "journal_line"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (Index("ix_journal_line_room_account", "room_id", "account"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="journal_entry.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    account: str = Field(max_length=24)
    room_id: Optional[int] = Field(default=None, foreign_key="room.id")
    program_id: Optional[int] = Field(default=None, foreign_key="program.id")
    item_code: Optional[str] = Field(default=None, max_length=32)
    amount_fen: int
