"""Maintenance KPIs per estate and month (Asia/Shanghai months, by submission time)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from pms.core import clock, periods
from pms.core.auth import Principal
from pms.core.errors import Forbidden, Invalid
from pms.core.money import quantize_half_up
from pms.estates import services as estates
from pms.estates.models import Estate, Room
from pms.maintenance import permissions, rules
from pms.maintenance.models import Ticket


@dataclass
class Kpis:
    estate: str
    period: str
    households: int
    requests: int
    requests_per_100_households: Optional[float]
    response_minutes_median: Optional[float]
    response_minutes_p90: Optional[float]
    resolution_hours_median: Optional[float]
    resolution_hours_p90: Optional[float]
    sla_compliance_percent: Optional[float]
    sla_met: int
    sla_breached: int
    average_rating: Optional[float]
    ratings: int
    reopen_rate_percent: Optional[float]
    complaints: int


def _round(value, places: int = 1) -> Optional[float]:
    """A KPI (hours, a percentage, an average rating) rounded half-up for display; never money."""
    if value is None:
        return None
    return float(quantize_half_up(value, places))


def month_bounds(period: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a YYYY-MM month in the business timezone, as UTC instants."""
    try:  # ASCII YYYY-MM within core.periods' years (9999-12 would end in year 10000: a 500)
        year, month = periods.parse_period(period)
    except ValueError:
        raise Invalid(_("The period must be YYYY-MM."), fields={"period": [_("YYYY-MM")]}) from None
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def estate_kpis(session, estate: Estate, period: str, *, now: Optional[datetime] = None) -> Kpis:
    """KPIs of the requests submitted in `period` (cancelled ones excluded), as of `now`.

    - requests per 100 households: requests × 100 ÷ rooms of the estate (1 decimal, half-up);
    - response time: submission → acceptance, in minutes; resolution time: submission → the last
      resolution (resolved or closed requests), in hours; median (mean of the middle two for an
      even count) and 90th percentile by nearest rank;
    - SLA compliance: requests that met both deadlines ÷ requests whose outcome is known (both
      deadlines met, or one missed — late, or past due while still pending) × 100;
    - average rating of rated requests; reopen rate: requests reopened at least once ÷ requests
      resolved at least once × 100; complaints: requests flagged as complaints.
    """
    now = now or clock.now()
    start, end = month_bounds(period, clock.timezone())
    households = session.scalar(select(func.count(Room.id)).where(Room.estate_id == estate.id)) or 0
    tickets = list(session.scalars(select(Ticket).where(Ticket.estate_id == estate.id,
                                                        Ticket.submitted_at >= start, Ticket.submitted_at < end,
                                                        Ticket.status != "cancelled")))
    response = [(t.responded_at - t.submitted_at).total_seconds() / 60 for t in tickets if t.responded_at]
    finished = [t for t in tickets if t.status in ("resolved", "closed") and t.resolved_at]
    finished_ids = {t.id for t in finished}
    resolution = [(t.resolved_at - t.submitted_at).total_seconds() / 3600 for t in finished]
    met = breached = 0
    for t in tickets:
        resp_ok = t.responded_at is not None and t.responded_at <= t.respond_by
        resp_bad = (t.responded_at is not None and t.responded_at > t.respond_by) or \
                   (t.responded_at is None and now > t.respond_by)
        done_at = t.resolved_at if t.id in finished_ids else None
        res_ok = done_at is not None and done_at <= t.resolve_by
        res_bad = (done_at is not None and done_at > t.resolve_by) or (done_at is None and now > t.resolve_by)
        if resp_bad or res_bad:
            breached += 1
        elif resp_ok and res_ok:
            met += 1
    rated = [t.rating for t in tickets if t.rating is not None]
    ever_resolved = [t for t in tickets if t.resolved_at is not None or t.reopen_count > 0]
    reopened = [t for t in ever_resolved if t.reopen_count > 0]
    return Kpis(
        estate=estate.code, period=period, households=households, requests=len(tickets),
        requests_per_100_households=_round(len(tickets) * 100 / households) if households else None,
        response_minutes_median=_round(rules.median(response)),
        response_minutes_p90=_round(rules.percentile_nearest_rank(response, 90)),
        resolution_hours_median=_round(rules.median(resolution)),
        resolution_hours_p90=_round(rules.percentile_nearest_rank(resolution, 90)),
        sla_compliance_percent=_round(met * 100 / (met + breached)) if met + breached else None,
        sla_met=met, sla_breached=breached,
        average_rating=_round(sum(rated) / len(rated), 2) if rated else None, ratings=len(rated),
        reopen_rate_percent=_round(len(reopened) * 100 / len(ever_resolved)) if ever_resolved else None,
        complaints=sum(1 for t in tickets if t.is_complaint))


def kpis_for(session, principal: Principal, estate_code: str, period: str, *,
             now: Optional[datetime] = None) -> Kpis:
    """KPIs for managers, auditors (read-only) and admins; the estate must be in scope (404)."""
    estate = estates.get_estate(session, principal, estate_code)
    if not permissions.may(principal, "kpis.read"):
        raise Forbidden(_("Only managers and auditors see maintenance KPIs."))
    return estate_kpis(session, estate, period, now=now)


def previous_period(today) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"
