"""A resident's rating of a delivered visit: 1–5 stars and an optional comment, once per visit."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow


class VisitRating(SQLModel, table=True):
    """One rating per visit (UNIQUE visit): a second one, even in a race, is refused."""

    __tablename__ = "visit_rating"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (UniqueConstraint("visit_id", "estate_id"),  # estate key: the visit's (issue 15)
                      CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"))
    id: Optional[int] = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id")
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id")
    stars: int
    comment: str = Field(default="", max_length=500)
    rated_by_id: int = Field(foreign_key="user_account.id")
    rated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
