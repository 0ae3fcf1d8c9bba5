"""The homes' read models: each estate's collection of a period, and what its open bills still owe
by due date, as of their last refresh."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from pms.core.auth import ScopeRule
from pms.core.db import UTCDateTime


class CollectionSnapshot(SQLModel, table=True):
    """Receivable, received, households billed and paid for one estate and period, as of `refreshed_at`.

    A read model for the home pages: counting what every open bill still owes takes a scan of all
    open bills (over a million rows a month at city scale), so a job refreshes these rows every few
    minutes and each billing run writes its own; the pages say "as of" the oldest row they show.
    """

    __tablename__ = "collection_snapshot"
    __scope__ = ScopeRule()
    estate_id: int = Field(foreign_key="estate.id", primary_key=True)
    period: str = Field(max_length=7, primary_key=True)
    receivable_fen: int = Field(default=0, sa_type=BigInteger)
    received_fen: int = Field(default=0, sa_type=BigInteger)
    households: int = Field(default=0)
    households_paid: int = Field(default=0)
    refreshed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class OwedSnapshot(SQLModel, table=True):
    """The open bills of one estate, period and due date, and what they still owe, as of `refreshed_at`.

    The finance home's arrears by age and bills due this week: aging depends on the day, the
    snapshot on the due date only, so one refresh serves every day's buckets. At city scale the live
    figures are a scan of every open bill (1.17 million right after a monthly run at 1,000,000
    households: 1.5 s a view); these rows are about one per estate and open month.
    """

    __tablename__ = "owed_snapshot"
    __scope__ = ScopeRule()
    estate_id: int = Field(foreign_key="estate.id", primary_key=True)
    period: str = Field(max_length=7, primary_key=True)
    due_date: date = Field(primary_key=True)
    open_bills: int = Field(default=0)
    owed_fen: int = Field(default=0, sa_type=BigInteger)
    refreshed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
