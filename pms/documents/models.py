"""Issued documents (存档): every PDF the service issues, rendered once, kept by its SHA-256
(added by revision 0027_issued_documents)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

DOCUMENT_KINDS = ("statement", "receipt", "credit_note", "arrears_notice", "public_notice", "audit_report")


class IssuedDocument(SQLModel, table=True):
    """One issued rendition of a document: its kind and number, the variant (language; owners'
    names masked; a receipt stamped void), where its bytes are kept and their SHA-256.

    UNIQUE (kind, number, variant): a rendition is issued once and served from storage ever
    after, so a statement downloaded next year is the file issued this year. UNIQUE sha256: a
    file names exactly one record (`pms documents verify`). Never updated or deleted.
    An estate's documents carry `estate_id` (and `room_id` when they are one room's); a
    district's (audit reports) only `district_id`."""

    __tablename__ = "issued_document"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        UniqueConstraint("kind", "number", "variant"),
        CheckConstraint("kind IN ('statement', 'receipt', 'credit_note', 'arrears_notice', 'public_notice',"
                        " 'audit_report')", name="kind_known"),
        CheckConstraint("estate_id IS NOT NULL OR district_id IS NOT NULL", name="owner_known"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    number: str = Field(max_length=96)
    variant: str = Field(default="", max_length=32)
    company_id: Optional[int] = Field(default=None, foreign_key="company.id")
    district_id: Optional[int] = Field(default=None, foreign_key="district.id")
    estate_id: Optional[int] = Field(default=None, foreign_key="estate.id", index=True)
    room_id: Optional[int] = Field(default=None, foreign_key="room.id", index=True)
    sha256: str = Field(max_length=64, unique=True)
    size_bytes: int
    storage_key: str = Field(max_length=200)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    issued_by: str = Field(max_length=64)
