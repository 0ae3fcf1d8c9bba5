"""The company's service catalogue, care plans (recurring services) and per-company settings."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

SERVICE_KINDS = ("meal", "cleaning", "bathing", "escort", "visit", "emergency", "day_care")
UNITS = ("meal", "hour", "visit")
RECURRENCES = ("daily", "weekdays", "weekly")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class CareService(SQLModel, table=True):
    """One service a company offers (助餐, 助洁, …): its price per unit and the shortest visit."""

    __tablename__ = "care_service"
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        CheckConstraint(_in("kind", SERVICE_KINDS), name="kind_known"),
        CheckConstraint(_in("unit", UNITS), name="unit_known"),
        CheckConstraint("price_fen >= 0 AND min_minutes >= 0", name="amounts_sane"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    code: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=64)
    price_fen: int
    unit: str = Field(max_length=8)
    min_minutes: int = Field(default=0)
    # The elder-care programme that pays the subsidy part of this service's bill lines (NULL: the
    # resident pays all). See pms/eldercare/services/billing.py.
    program_id: Optional[int] = Field(default=None, foreign_key="program.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CarePlan(SQLModel, table=True):
    """A recurring service for an elder: daily, on weekdays or weekly on given days, in a window."""

    __tablename__ = "care_plan"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        CheckConstraint(_in("recurrence", RECURRENCES), name="recurrence_known"),
        # ISO weekdays as a bit set (Monday = bit 0); weekly plans name at least one day.
        CheckConstraint("weekdays BETWEEN 0 AND 127 AND (recurrence <> 'weekly' OR weekdays > 0)",
                        name="weekdays_sane"),
        CheckConstraint("end_time > start_time", name="window_ordered"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15)
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    room_id: int = Field(foreign_key="room.id", index=True)
    elder_id: int = Field(foreign_key="elder.id", index=True)
    service_id: int = Field(foreign_key="care_service.id")
    recurrence: str = Field(max_length=8)
    weekdays: int = Field(default=0)
    start_time: time
    end_time: time
    worker_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    starts_on: date
    ends_on: Optional[date] = Field(default=None)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    ended_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class EldercareSetting(SQLModel, table=True):
    """A company's elder-care settings: the missed-check-in grace, the daily check-in window and the
    escalation period of unacknowledged alerts."""

    __tablename__ = "eldercare_setting"
    __table_args__ = (CheckConstraint("grace_minutes BETWEEN 0 AND 1440", name="grace_sane"),
                      CheckConstraint("check_in_end > check_in_start", name="window_ordered"),
                      CheckConstraint("escalate_minutes BETWEEN 1 AND 1440", name="escalate_sane"))
    company_id: int = Field(foreign_key="company.id", primary_key=True)
    grace_minutes: int = Field(default=30)
    check_in_start: time = Field(default=time(9, 0))
    check_in_end: time = Field(default=time(11, 0))
    # An alert nobody acknowledged this long after it was raised is escalated (once).
    escalate_minutes: int = Field(default=30, sa_column_kwargs={"server_default": "30"})
