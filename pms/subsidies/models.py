"""Subsidy programmes that pay part of households' fees, and their budgets' allocations to estates."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, ForeignKeyConstraint, Index, UniqueConstraint, literal_column, text
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

PROGRAM_KINDS = ("property_service", "elevator", "eldercare", "renovation")


class Program(SQLModel, table=True):
    """A government programme of one district, e.g. a subsidised introductory property service.

    Budgets are BIGINT: a district's renovation programme easily passes the ~21 million yuan an
    INTEGER of fen holds. The period is nullable: programmes registered before it existed (and by
    `pms programs create`, which has no period options) have none.

    What a programme pays per piece of evidence (its rule; nullable, set only for its kind):
    - `unit_fen` (elevator programmes): a fixed amount per elevator whose special-equipment
      inspection certificate is issued — "¥X per elevator certified";
    - `percent` (renovation programmes): a whole percent (0–100) of a completed renovation
      project's contract amount, rounded half-up to the fen — "X % of the accepted works".
    Property-service and elder-care programmes pay what the bills say (fee plans, care catalogue).
    """

    __tablename__ = "program"
    __table_args__ = (
        CheckConstraint("kind IN ('property_service', 'elevator', 'eldercare', 'renovation')",
                        name="kind_known"),
        CheckConstraint("budget_fen IS NULL OR budget_fen >= 0", name="budget_not_negative"),
        CheckConstraint("period_from IS NULL OR period_to IS NULL OR period_to >= period_from",
                        name="period_ordered"),
        CheckConstraint("unit_fen IS NULL OR unit_fen >= 0", name="unit_not_negative"),
        CheckConstraint("percent IS NULL OR percent BETWEEN 0 AND 100", name="percent_range"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    district_id: int = Field(foreign_key="district.id", index=True)
    kind: str = Field(max_length=32)
    budget_fen: Optional[int] = Field(default=None, sa_type=BigInteger)
    period_from: Optional[date] = Field(default=None)
    period_to: Optional[date] = Field(default=None)
    unit_fen: Optional[int] = Field(default=None, sa_type=BigInteger)  # elevator: paid per elevator certified
    percent: Optional[int] = Field(default=None)  # renovation: % of a completed project's contract amount
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ProgramAllocation(SQLModel, table=True):
    """Part of a programme's budget set aside for one estate of its district (拨付计划).

    Immutable: a correction is a later allocation or (a later issue) a reversal, never an update.
    The sum of a programme's allocations never exceeds its budget (services.allocations, under the
    programme row's lock)."""

    __tablename__ = "program_allocation"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),
                      UniqueConstraint("estate_id", "id"))  # the estate key (issue 15)
    __scope__ = ScopeRule()  # staff see their estates' rows; residents none
    id: Optional[int] = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    estate_id: int = Field(foreign_key="estate.id")
    amount_fen: int = Field(sa_type=BigInteger)
    created_by: str = Field(max_length=64)  # the username ("system" for the CLI)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


CLAIM_STATUSES = ("draft", "submitted", "approved", "partly_approved", "rejected")
EVIDENCE_TYPES = ("bill_line", "visit", "certificate", "work")
# Evidence that stands on a bill (a room's bill line); the others (an elevator's inspection
# certificate, a completed renovation project) have neither bill line nor room.
BILLED_EVIDENCE = ("bill_line", "visit")
# One piece of evidence backs at most one claim line that is not rejected.
LIVE_LINE = "status <> 'rejected'"


class Claim(SQLModel, table=True):
    """What the property company asks a programme to pay for one estate and billing period."""

    __tablename__ = "claim"
    __scope__ = ScopeRule()  # staff of the estate's company, auditors of its district; no residents
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted', 'approved', 'partly_approved', 'rejected')",
                        name="status_known"),
        CheckConstraint("total_fen > 0", name="total_positive"),
        CheckConstraint("(status = 'draft') = (submitted_at IS NULL)", name="submitted_when_not_draft"),
        CheckConstraint("(status IN ('draft', 'submitted')) = (reviewed_at IS NULL)", name="reviewed_when_decided"),
        CheckConstraint("approved_fen IS NULL OR approved_fen BETWEEN 0 AND total_fen", name="approved_within_total"),
        UniqueConstraint("estate_id", "id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    period: str = Field(max_length=7)
    status: str = Field(default="draft", max_length=16)
    total_fen: int = Field(sa_type=BigInteger)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    submitted_by: Optional[str] = Field(default=None, max_length=64)
    submitted_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    reviewed_by: Optional[str] = Field(default=None, max_length=64)  # the approving officer
    reviewed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    approved_fen: Optional[int] = Field(default=None, sa_type=BigInteger)


class ClaimLine(SQLModel, table=True):
    """One claimed amount and the evidence it stands on: the subsidy part of a bill line, or of one
    confirmed elder-care visit (whose bill line is kept too); or the programme's rule applied to an
    elevator's inspection certificate (`certificate`: evidence_id = equipment_certificate.id) or to
    a completed renovation project (`work`: evidence_id = renovation_project.id). Those two belong
    to an entrance or the estate, not a room: their `room_id` and `bill_line_id` are NULL."""

    __tablename__ = "claim_line"
    __scope__ = ScopeRule()
    __table_args__ = (
        CheckConstraint("evidence_type IN ('bill_line', 'visit', 'certificate', 'work')", name="evidence_known"),
        CheckConstraint("evidence_type NOT IN ('bill_line', 'visit') OR "
                        "(bill_line_id IS NOT NULL AND room_id IS NOT NULL)", name="billed_evidence_has_bill_line"),
        CheckConstraint("status IN ('claimed', 'approved', 'partly_approved', 'rejected')", name="status_known"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("evidence_type <> 'visit' OR visit_id IS NOT NULL", name="visit_evidence_has_visit"),
        CheckConstraint("approved_fen IS NULL OR approved_fen BETWEEN 0 AND amount_fen", name="approved_within_amount"),
        ForeignKeyConstraint(["estate_id", "claim_id"], ["claim.estate_id", "claim.id"]),
        Index("ux_claim_line_live_evidence", "evidence_type", "evidence_id", unique=True,
              sqlite_where=text(LIVE_LINE), postgresql_where=text(LIVE_LINE)),
        UniqueConstraint("estate_id", "id"),  # the estate key (issue 15)
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    claim_id: int = Field(index=True)
    estate_id: int
    room_id: Optional[int] = Field(default=None, foreign_key="room.id", index=True)  # NULL: certificate, work
    evidence_type: str = Field(max_length=16)
    evidence_id: int
    bill_line_id: Optional[int] = Field(default=None, foreign_key="bill_line.id", index=True)
    visit_id: Optional[int] = Field(default=None, foreign_key="visit.id")
    amount_fen: int
    status: str = Field(default="claimed", max_length=16)
    approved_fen: Optional[int] = Field(default=None)
    reason: str = Field(default="", max_length=500)  # the officer's, when not approved in full


# Lines that still stand (not rejected), as a literal so PostgreSQL uses the partial index.
LIVE = ClaimLine.status != literal_column("'rejected'")


class Disbursement(SQLModel, table=True):
    """Money the programme paid on an approved claim, recorded by an officer other than the approver."""

    __tablename__ = "disbursement"
    __scope__ = ScopeRule()
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),
                      ForeignKeyConstraint(["estate_id", "claim_id"], ["claim.estate_id", "claim.id"]),
                      UniqueConstraint("estate_id", "id"))  # the estate key (issue 15)
    id: Optional[int] = Field(default=None, primary_key=True)
    claim_id: int = Field(index=True)
    estate_id: int
    amount_fen: int = Field(sa_type=BigInteger)
    paid_on: date
    reference: str = Field(max_length=64)  # the bank's reference of the transfer
    recorded_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Clawback(SQLModel, table=True):
    """Money found unjustified after it was paid, recovered from the company: a new entry with a
    reason, never an edit of the disbursement."""

    __tablename__ = "clawback"
    __scope__ = ScopeRule()
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),
                      ForeignKeyConstraint(["estate_id", "claim_id"], ["claim.estate_id", "claim.id"]),
                      UniqueConstraint("estate_id", "id"))  # the estate key (issue 15)
    id: Optional[int] = Field(default=None, primary_key=True)
    claim_id: int = Field(index=True)
    estate_id: int
    amount_fen: int = Field(sa_type=BigInteger)
    reason: str = Field(max_length=500)
    recorded_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


FINDING_RULES = ("same_person", "missing_evidence", "ineligible_elder", "vacant_room", "outside_period",
                 "subsidy_above_line", "over_allocation", "over_budget", "idle_money", "bill_void",
                 "amount_changed", "unverified_visit", "short_visit", "same_elevator")


class ClaimFinding(SQLModel, table=True):
    """One anomaly found on a claim (by the checks at build, at submit and nightly): open until it
    no longer holds (`cleared_at`) or an officer dismisses it with a reason."""

    __tablename__ = "claim_finding"
    __scope__ = ScopeRule()
    __table_args__ = (
        # line_key: the claim line's id, 0 for a finding about the whole claim. The claim's estate
        # closes the UNIQUE (the estate key, issue 15).
        UniqueConstraint("claim_id", "rule", "line_key", "estate_id"),
        CheckConstraint("(dismissed_at IS NULL) = (dismissed_by IS NULL)", name="dismissed_by_someone"),
        CheckConstraint("dismissed_at IS NULL OR dismissal_reason <> ''", name="dismissed_with_reason"),
        ForeignKeyConstraint(["estate_id", "claim_id"], ["claim.estate_id", "claim.id"]),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    claim_id: int = Field(index=True)
    estate_id: int
    rule: str = Field(max_length=32)
    line_key: int = Field(default=0)
    detail: str = Field(max_length=500)
    found_at: datetime = Field(sa_type=UTCDateTime)
    cleared_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    dismissed_by: Optional[str] = Field(default=None, max_length=64)
    dismissed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    dismissal_reason: str = Field(default="", max_length=500)
