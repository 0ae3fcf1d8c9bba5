"""Published annual public notices (公示): a frozen snapshot per estate, year and version."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow


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
