"""The daily late-charge job's record per estate and day (added by revision 0005_payments)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow


class LateFeeRun(SQLModel, table=True):
    """One estate's late-charge accrual of one day: UNIQUE makes the job idempotent, and the last
    day done is where a restarted scheduler catches up from. Its journal entry (kind 'late_fee',
    source_type 'late_fee_run') carries this row's id."""

    __tablename__ = "late_fee_run"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("estate_id", "day"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    day: date
    accruals: int = Field(default=0)
    total_fen: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
