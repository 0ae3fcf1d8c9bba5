"""User accounts, their rooms, and API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from pms.core.db import UTCDateTime, utcnow


class User(SQLModel, table=True):
    """A login: staff of one company, a resident of some rooms, or a district's auditor or
    programme officer."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'manager', 'finance', 'technician', 'care_worker', 'resident', 'auditor', "
            "'officer')",
            name="role_known",
        ),
        CheckConstraint(
            "role NOT IN ('manager', 'finance', 'technician', 'care_worker') OR company_id IS NOT NULL",
            name="staff_has_company",
        ),
        CheckConstraint("role <> 'auditor' OR district_id IS NOT NULL", name="auditor_has_district"),
        CheckConstraint("role <> 'officer' OR district_id IS NOT NULL", name="officer_has_district"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    display_name: str = Field(default="", max_length=64)
    email: Optional[str] = Field(default=None, max_length=254)  # where the outbox sends e-mail
    company_id: Optional[int] = Field(default=None, foreign_key="company.id", index=True)
    district_id: Optional[int] = Field(default=None, foreign_key="district.id", index=True)
    is_active: bool = Field(default=True)
    failed_logins: int = Field(default=0)
    locked_until: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    last_login_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UserRoom(SQLModel, table=True):
    """A resident account is linked to a room.

    The room's estate closes the primary key (the estate key, issue 15): (user, room) stays unique."""

    __tablename__ = "user_room"
    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    room_id: int = Field(foreign_key="room.id", primary_key=True, index=True)
    estate_id: int = Field(foreign_key="estate.id", primary_key=True, index=True)


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    name: str = Field(default="", max_length=64)  # what the owner calls it ("monthly export")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Written at most once a minute (see accounts.sessions.TOUCH_EVERY), not on every call.
    last_used_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    revoked_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class UserSession(SQLModel, table=True):
    """A browser login: the signed cookie carries a random id, only its SHA-256 is stored here.

    Logging out, a password change or disabling the account sets `revoked_at`; a session unused
    for the idle limit (`SESSION_IDLE_HOURS`) or older than `PERMANENT_SESSION_LIFETIME` is over.
    """

    __tablename__ = "user_session"
    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_agent: str = Field(default="", max_length=200)  # shown to the owner to tell sessions apart
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Written at most once a minute (see accounts.sessions.TOUCH_EVERY), not on every request.
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
