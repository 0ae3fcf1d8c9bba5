"""Subsidy programmes that pay part of households' fees, and their budgets' allocations to estates."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

PROGRAM_KINDS = ("property_service", "elevator", "eldercare", "renovation")


class Program(SQLModel, table=True):
    """A government programme of one district, e.g. a subsidised introductory property service.

    Budgets are BIGINT: a district's renovation programme easily passes the ~21 million yuan an
    INTEGER of fen holds. The period is nullable: programmes registered before it existed (and by
    `pms programs create`, which has no period options) have none.
    """

    __tablename__ = "program"
    __table_args__ = (
        CheckConstraint("kind IN ('property_service', 'elevator', 'eldercare', 'renovation')",
                        name="kind_known"),
        CheckConstraint("budget_fen IS NULL OR budget_fen >= 0", name="budget_not_negative"),
        CheckConstraint("period_from IS NULL OR period_to IS NULL OR period_to >= period_from",
                        name="period_ordered"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    district_id: int = Field(foreign_key="district.id", index=True)
    kind: str = Field(max_length=32)
    budget_fen: Optional[int] = Field(default=None, sa_type=BigInteger)
    period_from: Optional[date] = Field(default=None)
    period_to: Optional[date] = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProgramAllocation(SQLModel, table=True):
    """Part of a programme's budget set aside for one estate of its district (拨付计划).

    Immutable: a correction is a later allocation or (a later issue) a reversal, never an update.
    The sum of a programme's allocations never exceeds its budget (services.allocations, under the
    programme row's lock)."""

    __tablename__ = "program_allocation"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)
    __scope__ = ScopeRule()  # staff see their estates' rows; residents none
    id: Optional[int] = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    created_by: str = Field(max_length=64)  # the username ("system" for the CLI)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
