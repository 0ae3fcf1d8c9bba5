"""Tables core owns: the tamper-evident audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """One recorded action; `hash` chains it to the entry before (seq - 1)."""

    __tablename__ = "audit_entry"
    id: Optional[int] = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(default="", max_length=64)
    object_id: str = Field(default="", max_length=64)
    estate_id: Optional[int] = Field(default=None, index=True)
    payload: str = Field(default="{}")  # canonical JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditSeal(SQLModel, table=True):
    """The chain's head at a moment, signed with an HMAC whose key is not in the database: a
    consistent rewrite of the whole chain no longer matches its sealed head, and a forged seal
    has no valid MAC (`pms.core.audit.seal`)."""

    __tablename__ = "audit_seal"
    id: Optional[int] = Field(default=None, primary_key=True)
    seq: int  # the sealed head entry's seq
    head_hash: str = Field(max_length=64)
    sealed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reason: str = Field(max_length=32)  # nightly, report, manual
    mac: str = Field(max_length=64, index=True)  # looked up from a printed report
    prev_mac: str = Field(default="", max_length=64)  # the previous seal's MAC ("" for the first)


class Notification(SQLModel, table=True):
    """An in-app notification for one user (SLA alerts, planned-works notices, ...).

    `message` (a key declared with pms.core.messages.define) and `params` render the title and body
    in the reader's language; `title`/`body` keep the text as written, shown for unknown keys.
    """

    __tablename__ = "notification"
    id: Optional[int] = Field(default=None, primary_key=True)
    recipient_user_id: int = Field(foreign_key="user_account.id", index=True)
    estate_id: Optional[int] = Field(default=None, foreign_key="estate.id", index=True)
    kind: str = Field(max_length=32)
    title: Optional[str] = Field(default=None, max_length=200)
    body: Optional[str] = Field(default="", max_length=2000)
    message: Optional[str] = Field(default=None, max_length=64)
    params: Optional[dict] = Field(default=None, sa_type=JSON)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    read_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """A message waiting for a sender process (email or SMS); `sent_at` is set once delivered.

    `to_address` is an email address or phone number; when it is empty the sender resolves the
    address from `recipient_user_id` (the account's `email`). The sender's state
    (`pms.notifications.sender`): `claimed_at`/`claimed_by` while one sender hands it to the SMTP
    server, `attempts` and `next_attempt_at` for retries with backoff, `failed_at` once it gave
    up, `last_error` (short, never a secret) for the manager's outbox page.
    """

    __tablename__ = "outbox_message"
    __scope__ = ScopeRule()  # estate staff see their estates' messages; residents none
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: Optional[int] = Field(default=None, foreign_key="estate.id", index=True)
    channel: str = Field(default="email", max_length=8)
    recipient_user_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    to_address: str = Field(default="", max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(default="", max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sent_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime, index=True)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    claimed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    failed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime, index=True)
    last_error: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})


class SchedulerHeartbeat(SQLModel, table=True):
    """The scheduler's last sign of life (one row per scheduler name); /readyz reads it."""

    __tablename__ = "scheduler_heartbeat"
    name: str = Field(primary_key=True, max_length=32)
    beat_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    host: str = Field(default="", max_length=64)
    pid: int = Field(default=0)
