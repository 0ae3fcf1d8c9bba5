"""Payments, their allocation to bills, reversals, late-charge accruals and settlements, and
written demands."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint, case
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

CHANNELS = ("cash", "bank", "wechat", "alipay")
DEMAND_METHODS = ("letter", "notice", "sms", "phone", "visit", "lawyer")


class Payment(SQLModel, table=True):
    """Money received for a room (recorded, not processed). What is not allocated is prepayment."""

    __tablename__ = "payment"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("channel IN ('cash', 'bank', 'wechat', 'alipay')", name="channel_known"),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15); the idempotency key is global
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    room_id: int = Field(foreign_key="room.id", index=True)
    amount_fen: int
    channel: str = Field(max_length=8)
    reference: str = Field(default="", max_length=128)
    idempotency_key: Optional[str] = Field(default=None, max_length=128, unique=True)
    request_hash: str = Field(default="", max_length=64)  # same key + another body → 409
    # Indexed for the day's takings (the finance home's "payments today").
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    recorded_by: str = Field(default="system", max_length=64)


class PaymentAllocation(SQLModel, table=True):
    """Part of a payment applied to a bill (at payment time, or later as prepayment use)."""

    __tablename__ = "payment_allocation"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
                      UniqueConstraint("estate_id", "id"))  # the estate key (issue 15)
    id: Optional[int] = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    bill_id: int = Field(foreign_key="bill.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    room_id: int = Field(foreign_key="room.id", index=True)
    amount_fen: int  # negative when a reversal takes it back
    from_prepayment: bool = Field(default=False)
    allocated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class PaymentReversal(SQLModel, table=True):
    """A mistaken payment is reversed by a new record with a reason, never deleted."""

    __tablename__ = "payment_reversal"
    __scope__ = ScopeRule(room="room_id", resident="room")
    # A payment is reversed at most once; its estate closes the UNIQUE (the estate key, issue 15).
    __table_args__ = (UniqueConstraint("payment_id", "estate_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id")
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    reason: str = Field(max_length=255)
    reversed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    reversed_by: str = Field(default="system", max_length=64)


class LateFeeAccrual(SQLModel, table=True):
    """One day's contractual late charge on one bill (UNIQUE: once per bill and day)."""

    __tablename__ = "late_fee_accrual"
    __scope__ = ScopeRule(room="room_id", resident="room")
    # The bill's estate closes the UNIQUE (the estate key, issue 15).
    __table_args__ = (UniqueConstraint("bill_id", "day", "estate_id"),
                      CheckConstraint("amount_fen >= 0", name="amount_not_negative"))
    id: Optional[int] = Field(default=None, primary_key=True)
    bill_id: int = Field(foreign_key="bill.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    day: date
    amount_fen: int


class Demand(SQLModel, table=True):
    """A written demand for payment (催缴); it restarts the 3-year limitation clock."""

    __tablename__ = "demand"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (CheckConstraint(
        "method IN ('letter', 'notice', 'sms', 'phone', 'visit', 'lawyer')", name="method_known"),
        UniqueConstraint("estate_id", "id"))  # the estate key (issue 15)
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    room_id: int = Field(foreign_key="room.id", index=True)
    demanded_on: date
    method: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(default="system", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


LATE_FEE_SETTLEMENT_KINDS = ("paid", "waived")  # what the desk records; "reversal" takes one back


class LateFeeSettlement(SQLModel, table=True):
    """Late charges a room paid at the desk or that the company waived (减免), or the reversal of
    such a record (a new row pointing at it); nothing is updated or deleted."""

    __tablename__ = "late_fee_settlement"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("kind IN ('paid', 'waived', 'reversal')", name="kind_known"),
        # Money has a channel; a waiver and a reversal have a reason; only a reversal points back.
        CheckConstraint("(kind = 'paid' AND channel IN ('cash', 'bank', 'wechat', 'alipay') AND reverses_id IS NULL)"
                        " OR (kind = 'waived' AND channel IS NULL AND reason <> '' AND reverses_id IS NULL)"
                        " OR (kind = 'reversal' AND channel IS NULL AND reason <> '' AND reverses_id IS NOT NULL)",
                        name="paid_waived_or_reversal"),
        # A settlement is reversed at most once; the estate closes the UNIQUE (the estate key, issue 15).
        UniqueConstraint("reverses_id", "estate_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    kind: str = Field(max_length=8)
    amount_fen: int
    channel: Optional[str] = Field(default=None, max_length=8)
    reference: str = Field(default="", max_length=128)
    reason: str = Field(default="", max_length=255)
    reverses_id: Optional[int] = Field(default=None, foreign_key="late_fee_settlement.id")
    business_date: date
    recorded_by: str = Field(default="system", max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    @classmethod
    def signed_fen(cls):
        """SQL: what a row settles (paid or waived: +amount; a reversal gives it back: −amount)."""
        return case((cls.kind == "reversal", -cls.amount_fen), else_=cls.amount_fen)
