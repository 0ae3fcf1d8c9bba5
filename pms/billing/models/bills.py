"""Billing runs, bills and their lines, and gap-free bill numbering."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, CheckConstraint, ForeignKeyConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime, utcnow

BILL_STATUSES = ("open", "paid", "void")


class BillingRun(SQLModel, table=True):
    """One estate's billing of one period; UNIQUE makes runs idempotent."""

    __tablename__ = "billing_run"
    __scope__ = ScopeRule()
    # (id, estate_id) is what bills refer to, so a bill's estate is always its run's estate.
    __table_args__ = (UniqueConstraint("estate_id", "period"), UniqueConstraint("id", "estate_id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    estate_id: int = Field(foreign_key="estate.id", index=True)
    period: str = Field(max_length=7)
    fee_plan_id: int = Field(foreign_key="fee_plan.id")
    bills_created: int = Field(default=0)
    # An estate's monthly total can pass 2^31 fen (¥21 million: ~100,000 rooms), hence BIGINT.
    total_fen: int = Field(default=0, sa_type=BigInteger)
    subsidy_fen: int = Field(default=0, sa_type=BigInteger)
    payable_fen: int = Field(default=0, sa_type=BigInteger)
    triggered_by: str = Field(default="system", max_length=64)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


NUMBER_SERIES = ("bill", "credit_note", "receipt")


class NumberCounter(SQLModel, table=True):
    """The last number used per company, year and document series (gap-free, never reused)."""

    __tablename__ = "number_counter"
    __table_args__ = (CheckConstraint("series IN ('bill', 'credit_note', 'receipt')", name="series_known"),)
    company_id: int = Field(foreign_key="company.id", primary_key=True)
    year: int = Field(primary_key=True)
    series: str = Field(default="bill", max_length=16, primary_key=True)
    last_seq: int = Field(default=0)


class Bill(SQLModel, table=True):
    """A room's bill for a period. Amounts are fixed at issue; corrections are new documents."""

    __tablename__ = "bill"
    __scope__ = ScopeRule(room="room_id", resident="room")
    __table_args__ = (
        UniqueConstraint("room_id", "period"),
        UniqueConstraint("company_id", "year", "seq"),
        CheckConstraint("status IN ('open', 'paid', 'void')", name="status_known"),
        CheckConstraint("payable_fen = total_fen - subsidy_fen", name="payable_is_total_less_subsidy"),
        CheckConstraint("paid_fen >= 0 AND paid_fen + waived_fen <= payable_fen", name="paid_within_payable"),
        Index("ix_bill_estate_period", "estate_id", "period"),
        # The homes' counts read only bills that still owe money and the few credited ones,
        # covering on PostgreSQL so that they are index-only scans (migration 0015): by due date
        # (arrears by age, due this week) and by period and estate (what a period still lacks,
        # aggregated in index order).
        Index("ix_bill_open_due", "due_date", postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'"),
              postgresql_include=["period", "estate_id", "room_id", "payable_fen", "waived_fen", "paid_fen"]),
        Index("ix_bill_open_period", "period", "estate_id", postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'"), postgresql_include=["payable_fen", "waived_fen", "paid_fen"]),
        Index("ix_bill_waived", "period", "estate_id", postgresql_where=text("waived_fen > 0"),
              sqlite_where=text("waived_fen > 0"), postgresql_include=["waived_fen", "status"]),
        # Lines refer to (id, estate_id, room_id): their estate and room are always their bill's.
        UniqueConstraint("id", "estate_id", "room_id"),
        # The estate comes with the run (one composite key check per bill instead of two).
        ForeignKeyConstraint(["billing_run_id", "estate_id"], ["billing_run.id", "billing_run.estate_id"]),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    company_id: int = Field(foreign_key="company.id")
    year: int
    seq: int
    estate_id: int
    room_id: int = Field(foreign_key="room.id")  # indexed by UNIQUE (room_id, period)
    billing_run_id: int
    period: str = Field(max_length=7)
    due_date: date
    total_fen: int
    subsidy_fen: int = Field(default=0)
    payable_fen: int
    # Running totals kept in step with the ledger by the payment services (checked by `pms audit verify`).
    paid_fen: int = Field(default=0)
    waived_fen: int = Field(default=0)
    status: str = Field(default="open", max_length=8)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class BillLine(SQLModel, table=True):
    """One item of a bill with its basis (area × rate, floor weight and entrance cost, …)."""

    __tablename__ = "bill_line"
    __scope__ = ScopeRule(room="room_id", resident="room")
    # A billing run writes ~3 lines per room, so every key check counts (PostgreSQL checks each
    # foreign key per row): one composite key to the bill carries the estate and the room too.
    # The fee item is (the run's plan, item_code); lines are read through their bill. The estate
    # closes the UNIQUE (the estate key, issue 15): the bill decides it, so the key means the same.
    __table_args__ = (UniqueConstraint("bill_id", "item_code", "estate_id"),
                      ForeignKeyConstraint(["bill_id", "estate_id", "room_id"],
                                           ["bill.id", "bill.estate_id", "bill.room_id"]),
                      CheckConstraint("subsidy_fen >= 0 AND subsidy_fen <= amount_fen",
                                      name="subsidy_within_amount"))
    id: Optional[int] = Field(default=None, primary_key=True)
    bill_id: int  # indexed by UNIQUE (bill_id, item_code, estate_id)
    estate_id: int
    room_id: int
    item_code: str = Field(max_length=32)
    item_name: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    amount_fen: int
    subsidy_fen: int = Field(default=0)
    program_id: Optional[int] = Field(default=None, foreign_key="program.id")
    # The basis as plain numbers: area_centi_m2 & rate_fen_per_m2; or floor, weight, weight_total
    # & entrance_cost_fen; or amount_fen. Stored as canonical JSON for the statement.
    basis: str = Field(default="{}")
