"""Credit notes: the only way to reduce what a bill asks for once it is issued."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow


class CreditNote(SQLModel, table=True):
    """A credit against one bill (红字冲减): lowers what the household owes, never edits the bill."""

    __tablename__ = "credit_note"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        UniqueConstraint("company_id", "year", "seq"),
        ForeignKeyConstraint(["bill_id", "estate_id", "room_id"], ["bill.id", "bill.estate_id", "bill.room_id"]),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15); numbers are the company's
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    company_id: int = Field(foreign_key="company.id")
    year: int
    seq: int
    bill_id: int = Field(index=True)
    estate_id: int
    room_id: int
    amount_fen: int
    reason: str = Field(max_length=255)
    business_date: date  # Asia/Shanghai day from which the bill owes less
    issued_by: str = Field(max_length=64)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
