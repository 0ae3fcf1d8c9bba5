"""Maintenance counts for the home pages: the open queue by urgency and SLA risk, unassigned
requests, elevators due or stopped, planned works, monthly opened/closed, KPIs per estate.

Each figure is one aggregate query over what the caller may see (`tickets.visible`,
`core.auth.scoped`), never a loop that queries per row. The elevators' counts at city scale are
read from a snapshot per estate (`elevator_snapshot`) that a job and each recorded result refresh.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional, Sequence

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, delete, func, or_, select, text

from pms.billing.rules import percent_one_decimal
from pms.core import clock
from pms.core.auth import Principal, scoped
from pms.core.db import upsert
from pms.core.sql import InIds
from pms.estates.models import Estate
from pms.maintenance import permissions, rules
from pms.maintenance.models import ElevatorSnapshot, MaintenancePlan, PlannedWork, Ticket, WorkOrder
from pms.maintenance.services import tickets as ticket_service
from pms.maintenance.services.kpis import month_bounds

# An open request is "at risk" when a deadline falls within this window (and none has passed).
AT_RISK_WITHIN = timedelta(hours=24)
RISKS = ("overdue", "at_risk", "on_track")
# Elevator work orders due within this many days count as "due" on the manager's home.
ELEVATOR_DUE_WITHIN_DAYS = 7


@dataclass
class QueueCounts:
    """Open requests: per urgency and SLA risk (overdue, at risk, on track), and unassigned ones."""

    by_urgency: dict[str, dict[str, int]]
    unassigned: int

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.by_urgency.values())

    def risk_total(self, risk: str) -> int:
        return sum(row[risk] for row in self.by_urgency.values())


@dataclass
class ElevatorCounts:
    due: int  # elevators with a maintenance or inspection order due within the window, or overdue
    stopped: int  # elevators that must not run (TSG T7001: inspection lapsed or failed)


@dataclass
class EstateKpi:
    """One estate's month for the auditor: SLA compliance and complaints per 100 households."""

    requests: int
    sla_met: int
    sla_breached: int
    complaints: int

    @property
    def sla_percent(self) -> Optional[str]:
        return percent_one_decimal(self.sla_met, self.sla_met + self.sla_breached)



def per_100(count: int, households: int) -> Optional[str]:
    """count × 100 ÷ households, one decimal, half-up ('1.5'); None for an estate without rooms."""
    return percent_one_decimal(count, households)


def _risk(now: datetime):
    """overdue: a deadline passed unmet; at_risk: the next unmet deadline is within a day."""
    not_responded = Ticket.responded_at.is_(None)
    overdue = or_(Ticket.resolve_by < now, and_(not_responded, Ticket.respond_by < now))
    soon = now + AT_RISK_WITHIN
    at_risk = or_(Ticket.resolve_by < soon, and_(not_responded, Ticket.respond_by < soon))
    return case((overdue, "overdue"), (at_risk, "at_risk"), else_="on_track")


def queue_counts(session, principal: Principal, *, now: Optional[datetime] = None) -> QueueCounts:
    """The open queue in the caller's view, per urgency × SLA risk, and how many have no technician."""
    now = now or clock.now()
    risk = _risk(now)
    stmt = ticket_service.visible(
        select(Ticket.urgency, risk, func.count(Ticket.id), func.sum(case((Ticket.assignee_id.is_(None), 1), else_=0)))
        .where(Ticket.status.in_(rules.OPEN_STATUSES)).group_by(Ticket.urgency, risk), principal)
    by_urgency = {u: {r: 0 for r in RISKS} for u in rules.URGENCIES}
    unassigned = 0
    for urgency, state, n, free in session.execute(stmt):
        by_urgency[urgency][state] = int(n)
        unassigned += int(free or 0)
    return QueueCounts(by_urgency=by_urgency, unassigned=unassigned)


def elevator_counts(session, principal: Principal, today: date) -> ElevatorCounts:
    """Elevators in scope: how many have work due within a week (or overdue), how many are stopped
    (live; the homes read `elevator_snapshot`)."""
    per_estate = _elevator_counts(session, lambda stmt, model: scoped(stmt, model, principal), today)
    return ElevatorCounts(due=sum(c.due for c in per_estate.values()),
                          stopped=sum(c.stopped for c in per_estate.values()))


def _elevator_counts(session, restrict, today: date) -> dict[int, ElevatorCounts]:
    """Per estate id that `restrict(stmt, model)` keeps and that has elevators: due and stopped.

    Stopped as `equipment.elevator_status` decides, for all elevators at once: the latest recorded
    inspection failed, or the latest inspection date already passed (TSG T7001 years, from the
    plan's anchor) without a passed inspection since. One aggregate over the inspection results
    (ix_work_order_inspection_results) gives each plan's last result day, last failure and last
    pass (a plan has one order per day: the last result failed when the last failure is the last
    result); elevators alike (same estate, acceptance day, last result, last pass: retrofits come
    in batches) are counted together, so the rule runs once per group, not once per elevator.
    """
    counts: dict[int, ElevatorCounts] = {}
    for estate_id, n in session.execute(restrict(
            select(WorkOrder.estate_id, func.count(func.distinct(WorkOrder.equipment_id)))
            .where(*work_due_by(today)).group_by(WorkOrder.estate_id), WorkOrder)):
        counts[estate_id] = ElevatorCounts(due=int(n), stopped=0)
    results, failed = inspection_summary()
    groups = session.execute(restrict(
        select(MaintenancePlan.estate_id, MaintenancePlan.anchor_on, failed, results.c.last_passed, func.count())
        .outerjoin(results, results.c.plan_id == MaintenancePlan.id)
        .where(MaintenancePlan.kind == "inspection")
        .group_by(MaintenancePlan.estate_id, MaintenancePlan.anchor_on, failed, results.c.last_passed),
        MaintenancePlan)).all()
    for estate_id, anchor, last_failed, passed_on, n in groups:
        found = counts.setdefault(estate_id, ElevatorCounts(due=0, stopped=0))
        if is_stopped(anchor, last_failed, passed_on, today):
            found.stopped += int(n)
    return counts


def work_due_by(today: date) -> tuple:
    """Work orders that make an elevator "due": open and due within a week, or overdue.

    Overdue orders are open ones due before today (`equipment.flag_overdue`), so this is one range
    of ix_work_order_status_due."""
    return WorkOrder.status == "open", WorkOrder.due_on <= today + timedelta(days=ELEVATOR_DUE_WITHIN_DAYS)


def inspection_summary():
    """Per inspection plan: its last result day, last failure and last pass (a subquery with
    plan_id, last_due, last_failed, last_passed) and the expression "its last result failed" (a plan
    has one order per day, so the last result failed when the last failure is the last result)."""
    # A literal, so PostgreSQL's generic plans still match the partial index.
    inspected = text("work_order.kind = 'inspection' AND work_order.result IS NOT NULL")
    results = (select(WorkOrder.plan_id, func.max(WorkOrder.due_on).label("last_due"),
                      func.max(case((WorkOrder.result == "failed", WorkOrder.due_on))).label("last_failed"),
                      func.max(case((WorkOrder.result == "passed", WorkOrder.due_on))).label("last_passed"))
               .where(inspected).group_by(WorkOrder.plan_id).subquery())
    return results, case((results.c.last_failed == results.c.last_due, 1), else_=0)


def is_stopped(anchor: Optional[date], last_failed: int, passed_on: Optional[date], today: date) -> bool:
    """Whether an elevator must stop (TSG T7001): its last inspection failed, or the latest
    inspection date before today (from the plan's anchor) passed without a passed inspection since."""
    if anchor is None:  # no inspection plan
        return False
    lapsed = rules.last_inspection_due_before(anchor, today)
    return bool(last_failed) or (lapsed is not None and (passed_on is None or passed_on < lapsed))


def refresh_elevator_snapshot(session, *, today: Optional[date] = None, estate_ids: Optional[list[int]] = None,
                              now: Optional[datetime] = None) -> int:
    """Rewrite the snapshot rows of `estate_ids` (else of every estate with elevators; rows of
    estates without any left are dropped) from the live counts, as of `now`. Rows written."""
    now = now or clock.now()
    today = today or clock.today(now)
    if estate_ids is None:
        restrict = lambda stmt, _model: stmt  # noqa: E731  (every estate)
    else:
        restrict = lambda stmt, model: stmt.where(InIds(model.estate_id, estate_ids))  # noqa: E731
    counts = _elevator_counts(session, restrict, today)
    targets = sorted(counts) if estate_ids is None else sorted(set(estate_ids))
    if estate_ids is None:
        session.execute(delete(ElevatorSnapshot).where(ElevatorSnapshot.estate_id.not_in(targets or [0])))
    values = [{"estate_id": estate_id, "due": counts.get(estate_id, ElevatorCounts(0, 0)).due,
               "stopped": counts.get(estate_id, ElevatorCounts(0, 0)).stopped, "refreshed_at": now}
              for estate_id in targets]
    upsert(session, ElevatorSnapshot, values, ("estate_id",))
    return len(values)


def elevator_snapshot(session, principal: Principal) -> tuple[ElevatorCounts, Optional[datetime]]:
    """`elevator_counts` as of the last refresh, summed in SQL, and when that was (the oldest row
    read; None before the first refresh)."""
    due, stopped, as_of = session.execute(scoped(
        select(func.sum(ElevatorSnapshot.due), func.sum(ElevatorSnapshot.stopped),
               func.min(ElevatorSnapshot.refreshed_at)), ElevatorSnapshot, principal)).one()
    return ElevatorCounts(due=int(due or 0), stopped=int(stopped or 0)), as_of


def planned_works_between(session, principal: Principal, start: datetime, end: datetime) -> int:
    """Planned works in scope (not cancelled) that are under way at some point in [start, end)."""
    return session.scalar(scoped(select(func.count(PlannedWork.id)).where(
        PlannedWork.cancelled_at.is_(None), PlannedWork.starts_at < end, PlannedWork.ends_at > start),
        PlannedWork, principal)) or 0


@functools.cache
def _monthly_counts(months: int):
    """SELECT of submitted and finished counts for `months` consecutive months whose bounds are the
    bind parameters b0 … b<months>: built once per length (building 2 × 12 CASE expressions cost
    more than running the query)."""
    finished_at = func.coalesce(Ticket.resolved_at, Ticket.closed_at)
    bounds = [bindparam(f"b{i}", type_=Ticket.__table__.c.submitted_at.type) for i in range(months + 1)]
    columns = []
    for start, end in zip(bounds, bounds[1:]):
        columns.append(func.sum(case((and_(Ticket.submitted_at >= start, Ticket.submitted_at < end), 1), else_=0)))
        columns.append(func.sum(case((and_(Ticket.status.in_(("resolved", "closed")),
                                           finished_at >= start, finished_at < end), 1), else_=0)))
    first, last = bounds[0], bounds[-1]
    return select(*columns).where(Ticket.status != "cancelled",
                                  or_(and_(Ticket.submitted_at >= first, Ticket.submitted_at < last),
                                      and_(finished_at >= first, finished_at < last)))


def opened_closed_by_month(session, principal: Principal, period_list: list[str]) -> tuple[list[int], list[int]]:
    """Requests submitted per month, and requests finished (resolved, or closed) per month, of the
    consecutive months in `period_list` (Beijing months); cancelled requests count in neither."""
    tz = clock.timezone()
    bounds = [month_bounds(p, tz)[0] for p in period_list] + [month_bounds(period_list[-1], tz)[1]]
    stmt = ticket_service.visible(_monthly_counts(len(period_list)), principal)
    row = session.execute(stmt, {f"b{i}": bound for i, bound in enumerate(bounds)}).one()
    values = [int(v or 0) for v in row]
    return values[0::2], values[1::2]


def kpis_by_estate(session, principal: Principal, period: str, *, now: Optional[datetime] = None,
                   codes: Optional[Sequence[str]] = None) -> dict[str, EstateKpi]:
    """Per estate in scope (of `codes` only, if given) with requests submitted in `period`
    (cancelled ones left out): SLA met/breached exactly as `kpis.estate_kpis` counts them, and
    complaints."""
    permissions.ensure(principal, "kpis.read")
    now = now or clock.now()
    start, end = month_bounds(period, clock.timezone())
    done_at = case((Ticket.status.in_(("resolved", "closed")), Ticket.resolved_at), else_=None)
    resp_bad = or_(and_(Ticket.responded_at.is_not(None), Ticket.responded_at > Ticket.respond_by),
                   and_(Ticket.responded_at.is_(None), Ticket.respond_by < now))
    res_bad = or_(and_(done_at.is_not(None), done_at > Ticket.resolve_by),
                  and_(done_at.is_(None), Ticket.resolve_by < now))
    met = and_(Ticket.responded_at.is_not(None), Ticket.responded_at <= Ticket.respond_by,
               done_at.is_not(None), done_at <= Ticket.resolve_by)
    breached = or_(resp_bad, res_bad)
    stmt = (select(Estate.code, func.count(Ticket.id),
                   func.sum(case((breached, 1), else_=0)),
                   func.sum(case((and_(met, ~breached), 1), else_=0)),
                   func.sum(case((Ticket.is_complaint.is_(True), 1), else_=0)))
            .join(Estate, Estate.id == Ticket.estate_id)
            .where(Ticket.submitted_at >= start, Ticket.submitted_at < end, Ticket.status != "cancelled")
            .group_by(Estate.code))
    if codes is not None:
        stmt = stmt.where(Estate.code.in_(list(codes)))
    stmt = scoped(stmt, Ticket, principal)
    return {code: EstateKpi(requests=int(n), sla_breached=int(b or 0), sla_met=int(m or 0), complaints=int(c or 0))
            for code, n, b, m, c in session.execute(stmt)}


def next_step(status: str) -> str:
    """What happens next to a resident's request, in words."""
    return {
        "submitted": _("The property office will accept it."),
        "accepted": _("A technician will be assigned."),
        "assigned": _("The technician will come to repair it."),
        "in_progress": _("The repair is under way."),
        "reopened": _("The property office is looking at it again."),
        "resolved": _("Check the repair, then confirm and rate it."),
    }.get(status, "")


def open_requests_of_own(session, principal: Principal, *, limit: int = 20) -> list[Ticket]:
    """A resident's requests still in progress or waiting for their confirmation, oldest first."""
    if not permissions.has_own_rooms(principal):
        return []
    stmt = ticket_service.visible(select(Ticket).where(Ticket.status.in_((*rules.OPEN_STATUSES, "resolved"))),
                                  principal)
    return list(session.scalars(stmt.order_by(Ticket.submitted_at, Ticket.id).limit(limit)))
