"""Elders (a person of a room registered for care), their emergency contacts."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

HARDSHIPS = ("dibao", "low_income", "family_planning")
DISABILITY_TIERS = (1, 2)


class Elder(SQLModel, table=True):
    """An elder: one person of a room (UNIQUE person), with what care and allowances depend on."""

    __tablename__ = "elder"
    # Residents: the elders of their own rooms (the elder and their family).
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        CheckConstraint("disability_tier IS NULL OR disability_tier IN (1, 2)", name="disability_tier_known"),
        CheckConstraint("hardship IS NULL OR hardship IN ('dibao', 'low_income', 'family_planning')",
                        name="hardship_known"),
        # One elder per person; the person's estate closes the UNIQUE (the estate key, issue 15).
        UniqueConstraint("person_id", "estate_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    room_id: int = Field(foreign_key="room.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    name: str = Field(max_length=64)
    birth_date: date
    lives_alone: bool = Field(default=False)
    # An elder living alone gets a daily check-in visit unless this says otherwise (with a reason).
    daily_check_in: bool = Field(default=False)
    disability_tier: Optional[int] = Field(default=None)
    hardship: Optional[str] = Field(default=None, max_length=16)
    health_notes: str = Field(default="", max_length=2000)
    pin_hash: str = Field(max_length=255)  # the confirmation PIN, hashed like passwords
    # The per-home secret on the printed card: only its SHA-256; a reprint replaces it.
    home_code_hash: str = Field(max_length=64)
    home_code_issued_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    consent_by_id: int = Field(foreign_key="user_account.id")
    consent_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class EmergencyContact(SQLModel, table=True):
    """Someone to call about an elder (name, phone, relation), in the order given."""

    __tablename__ = "elder_contact"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("estate_id", "id"),)  # the estate key (issue 15)
    id: Optional[int] = Field(default=None, primary_key=True)
    elder_id: int = Field(foreign_key="elder.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    position: int = Field(default=0)
    name: str = Field(max_length=64)
    phone: str = Field(max_length=32)
    relation: str = Field(max_length=32)
