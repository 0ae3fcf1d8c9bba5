"""Elevators and their preventive plans: 15-day maintenance, TSG T7001 inspections, work orders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from pms.core import audit, clock
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.db import insert_ignoring_conflicts, lock_and_refresh
from pms.core.errors import Conflict, Invalid
from pms.estates.models import Building, Entrance, Estate
from pms.maintenance import permissions, rules
from pms.maintenance.models import Equipment, MaintenancePlan, WorkOrder
from pms.maintenance.services.common import resolve_location
from pms.maintenance.services import overview

# How far ahead work orders are created: maintenance visits a month, inspections a quarter
# (the inspection body has to be booked).
HORIZON_DAYS = {"maintenance": 30, "inspection": 90}


def register_elevator(session, principal: Principal, *, estate: Estate, building: str, entrance: str,
                      registration_number: str, accepted_on: date, maintainer: str = "",
                      maintainer_phone: str = "") -> Equipment:
    """An entrance's elevator with its two plans: maintenance every 15 days and TSG inspections."""
    permissions.ensure(principal, "elevator.register")
    _e, b, e = resolve_location(session, principal, estate.code, building, entrance, field="entrance")
    if e is None:
        raise Invalid(_("Choose an entrance."), fields={"entrance": [_("Required.")]})
    number = (registration_number or "").strip()
    if not number:
        raise Invalid(_("The registration number is required."), fields={"registration_number": [_("Required.")]})
    if session.scalar(select(Equipment.id).where(Equipment.registration_number == number)):
        raise Conflict(_("An elevator with this registration number exists."))
    elevator = Equipment(estate_id=estate.id, building_id=b.id, entrance_id=e.id, kind="elevator",
                         registration_number=number, accepted_on=accepted_on,
                         maintainer=(maintainer or "").strip(), maintainer_phone=(maintainer_phone or "").strip())
    session.add(elevator)
    session.flush()
    session.add_all([
        MaintenancePlan(equipment_id=elevator.id, estate_id=estate.id, kind="maintenance",
                        interval_days=rules.MAINTENANCE_INTERVAL_DAYS, anchor_on=accepted_on),
        MaintenancePlan(equipment_id=elevator.id, estate_id=estate.id, kind="inspection",
                        interval_days=None, anchor_on=accepted_on),
    ])
    session.flush()
    audit.record(session, actor=principal.username, action="maintenance.elevator_register",
                 object_type="equipment", object_id=elevator.id, estate_id=estate.id,
                 payload={"registration_number": number, "accepted_on": accepted_on})
    return elevator


def due_dates(plan: MaintenancePlan, since: date, until: date) -> list[date]:
    """A plan's due dates in [since, until]."""
    if plan.kind == "inspection":
        return [d for d in rules.inspection_due_dates(plan.anchor_on, until) if d >= since]
    return list(rules.maintenance_due_dates(plan.anchor_on, until, plan.interval_days, since=since))


def generate_work_orders(session, *, today: Optional[date] = None,
                         horizon_days: Optional[dict] = None, estate_id: Optional[int] = None) -> int:
    """Create the work orders falling due from today to the horizon; returns how many are new.

    Idempotent through UNIQUE (plan_id, due_on, estate_id): a second run (or a run after a crash)
    inserts nothing twice.
    """
    today = today or clock.today()
    horizon = {**HORIZON_DAYS, **(horizon_days or {})}
    stmt = select(MaintenancePlan).where(MaintenancePlan.active.is_(True))
    if estate_id is not None:
        stmt = stmt.where(MaintenancePlan.estate_id == estate_id)
    rows = []
    for plan in session.scalars(stmt.order_by(MaintenancePlan.id)):
        until = today + timedelta(days=horizon[plan.kind])
        rows.extend(dict(plan_id=plan.id, equipment_id=plan.equipment_id, estate_id=plan.estate_id,
                         kind=plan.kind, due_on=d, status="open", overdue=False, note="",
                         created_at=clock.now())
                    for d in due_dates(plan, today, until))
    return len(insert_ignoring_conflicts(session, WorkOrder, rows, ("plan_id", "due_on", "estate_id"),
                                         returning=WorkOrder.id))


def flag_overdue(session, *, today: Optional[date] = None) -> int:
    """Flag open work orders whose due date has passed; returns how many were newly flagged."""
    today = today or clock.today()
    result = session.execute(update(WorkOrder)
                             .where(WorkOrder.status == "open", WorkOrder.due_on < today,
                                    WorkOrder.overdue.is_(False))
                             .values(overdue=True))
    session.flush()
    return result.rowcount or 0


def complete_work_order(session, principal: Principal, work_order_id: int, *, result: str,
                        note: str = "") -> WorkOrder:
    """Record a maintenance visit ('done') or an inspection result ('passed'/'failed')."""
    permissions.ensure(principal, "work_order.complete")
    order = lock_and_refresh(session, get_in_scope(session, WorkOrder, WorkOrder.id == work_order_id, principal=principal))
    allowed = ("passed", "failed") if order.kind == "inspection" else ("done",)
    if result not in allowed:
        raise Invalid(_("Wrong result for this work order."), fields={"result": [" / ".join(allowed)]})
    if order.status == "done" and not (order.kind == "inspection" and order.result == "failed"):
        raise Conflict(_("This work order is already done."))
    order.status, order.result, order.note = "done", result, (note or "").strip()[:500]
    order.overdue = False
    order.done_at, order.done_by_id = clock.now(), principal.user_id or None
    session.flush()
    # The homes' elevator counts show this result at once, not at the next refresh.
    overview.refresh_elevator_snapshot(session, estate_ids=[order.estate_id])
    audit.record(session, actor=principal.username, action="maintenance.work_order_done",
                 object_type="work_order", object_id=order.id, estate_id=order.estate_id,
                 payload={"result": result, "kind": order.kind, "due_on": order.due_on})
    return order


@dataclass
class ElevatorView:
    id: int
    estate_code: str
    place: str
    registration_number: str
    accepted_on: date
    maintainer: str
    maintainer_phone: str
    status: str  # in_service / stopped
    reason: str
    last_inspection_due: Optional[date]
    next_inspection_due: Optional[date]
    next_maintenance_due: Optional[date]
    overdue_orders: int


def inspection_state(accepted_on: date, results: list[tuple[date, str]], today: date) -> tuple[str, str]:
    """'stopped' when the latest inspection due date before today has no passed inspection on or
    after it, or the latest recorded inspection failed (an uninspected or failed elevator must
    stop). `results`: (due_on, result) of the inspection work orders with a result."""
    lapsed = rules.last_inspection_due_before(accepted_on, today)
    if results and max(results)[1] == "failed":
        return "stopped", _("The last periodic inspection failed.")
    if lapsed is not None and not any(r == "passed" and d >= lapsed for d, r in results):
        return "stopped", _("The periodic inspection due on %(day)s has lapsed.", day=lapsed.isoformat())
    return "in_service", ""


def inspection_results(session, equipment_ids: list[int]) -> dict[int, list[tuple[date, str]]]:
    """(due_on, result) of every recorded inspection of these elevators, in one query."""
    found: dict[int, list[tuple[date, str]]] = {i: [] for i in equipment_ids}
    if equipment_ids:
        for equipment_id, due_on, result in session.execute(
                select(WorkOrder.equipment_id, WorkOrder.due_on, WorkOrder.result)
                .join(MaintenancePlan, MaintenancePlan.id == WorkOrder.plan_id)
                .where(MaintenancePlan.kind == "inspection", WorkOrder.result.is_not(None),
                       WorkOrder.equipment_id.in_(equipment_ids))):
            found[equipment_id].append((due_on, result))
    return found


def elevator_status(session, elevator: Equipment, today: date) -> tuple[str, str]:
    """One elevator's state (see `inspection_state`)."""
    return inspection_state(elevator.accepted_on, inspection_results(session, [elevator.id])[elevator.id], today)


def list_elevators(session, principal: Principal, *, estate_id: Optional[int] = None,
                   today: Optional[date] = None) -> list[ElevatorView]:
    """Elevators in scope with their state and next due dates."""
    return elevator_page(session, principal, estate_id=estate_id, today=today)[0]


def get_elevator(session, principal: Principal, elevator_id: int) -> Equipment:
    """An elevator in scope (404 otherwise)."""
    return get_in_scope(session, Equipment, Equipment.id == elevator_id, principal=principal)


def elevator_page(session, principal: Principal, *, estate_id: Optional[int] = None, state: str = "all",
                  elevator_id: Optional[int] = None, limit: Optional[int] = None, offset: int = 0,
                  today: Optional[date] = None) -> tuple[list[ElevatorView], int]:
    """A page of the elevators in scope (estate code, then id order) that match the filters, and
    how many match. `state`: all, stopped (as the homes count them), or due (work due within a
    week, or overdue)."""
    today = today or clock.today()
    stmt = scoped(select(Equipment.id), Equipment, principal).join(Estate, Estate.id == Equipment.estate_id)
    if estate_id is not None:
        stmt = stmt.where(Equipment.estate_id == estate_id)
    if elevator_id is not None:
        stmt = stmt.where(Equipment.id == elevator_id)
    if state == "due":
        stmt = stmt.where(Equipment.id.in_(select(WorkOrder.equipment_id).where(*overview.work_due_by(today))))
    stmt = stmt.order_by(Estate.code, Equipment.id)
    end = None if limit is None else offset + limit
    if state == "stopped":  # the rule runs in Python: each elevator's inspection summary, then a slice
        ids = _stopped(session, stmt, today)
        return _elevator_views(session, ids[offset:end], today), len(ids)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = stmt.offset(offset) if limit is None else stmt.offset(offset).limit(limit)
    return _elevator_views(session, list(session.scalars(page)), today), total


def _stopped(session, stmt, today: date) -> list[int]:
    """The ids `stmt` selects, in its order, of the elevators that must stop (`overview.is_stopped`)."""
    results, failed = overview.inspection_summary()
    rows = session.execute(stmt.add_columns(MaintenancePlan.anchor_on, failed, results.c.last_passed)
                           .outerjoin(MaintenancePlan, (MaintenancePlan.equipment_id == Equipment.id)
                                      & (MaintenancePlan.kind == "inspection"))
                           .outerjoin(results, results.c.plan_id == MaintenancePlan.id))
    return [row[0] for row in rows if overview.is_stopped(row[1], row[2], row[3], today)]


def _elevator_views(session, ids: list[int], today: date) -> list[ElevatorView]:
    """The views of these elevators, in this order: places, overdue orders and inspection states
    in one query each, not per elevator."""
    if not ids:
        return []
    overdue_counts = (select(WorkOrder.equipment_id, func.count(WorkOrder.id).label("n"))
                      .where(WorkOrder.overdue.is_(True), WorkOrder.equipment_id.in_(ids))
                      .group_by(WorkOrder.equipment_id).subquery())
    rows = {row[0].id: row for row in session.execute(
        select(Equipment, Estate.code, Building.code, Entrance.code, func.coalesce(overdue_counts.c.n, 0))
        .join(Estate, Estate.id == Equipment.estate_id).join(Building, Building.id == Equipment.building_id)
        .join(Entrance, Entrance.id == Equipment.entrance_id)
        .outerjoin(overdue_counts, overdue_counts.c.equipment_id == Equipment.id)
        .where(Equipment.id.in_(ids)))}
    results = inspection_results(session, ids)  # states set-based, not per elevator
    views = []
    for el, estate_code, building_code, entrance_code, overdue in (rows[i] for i in ids):
        status, reason = inspection_state(el.accepted_on, results[el.id], today)
        inspections = list(rules.inspection_due_dates(el.accepted_on, today + timedelta(days=3660)))
        past = [d for d in inspections if d < today]
        future = [d for d in inspections if d >= today]
        if status == "stopped" and past:
            # A lapsed or failed inspection is still owed: it, not the next in the schedule, is due.
            future = [past[-1]]
        next_maint = next(rules.maintenance_due_dates(el.accepted_on, today + timedelta(days=30),
                                                      since=today), None)
        views.append(ElevatorView(id=el.id, estate_code=estate_code,
                                  place=f"{estate_code}-{building_code}-{entrance_code}",
                                  registration_number=el.registration_number, accepted_on=el.accepted_on,
                                  maintainer=el.maintainer, maintainer_phone=el.maintainer_phone,
                                  status=status, reason=reason,
                                  last_inspection_due=past[-1] if past else None,
                                  next_inspection_due=future[0] if future else None,
                                  next_maintenance_due=next_maint, overdue_orders=overdue))
    return views


@dataclass
class OpenOrder:
    """An open work order with its elevator's place, for the elevators page."""

    order: WorkOrder
    place: str
    registration_number: str


def open_orders(session, principal: Principal, *, estate_id: Optional[int] = None,
                limit: int = 50) -> list[OpenOrder]:
    """Open work orders in scope, earliest due first, with the elevator each is for."""
    # The page's orders first, from work_order alone (ix_work_order_status_due), then their places:
    # a day's orders company-wide are thousands, and joining them all before the limit cost 40 ms.
    first = scoped(select(WorkOrder.id), WorkOrder, principal).where(WorkOrder.status == "open")
    if estate_id is not None:
        first = first.where(WorkOrder.estate_id == estate_id)
    ids = list(session.scalars(first.order_by(WorkOrder.due_on, WorkOrder.id).limit(limit)))
    if not ids:
        return []
    stmt = (select(WorkOrder, Estate.code, Building.code, Entrance.code, Equipment.registration_number)
            .join(Equipment, Equipment.id == WorkOrder.equipment_id).join(Estate, Estate.id == Equipment.estate_id)
            .join(Building, Building.id == Equipment.building_id).join(Entrance, Entrance.id == Equipment.entrance_id)
            .where(WorkOrder.id.in_(ids)).order_by(WorkOrder.due_on, WorkOrder.id))
    return [OpenOrder(order, f"{estate}-{building}-{entrance}", number)
            for order, estate, building, entrance, number in session.execute(stmt)]


def list_work_orders(session, principal: Principal, *, estate_id: Optional[int] = None,
                     status: Optional[str] = None, overdue_only: bool = False,
                     limit: int = 100) -> list[WorkOrder]:
    stmt = scoped(select(WorkOrder), WorkOrder, principal)
    if estate_id is not None:
        stmt = stmt.where(WorkOrder.estate_id == estate_id)
    if status:
        stmt = stmt.where(WorkOrder.status == status)
    if overdue_only:
        stmt = stmt.where(WorkOrder.overdue.is_(True))
    return list(session.scalars(stmt.order_by(WorkOrder.due_on, WorkOrder.id).limit(limit)))
