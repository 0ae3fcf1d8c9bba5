"""The monthly figures of an estate's elder care (one month YYYY-MM, its days in the business
timezone), and the 12 months' planned vs delivered visits that end with it.

Definitions (visits by their `date`, alerts by their visit's date, calls by `received_at` in
the month in Beijing time):
- `visits_planned`: the month's visits not cancelled (generated or booked, whatever became of them);
- `visits_delivered`: checked out or confirmed; `elders_served`: distinct elders with one;
- `visits_verified`: checked in with the home's current code (`verified` true);
- `visits_confirmed`: confirmed by the elder's PIN;
- `missed_check_ins`: the safety alerts of the month's visits (one per missed visit);
- `ack_minutes_median` / `ack_minutes_p90`: minutes from an alert being raised to its
  acknowledgement, over the acknowledged ones; `alerts_open`: those not acknowledged yet;
- `calls`: emergency calls received; `calls_answered`; `call_response_minutes_median` / `_p90`:
  minutes from receipt to response over the answered ones.
Minutes are exact (seconds / 60) and the statistics rounded to one decimal at the end; None when
there is nothing to measure.
"""
from __future__ import annotations

import math
from datetime import date, datetime, time, timezone
from typing import Optional, Sequence

from sqlalchemy import func, select

from pms.core import clock, periods
from pms.core.auth import Principal
from pms.eldercare import permissions
from pms.eldercare.models import EmergencyCall, Visit, VisitAlert
from pms.estates.models import Estate

DELIVERED = ("checked_out", "confirmed")
TREND_MONTHS = 12


def median(values: Sequence[float]) -> Optional[float]:
    """The middle value of the sorted values; for an even count the mean of the two middle ones
    ([1, 2, 10, 40] → 6.0). None for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], p: float) -> Optional[float]:
    """The nearest-rank percentile: the k-th smallest value with k = ⌈p/100 × n⌉ (at least 1), i.e.
    the smallest value such that at least p % of the values are ≤ it; always one of the values
    (P90 of 1..10 → 9; of 1..11 → 10; of a single value → that value). None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def _one_decimal(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 1)


def month_bounds(month: str) -> tuple[date, date, datetime, datetime]:
    """The month's first and last day, and its first and next month's first instant (UTC)."""
    first = periods.first_day(month)
    following = periods.first_day(periods.add_months(month, 1))
    last = date.fromordinal(following.toordinal() - 1)
    tz = clock.timezone()
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(following, time(0), tzinfo=tz).astimezone(timezone.utc)
    return first, last, start, end


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def estate_month(session, principal: Principal, estate: Estate, month: str) -> dict:
    """The month's figures of one estate in scope (the estate was looked up in scope: 404 before
    403); managers, care workers and auditors."""
    permissions.ensure(principal, "kpi.read")
    first, last, start, end = month_bounds(month)
    of_month = (Visit.estate_id == estate.id, Visit.date >= first, Visit.date <= last)
    counts = dict(session.execute(select(Visit.status, func.count(Visit.id)).where(*of_month)
                                  .group_by(Visit.status)).all())
    planned = sum(n for status, n in counts.items() if status != "cancelled")
    delivered = sum(counts.get(status, 0) for status in DELIVERED)
    verified = session.scalar(select(func.count(Visit.id)).where(*of_month, Visit.verified.is_(True)))
    served = session.scalar(select(func.count(func.distinct(Visit.elder_id)))
                            .where(*of_month, Visit.status.in_(DELIVERED)))
    alerts = session.execute(select(VisitAlert.created_at, VisitAlert.acknowledged_at)
                             .join(Visit, Visit.id == VisitAlert.visit_id).where(*of_month)).all()
    ack = [_minutes(raised, acked) for raised, acked in alerts if acked is not None]
    calls = session.execute(select(EmergencyCall.received_at, EmergencyCall.responded_at)
                            .where(EmergencyCall.estate_id == estate.id, EmergencyCall.received_at >= start,
                                   EmergencyCall.received_at < end)).all()
    answered = [_minutes(received, responded) for received, responded in calls if responded is not None]
    return {
        "estate": estate.code, "month": month, "elders_served": served, "visits_planned": planned,
        "visits_delivered": delivered, "visits_verified": verified, "visits_confirmed": counts.get("confirmed", 0),
        "missed_check_ins": len(alerts), "alerts_open": len(alerts) - len(ack),
        "ack_minutes_median": _one_decimal(median(ack)), "ack_minutes_p90": _one_decimal(percentile(ack, 90)),
        "calls": len(calls), "calls_answered": len(answered),
        "call_response_minutes_median": _one_decimal(median(answered)),
        "call_response_minutes_p90": _one_decimal(percentile(answered, 90)),
        "trend": trend(session, estate, month),
    }


def trend(session, estate: Estate, month: str, months: int = TREND_MONTHS) -> list[dict]:
    """Planned (not cancelled) and delivered visits of each of the `months` months ending with `month`."""
    names = [periods.add_months(month, k) for k in range(1 - months, 1)]
    first, last = month_bounds(names[0])[0], month_bounds(month)[1]
    out = {name: {"month": name, "planned": 0, "delivered": 0} for name in names}
    for day, status, n in session.execute(
            select(Visit.date, Visit.status, func.count(Visit.id))
            .where(Visit.estate_id == estate.id, Visit.date >= first, Visit.date <= last, Visit.status != "cancelled")
            .group_by(Visit.date, Visit.status)):
        row = out[periods.period_of(day)]
        row["planned"] += n
        if status in DELIVERED:
            row["delivered"] += n
    return list(out.values())
