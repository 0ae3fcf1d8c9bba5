"""Print runs requested from the web, worked by the scheduler (added by revision 0029_print_runs)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

PRINT_KINDS = ("statements", "receipts", "notices")
PRINT_STATUSES = ("queued", "running", "done", "failed")


class PrintRun(SQLModel, table=True):
    """One print run: an estate's (or one building's) statements of a period, receipts of a date
    range, or arrears notices of the day it runs, one PDF per building in storage under
    `print-runs/<id>/`. Claimed by a conditional UPDATE (queued → running), so two schedulers
    never work one run; a running run whose heartbeat stopped is resumed (pms.statements.print_runs)."""

    __tablename__ = "print_run"
    __scope__ = ScopeRule()  # staff of the estate's company (residents see none)
    __table_args__ = (
        CheckConstraint("kind IN ('statements', 'receipts', 'notices')", name="kind_known"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("(kind = 'statements' AND period IS NOT NULL AND date_from IS NULL AND date_to IS NULL)"
                        " OR (kind = 'receipts' AND period IS NULL AND date_from IS NOT NULL"
                        " AND date_to IS NOT NULL AND date_from <= date_to)"
                        " OR (kind = 'notices' AND period IS NULL AND date_from IS NULL AND date_to IS NULL)",
                        name="scope_known"),
        CheckConstraint("buildings_done >= 0 AND buildings_done <= buildings_total", name="progress_in_range"),
        Index("ix_print_run_status_heartbeat_at", "status", "heartbeat_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    estate_id: int = Field(foreign_key="estate.id", index=True)
    kind: str = Field(max_length=16)
    period: Optional[str] = Field(default=None, max_length=7)
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    building: Optional[str] = Field(default=None, max_length=16)
    status: str = Field(default="queued", max_length=16)
    buildings_total: int = 0
    buildings_done: int = 0
    documents: int = 0
    error: str = Field(default="", max_length=500)
    requested_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    started_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    finished_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
