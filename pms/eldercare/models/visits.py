"""Visits (one delivery of a service, with its evidence), the safety alerts of missed ones and
the elders' emergency calls."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

OPEN_UNESCALATED = "acknowledged_at IS NULL AND escalated_at IS NULL"
UNBILLED = "status = 'confirmed' AND price_fen IS NULL"
VISIT_STATUSES = ("planned", "checked_in", "checked_out", "confirmed", "missed", "cancelled")


class Visit(SQLModel, table=True):
    """A visit: service, elder, date, place (the room), worker, start/end — and the evidence.

    `slot` names where a generated visit came from ('plan-<id>' or 'check-in'); UNIQUE (elder,
    date, slot) makes generation idempotent (bookings have no slot); the elder's estate closes it
    (the estate key, issue 15)."""

    __tablename__ = "visit"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        UniqueConstraint("elder_id", "date", "slot", "estate_id"),
        CheckConstraint("status IN ('planned', 'checked_in', 'checked_out', 'confirmed', 'missed', 'cancelled')",
                        name="status_known"),
        CheckConstraint("ends_at > starts_at", name="window_ordered"),
        CheckConstraint("checked_out_at IS NULL OR checked_in_at IS NOT NULL", name="out_after_in"),
        CheckConstraint("confirmed_at IS NULL OR checked_out_at IS NOT NULL", name="confirmed_after_out"),
        CheckConstraint("pin_failures BETWEEN 0 AND 5", name="pin_failures_range"),
        # Settled by a billing run: all three set (a free service: no bill line), or none.
        CheckConstraint("(price_fen IS NULL AND subsidy_fen IS NULL AND bill_line_id IS NULL)"
                        " OR (status = 'confirmed' AND price_fen >= 0 AND subsidy_fen BETWEEN 0 AND price_fen)",
                        name="billed_sane"),
        Index("ix_visit_estate_date", "estate_id", "date"),
        Index("ix_visit_worker_date", "worker_id", "date"),
        Index("ix_visit_status_ends_at", "status", "ends_at"),
        # What the next billing run settles: confirmed visits not yet billed (a small set).
        Index("ix_visit_unbilled", "estate_id", "date", postgresql_where=text(UNBILLED),
              sqlite_where=text(UNBILLED)),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    room_id: int = Field(foreign_key="room.id", index=True)
    elder_id: int = Field(foreign_key="elder.id")  # looked up through UNIQUE (elder_id, date, slot, estate_id)
    service_id: int = Field(foreign_key="care_service.id")
    plan_id: Optional[int] = Field(default=None, foreign_key="care_plan.id")
    slot: Optional[str] = Field(default=None, max_length=24)
    date: date
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    worker_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    status: str = Field(default="planned", max_length=16)
    booked_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    checked_in_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    checked_in_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    verified: Optional[bool] = Field(default=None)  # checked in with the home's current code
    checked_out_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    outcome: str = Field(default="", max_length=16)
    note: str = Field(default="", max_length=2000)
    confirmed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    confirmed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    pin_failures: int = Field(default=0)
    # Billing (pms/eldercare/services/billing.py): the bill line that charged this visit, the unit
    # price and the programme's part then. Set once, in the billing run's transaction.
    bill_line_id: Optional[int] = Field(default=None, foreign_key="bill_line.id")
    price_fen: Optional[int] = Field(default=None)
    subsidy_fen: Optional[int] = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class VisitAlert(SQLModel, table=True):
    """A safety alert about a visit (a missed check-in): one per visit and kind."""

    __tablename__ = "visit_alert"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("visit_id", "kind", "estate_id"),  # estate key: the visit's (issue 15)
                      CheckConstraint("kind IN ('missed_check_in')", name="kind_known"),
                      # The escalation reads the open, not yet escalated alerts every five minutes:
                      # a handful among a year's alerts.
                      Index("ix_visit_alert_unescalated", "created_at",
                            postgresql_where=text(OPEN_UNESCALATED), sqlite_where=text(OPEN_UNESCALATED)))
    id: Optional[int] = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id")
    estate_id: int = Field(foreign_key="estate.id", index=True)
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    acknowledged_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    finding: str = Field(default="", max_length=2000)
    # Set once (a conditional UPDATE) when nobody acknowledged the alert within the escalation period.
    escalated_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class EmergencyCall(SQLModel, table=True):
    """An emergency call (紧急呼叫) of an elder: received by staff at the server's time, answered once."""

    __tablename__ = "emergency_call"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (CheckConstraint("responded_at IS NULL OR responder_id IS NOT NULL", name="responder_known"),
                      # The estate's calls by time, and the estate key (issue 15).
                      UniqueConstraint("estate_id", "received_at", "id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    room_id: int = Field(foreign_key="room.id", index=True)
    elder_id: int = Field(foreign_key="elder.id", index=True)
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_by_id: int = Field(foreign_key="user_account.id")
    responded_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    responder_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    outcome: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=2000)
