"""The double-entry ledger: immutable entries whose lines sum to zero."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint, literal_column, text
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

# Accounts (debit positive, credit negative):
#   receivable            what a room owes on bills            (asset; room_id)
#   subsidy_receivable    what a programme owes                 (asset; program_id)
#   revenue               fee income                            (income; item_code)
#   cash                  money received                        (asset; channel in memo)
#   prepayment            money held for a room's future bills (liability; room_id)
#   late_fee_receivable   contractual late charges owed        (asset; room_id)
#   late_fee_revenue      late-charge income                    (income)
#   subsidy_claimed       on a submitted claim, under review    (asset; program_id)
#   subsidy_approved      approved by the officer, not yet paid (asset; program_id)
#   subsidy_shortfall     claimed but not approved              (expense; program_id)
#   subsidy_clawback      paid, then recovered by the programme (expense; program_id)
#   subsidy_revenue       a claim's unbilled evidence (elevator certificates, renovation works),
#                         recognised when the claim is submitted (income; program_id)
# (pms/subsidies/services/reviews.py lists the entries of a claim's steps.)
ACCOUNTS = ("receivable", "subsidy_receivable", "revenue", "cash", "prepayment",
            "late_fee_receivable", "late_fee_revenue", "subsidy_claimed", "subsidy_approved",
            "subsidy_shortfall", "subsidy_clawback", "subsidy_revenue")
ENTRY_KINDS = ("bill", "payment", "prepayment_use", "late_fee", "reversal", "credit_note",
               "claim", "claim_review", "disbursement", "clawback")


# Written as a literal so queries match the partial index ix_journal_line_prepayment.
PREPAYMENT_CONDITION = "account = 'prepayment'"


class JournalEntry(SQLModel, table=True):
    """One money movement; UNIQUE (kind, source) keeps batch posting idempotent."""

    __tablename__ = "journal_entry"
    __scope__ = ScopeRule()
    # Lines refer to (estate_id, id), which also serves "entries of an estate".
    __table_args__ = (UniqueConstraint("kind", "source_type", "source_id"), UniqueConstraint("estate_id", "id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id")
    kind: str = Field(max_length=16)
    source_type: str = Field(max_length=32)  # bill, payment, payment_allocation, late_fee_accrual, …
    source_id: int
    business_date: date  # Asia/Shanghai day the movement belongs to
    memo: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class JournalLine(SQLModel, table=True):
    """One side of an entry."""

    __tablename__ = "journal_line"
    __scope__ = ScopeRule(room="room_id", resident="room")
    # A billing run posts ~5 lines per room: one composite key to the entry (its estate is the
    # entry's), and partial indexes that skip the lines nobody looks up by room (revenue). The
    # estate key (issue 15) is the entry's index with estate_id and id appended: no extra index.
    __table_args__ = (
        ForeignKeyConstraint(["estate_id", "entry_id"], ["journal_entry.estate_id", "journal_entry.id"]),
        UniqueConstraint("entry_id", "estate_id", "id"),
        Index("ix_journal_line_room_account", "room_id", "account",
              sqlite_where=text("room_id IS NOT NULL"), postgresql_where=text("room_id IS NOT NULL")),
        Index("ix_journal_line_prepayment", "estate_id", "room_id",
              sqlite_where=text(PREPAYMENT_CONDITION), postgresql_where=text(PREPAYMENT_CONDITION)),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    entry_id: int  # indexed by UNIQUE (entry_id, estate_id, id)
    estate_id: int
    account: str = Field(max_length=24)
    room_id: Optional[int] = Field(default=None, foreign_key="room.id")
    program_id: Optional[int] = Field(default=None, foreign_key="program.id")
    item_code: Optional[str] = Field(default=None, max_length=32)
    amount_fen: int


# The same condition for queries (a literal, not a bound parameter, so the index applies).
PREPAYMENT_LINES = JournalLine.account == literal_column("'prepayment'")
