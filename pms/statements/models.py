"""Statements tables: print runs requested from the web, worked by the scheduler (revision
0029_print_runs), and published annual public notices (公示): a frozen snapshot per estate,
year and version (revision 0028_public_notice)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
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
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15)
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id")
    estate_id: int = Field(foreign_key="estate.id")
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
    # When the run's PDFs were deleted from storage (PMS_PRINT_RUN_KEEP_DAYS after it finished).
    files_deleted_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class PublicNotice(SQLModel, table=True):
    """One published version of an estate's annual public notice (物业管理条例 Art. 70).

    A document of record: never updated or deleted; a correction is the next version."""

    __tablename__ = "public_notice"
    # Residents read the notices of the estates their rooms are in; staff their company's estates,
    # auditors and officers their district's.
    __scope__ = ScopeRule(resident="estate")
    __table_args__ = (UniqueConstraint("estate_id", "year", "version"),
                      CheckConstraint("version > 0", name="version_positive"),
                      CheckConstraint("year BETWEEN 2000 AND 2999", name="year_range"))
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    year: int
    version: int
    data: dict = Field(sa_type=JSON, nullable=False)  # the notice's figures as published (plain data)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    published_by: str = Field(max_length=64)  # the username
