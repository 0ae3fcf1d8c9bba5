"""Repair requests (报修), their history, photos, costs, SLA policies and breach alerts."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


CATEGORY_CODES = ("plumbing", "electrical", "roof_leak", "exterior_wall", "elevator", "heating",
                  "public_lighting", "access_control", "greenery", "other")
URGENCY_CODES = ("emergency", "urgent", "normal")
STATUS_CODES = ("submitted", "accepted", "assigned", "in_progress", "resolved", "closed",
                "reopened", "cancelled")
PAYER_CODES = ("owner", "common", "fund", "warranty")
CHANNEL_CODES = ("app", "phone", "walk_in", "visit")


class SlaPolicy(SQLModel, table=True):
    """An estate's own response/resolution times for one urgency (defaults live in rules)."""

    __tablename__ = "maintenance_sla_policy"
    __scope__ = ScopeRule()
    __table_args__ = (
        UniqueConstraint("estate_id", "urgency"),
        CheckConstraint(_in("urgency", URGENCY_CODES), name="urgency_known"),
        CheckConstraint("respond_minutes > 0 AND resolve_minutes >= respond_minutes",
                        name="minutes_sane"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    urgency: str = Field(max_length=16)
    respond_minutes: int
    resolve_minutes: int


class Ticket(SQLModel, table=True):
    """A repair request for a room or a common place (estate area, building or entrance)."""

    __tablename__ = "ticket"
    # Residents: tickets of their rooms (the service adds the ones they reported themselves).
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORY_CODES), name="category_known"),
        CheckConstraint(_in("urgency", URGENCY_CODES), name="urgency_known"),
        CheckConstraint(_in("status", STATUS_CODES), name="status_known"),
        CheckConstraint(_in("channel", CHANNEL_CODES), name="channel_known"),
        CheckConstraint("payer IS NULL OR " + _in("payer", PAYER_CODES), name="payer_known"),
        # The last line behind the service rule: warranty work is never charged to owners or the fund.
        CheckConstraint("NOT in_warranty OR payer IS NULL OR payer IN ('warranty', 'common')",
                        name="warranty_payer"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("entrance_id IS NULL OR building_id IS NOT NULL", name="entrance_in_building"),
        CheckConstraint("respond_by <= resolve_by", name="deadlines_ordered"),
        Index("ix_ticket_estate_submitted", "estate_id", "submitted_at"),
        Index("ix_ticket_status_deadlines", "status", "respond_by", "resolve_by"),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15)
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    room_id: Optional[int] = Field(default=None, foreign_key="room.id", index=True)
    building_id: Optional[int] = Field(default=None, foreign_key="building.id")
    entrance_id: Optional[int] = Field(default=None, foreign_key="entrance.id")
    location_label: str = Field(max_length=64)  # "YJL-3-2-501", "YJL-3-2", "YJL-3" or "YJL"
    place: str = Field(default="", max_length=128)  # free text: "north gate", "bike shed"
    category: str = Field(max_length=32)
    description: str = Field(max_length=2000)
    urgency: str = Field(max_length=16)
    status: str = Field(default="submitted", max_length=16, index=True)
    channel: str = Field(default="app", max_length=16)
    reporter_user_id: Optional[int] = Field(default=None, foreign_key="user_account.id", index=True)
    reporter_name: str = Field(default="", max_length=64)
    reporter_phone: str = Field(default="", max_length=32)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    assignee_id: Optional[int] = Field(default=None, foreign_key="user_account.id", index=True)
    submitted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    respond_by: datetime = Field(sa_type=UTCDateTime, nullable=False)
    resolve_by: datetime = Field(sa_type=UTCDateTime, nullable=False)
    responded_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    resolved_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    closed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    in_warranty: bool = Field(default=False)
    warranty_component_id: Optional[int] = Field(default=None, foreign_key="warranty_component.id")
    payer: Optional[str] = Field(default=None, max_length=16)
    amount_fen: int = Field(default=0)  # what the payer is charged (in-home repairs: a bill line)
    billed_ref: Optional[str] = Field(default=None, max_length=64)  # set by billing once billed
    rating: Optional[int] = Field(default=None)
    rating_comment: str = Field(default="", max_length=500)
    is_complaint: bool = Field(default=False)
    reopen_count: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TicketEvent(SQLModel, table=True):
    """One recorded move or action on a ticket: who, when, from, to, note.

    A generated entry stores `message` (a key of pms.maintenance.messages) and its `params`, rendered
    in the reader's language; `note` is what a person typed, or for older rows the text as written.
    """

    __tablename__ = "ticket_event"
    __scope__ = ScopeRule()
    __table_args__ = (UniqueConstraint("estate_id", "id"),)  # the estate key (issue 15)
    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    actor_name: str = Field(max_length=64)
    kind: str = Field(default="transition", max_length=16)
    from_status: Optional[str] = Field(default=None, max_length=16)
    to_status: Optional[str] = Field(default=None, max_length=16)
    note: str = Field(default="", max_length=2000)
    message: Optional[str] = Field(default=None, max_length=64)
    params: Optional[dict] = Field(default=None, sa_type=JSON)


class TicketPhoto(SQLModel, table=True):
    """A photo of a ticket, re-encoded without metadata, kept in the shared store (core.storage)."""

    __tablename__ = "ticket_photo"
    __scope__ = ScopeRule()
    __table_args__ = (CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')",
                                      name="content_type_known"),
                      # The estate key (issue 15); a stored name is unique everywhere.
                      UniqueConstraint("estate_id", "id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=16)
    size_bytes: int
    width: int
    height: int
    uploaded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TicketCost(SQLModel, table=True):
    """Materials or labour recorded by the technician."""

    __tablename__ = "ticket_cost"
    __scope__ = ScopeRule()
    __table_args__ = (
        CheckConstraint("kind IN ('material', 'labour')", name="kind_known"),
        CheckConstraint("quantity > 0 AND unit_price_fen >= 0 AND amount_fen >= 0", name="amounts_sane"),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15)
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    kind: str = Field(max_length=16)
    description: str = Field(max_length=200)
    quantity: int = Field(default=1)  # pieces/metres for materials, minutes for labour
    unit_price_fen: int = Field(default=0)
    amount_fen: int = Field(default=0)  # quantity × unit price, or for labour: minutes × rate / 60
    created_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TicketAlert(SQLModel, table=True):
    """An SLA breach alert that was sent: one per ticket and kind (the job's idempotency key, which
    the ticket's estate closes: the estate key, issue 15)."""

    __tablename__ = "ticket_alert"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "estate_id"),
                      CheckConstraint("kind IN ('respond_breach', 'resolve_breach')", name="kind_known"))
    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    estate_id: int = Field(foreign_key="estate.id", index=True)
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
