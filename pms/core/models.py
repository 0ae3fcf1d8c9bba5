"""Tables core owns: the tamper-evident audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

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
