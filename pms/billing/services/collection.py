"""Collection rates (收缴率) per estate, building and period, by amount and by household.

By amount: received ÷ receivable of the period's bills (what households owe after subsidies).
By household: rooms whose bill of the period is fully paid ÷ rooms billed for the period.
Percentages have one decimal, rounded half-up with integer arithmetic (no float anywhere).
One aggregate query grouped by building.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import case, func, select

from pms.billing import permissions
from pms.billing.models import Bill
from pms.billing.rules import percent_one_decimal
from pms.core.i18n import translate as _
from pms.core.auth import Principal
from pms.core.codes import natural_key
from pms.core.errors import Invalid
from pms.core.periods import is_period
from pms.estates import services as estates
from pms.estates.models import Building, Room



class CollectionRates:
    """Collection rate both ways (DOMAIN: by amount and by household), for any row with the counts."""

    receivable_fen: int
    received_fen: int
    households: int
    households_paid: int

    @property
    def rate_by_amount(self) -> Optional[str]:
        return percent_one_decimal(self.received_fen, self.receivable_fen)

    @property
    def rate_by_household(self) -> Optional[str]:
        return percent_one_decimal(self.households_paid, self.households)


@dataclass
class CollectionRow(CollectionRates):
    building: Optional[str]  # None: the whole estate
    receivable_fen: int
    received_fen: int
    households: int
    households_paid: int


@dataclass
class CollectionReport:
    estate_code: str
    estate_name: str
    period: str
    total: CollectionRow
    buildings: list[CollectionRow]


def ensure_reader(principal: Principal) -> None:
    """403 unless the caller may read collection rates."""
    permissions.ensure(principal, "collection.read")


def get_estate_for_collection(session, principal: Principal, estate_code: str):
    """An estate in scope (404) whose collection rates the caller may read (403)."""
    estate = estates.get_estate(session, principal, estate_code)
    ensure_reader(principal)
    return estate


def collection_rates(session, principal: Principal, estate_code: str, period: str,
                     *, building: Optional[str] = None) -> CollectionReport:
    """The estate's collection rates for a period, in total and per building."""
    estate = get_estate_for_collection(session, principal, estate_code)
    if not is_period(period):
        raise Invalid(_("The period is invalid."), fields={"period": [_("Use YYYY-MM.")]})
    owed = Bill.payable_fen - Bill.waived_fen
    stmt = (select(Building.code, func.coalesce(func.sum(owed), 0), func.coalesce(func.sum(Bill.paid_fen), 0),
                   func.count(Bill.id),
                   func.coalesce(func.sum(case((Bill.paid_fen >= owed, 1), else_=0)), 0))
            .join(Room, Room.id == Bill.room_id).join(Building, Building.id == Room.building_id)
            .where(Bill.estate_id == estate.id, Bill.period == period, Bill.status != "void")
            .group_by(Building.code))
    if building:
        stmt = stmt.where(Building.code == building)
    rows = [CollectionRow(building=code, receivable_fen=int(due), received_fen=int(got),
                          households=int(n), households_paid=int(full))
            for code, due, got, n, full in session.execute(stmt)]
    rows.sort(key=lambda r: natural_key(r.building))
    total = CollectionRow(building=None, receivable_fen=sum(r.receivable_fen for r in rows),
                          received_fen=sum(r.received_fen for r in rows),
                          households=sum(r.households for r in rows),
                          households_paid=sum(r.households_paid for r in rows))
    return CollectionReport(estate_code=estate.code, estate_name=estate.name, period=period,
                            total=total, buildings=rows)


def billed_periods(session, estate_id: int, limit: int = 24) -> list[str]:
    """The latest periods the estate was billed for (newest first), for the page's selector."""
    return list(session.scalars(select(Bill.period).where(Bill.estate_id == estate_id).distinct()
                                .order_by(Bill.period.desc()).limit(limit)))
