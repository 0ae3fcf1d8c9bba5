"""Planned works: water, power or elevator outages of one entrance in a time window."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow


class PlannedWork(SQLModel, table=True):
    """停水/停电/电梯停运 of one entrance from `starts_at` to `ends_at` (half-open)."""

    __tablename__ = "planned_work"
    __scope__ = ScopeRule(resident="estate")
    __table_args__ = (
        CheckConstraint("service IN ('water_kitchen', 'water_bathroom', 'power', 'elevator')",
                        name="service_known"),
        CheckConstraint("ends_at > starts_at", name="window_ordered"),
        Index("ix_planned_work_entrance_window", "entrance_id", "starts_at", "ends_at"),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15)
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    building_id: int = Field(foreign_key="building.id")
    entrance_id: int = Field(foreign_key="entrance.id")
    service: str = Field(max_length=16)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    title: str = Field(max_length=200)
    note: str = Field(default="", max_length=1000)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    cancelled_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
