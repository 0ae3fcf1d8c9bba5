"""Subsidy programmes that pay part of households' fees."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from pms.core.db import UTCDateTime, utcnow

PROGRAM_KINDS = ("property_service", "elevator", "eldercare", "renovation")


class Program(SQLModel, table=True):
    """A government programme of one district, e.g. a subsidised introductory property service."""

    __tablename__ = "program"
    __table_args__ = (
        CheckConstraint("kind IN ('property_service', 'elevator', 'eldercare', 'renovation')",
                        name="kind_known"),
        CheckConstraint("budget_fen IS NULL OR budget_fen >= 0", name="budget_not_negative"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    district_id: int = Field(foreign_key="district.id", index=True)
    kind: str = Field(max_length=32)
    budget_fen: Optional[int] = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
