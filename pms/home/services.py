"""What each role's home shows, as plain data: counts composed from the domains' overview
services (billing, maintenance, estates, notifications); every figure a set-based query.

Authorization stays with the domains: each overview function checks its own permission table
and scopes its query (`core.auth.scoped`); this module only chooses which figures a role's home
shows, asking the same tables (`core.auth.may_do`) so a figure appears only when its page opens.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable, Optional

from pms.billing.services import overview as billing
from pms.core import clock, periods
from pms.core.auth import (ADMIN, AUDITOR, CARE_WORKER, FINANCE, MANAGER, OFFICER, RESIDENT, TECHNICIAN,
                           Principal, may_do)
from pms.eldercare.services import alerts as care_alerts
from pms.eldercare.services import household as care_household
from pms.eldercare.services import visits as care_visits
from pms.estates import overview as estate_overview
from pms.estates import services as estates
from pms.maintenance import rules
from pms.maintenance.services import overview as maintenance
from pms.maintenance.services import readmodels, works
from pms.maintenance.services import tickets as ticket_service
from pms.maintenance.services.kpis import previous_period
from pms.notifications import services as inbox
from pms.statements import public_notice

TREND_MONTHS = billing.SNAPSHOT_MONTHS
ESTATES_PER_PAGE = 50


def trend_periods(today: date, months: int = TREND_MONTHS) -> list[str]:
    """The last `months` periods up to and including today's, oldest first."""
    return billing.snapshot_periods(today, months)


def week_of(today: date) -> tuple[date, date]:
    """Monday and Sunday of today's week."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _collection_trend(months: list, as_of: Optional[datetime] = None) -> dict[str, Any]:
    """Collection by amount for the last 12 months, and this month's against last month's; `as_of`
    when the figures come from the snapshot rather than live."""
    return {"months": months, "this": months[-1], "last": months[-2], "as_of": as_of,
            "rates": [float(m.rate_by_amount) if m.rate_by_amount is not None else None for m in months]}


def _repair_trend(session, principal: Principal, today: date) -> dict[str, Any]:
    months = trend_periods(today)
    opened, closed = maintenance.opened_closed_by_month(session, principal, months)
    return {"months": months, "opened": opened, "closed": closed}


def resident_home(session, principal: Principal, now: datetime) -> dict[str, Any]:
    """Due now and by when, the last payment, open requests with their next step, works at one's entrance."""
    today = clock.today(now)
    bills = billing.open_bills_of_own_rooms(session, principal, today)
    requests = maintenance.open_requests_of_own(session, principal)
    return {
        "bills": bills, "due_fen": sum(b.outstanding_fen for b in bills),
        "due_by": min((b.due_date for b in bills), default=None),
        "overdue": any(b.overdue for b in bills),
        "last_payment": billing.last_payment_of_own_rooms(session, principal),
        "requests": [(view, maintenance.next_step(view.status))
                     for view in readmodels.ticket_views(session, principal, requests, now=now)],
        "works": [w for w in works.list_planned_works(session, principal, now=now) if w.printable],
        "rooms": [r.code for r in estates.list_rooms(session, principal, limit=20)[0]],
        # One EXISTS: an elder of one's rooms is registered → a card to the household's visits.
        "has_elder": care_household.has_elder(session, principal),
        # The estates' annual public notices (公示): a card per estate of one's rooms.
        "notices": public_notice.latest_of_own_estates(session, principal),
    }


def manager_home(session, principal: Principal, now: datetime) -> dict[str, Any]:
    """Today's queue by urgency and SLA risk, unassigned, elevators, works this week, money."""
    today = clock.today(now)
    # The elevators' counts and the collection trend come from snapshots refreshed every five
    # minutes (and at once by a recorded result, a billing run): not from every elevator and every
    # open bill of the company on each view (tens of thousands and a million at city scale).
    elevators, elevators_as_of = maintenance.elevator_snapshot(session, principal)
    data: dict[str, Any] = {
        "queue": maintenance.queue_counts(session, principal, now=now),
        "elevators": elevators, "elevators_as_of": elevators_as_of,
        "works_this_week": maintenance.planned_works_between(session, principal, now, now + timedelta(days=7)),
        "repairs": _repair_trend(session, principal, today),
        "urgency_labels": {code: str(label) for code, label in rules.URGENCIES.items()},
    }
    if may_do(principal, "billing.collection.read"):
        data["collection"] = _collection_trend(*billing.collection_snapshot_by_period(session, principal,
                                                                                      trend_periods(today)))
    if may_do(principal, "billing.arrears.read"):
        data["arrears_90"], data["arrears_90_estates"] = billing.arrears_older_than(session, principal, today, 90)
    return data


def finance_home(session, principal: Principal, now: datetime) -> dict[str, Any]:
    """Bills due this week, payments today, arrears by age, the billing run, the collection trend
    (what is owed and collected as of the snapshots' refresh; payments today and the run live)."""
    today = clock.today(now)
    monday, sunday = week_of(today)
    owed = billing.owed_summary(session, principal, today, monday, sunday)
    return {
        "week": (monday, sunday),
        "due_this_week": owed.in_window(),
        "due_estates": billing.estate_tallies(session, owed.top_estates(overdue=False)),
        "payments_today": billing.payments_on(session, principal, today),
        "aging": owed.aging(),
        "owed_as_of": owed.as_of,
        "arrears_estates": billing.estate_tallies(session, owed.top_estates(overdue=True)),
        "run": billing.run_state(session, principal, today),
        "collection": _collection_trend(*billing.collection_snapshot_by_period(session, principal,
                                                                                 trend_periods(today))),
        "current_period": periods.period_of(today),
    }


def technician_home(session, principal: Principal, now: datetime) -> dict[str, Any]:
    """The technician's open tasks, the nearest deadline first (the tasks page's own query)."""
    rows, total = ticket_service.list_tickets(session, principal, open_only=True, mine=True, limit=50)
    return {"tasks": readmodels.ticket_views(session, principal, rows, now=now), "total": total}


def auditor_home(session, principal: Principal, now: datetime, page: int = 1) -> dict[str, Any]:
    """The district's estates with last month's collection rate, SLA compliance and complaints,
    ESTATES_PER_PAGE at a time in code order."""
    today = clock.today(now)
    period = previous_period(today)
    # A city district has hundreds of estates: a screenful at a time, not one table of them all
    # (2,000 rows took 140 ms to render, and no one reads them on a phone).
    estates, shown = estate_overview.households_by_estate(session, principal, page=page, per_page=ESTATES_PER_PAGE)
    codes = [e.code for e in estates]
    by_estate = billing.collection_snapshot_by_estate(session, principal, period, codes)
    kpis = maintenance.kpis_by_estate(session, principal, period, now=now, codes=codes)
    rows = []
    for e in estates:
        kpi = kpis.get(e.code)
        rows.append({"estate": e, "collection": by_estate.get(e.code), "kpi": kpi,
                     "complaints_per_100": maintenance.per_100(kpi.complaints if kpi else 0, e.households)})
    return {"period": period, "rows": rows, "page": shown,
            "collection": _collection_trend(*billing.collection_snapshot_by_period(session, principal,
                                                                                   trend_periods(today)))}


def officer_home(session, principal: Principal, now: datetime, page: int = 1) -> dict[str, Any]:
    """The auditor's district overview, and the district's subsidy programmes (how many, what is
    left to allocate) linking to the programmes page."""
    from pms.subsidies.services import programs

    context = auditor_home(session, principal, now, page)
    found = programs.list_programs(session, principal)
    context["programmes"] = {"count": len(found),
                             "left_fen": sum(p.unallocated_fen or 0 for p in found)}
    return context


def care_worker_home(session, principal: Principal, now: datetime) -> dict[str, Any]:
    """The care worker's visits of today in time order, what is left of them, open safety alerts."""
    today = clock.today(now)
    visits = care_visits.visit_views(session, care_visits.list_visits(session, principal, today, mine=True))
    counts = {"to_do": sum(v.status in ("planned", "checked_in") for v in visits),
              "done": sum(v.status in ("checked_out", "confirmed") for v in visits),
              "missed": sum(v.status == "missed" for v in visits)}
    return {"visits": visits, "counts": counts,
            "alerts": care_alerts.count_open(session, principal) if may_do(principal, "eldercare.alert.read") else None,
            "queue": maintenance.queue_counts(session, principal, now=now)
            if may_do(principal, "maintenance.queue.home") else None}


HOMES: dict[str, tuple[str, Callable]] = {
    RESIDENT: ("home/resident.html", resident_home),
    MANAGER: ("home/manager.html", manager_home),
    ADMIN: ("home/manager.html", manager_home),
    FINANCE: ("home/finance.html", finance_home),
    TECHNICIAN: ("home/technician.html", technician_home),
    AUDITOR: ("home/auditor.html", auditor_home),
    OFFICER: ("home/officer.html", officer_home),
    CARE_WORKER: ("home/care_worker.html", care_worker_home),
}


# Homes with a list shown a page at a time (`?page=N`).
PAGED_HOMES = {AUDITOR, OFFICER}


def home_for(session, principal: Principal, *, now: datetime | None = None,
             page: int = 1) -> tuple[str, dict[str, Any]]:
    """(template, context) of the caller's home; every home also carries the unread count."""
    now = now or clock.now()
    template, build = HOMES[principal.role]
    context = build(session, principal, now, page) if principal.role in PAGED_HOMES else build(session, principal, now)
    context["unread"] = inbox.unread_count(session, principal.user_id)
    context["today"] = clock.today(now)
    return template, context
