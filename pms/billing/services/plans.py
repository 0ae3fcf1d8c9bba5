"""Fee plans: validate the CONTRACT.md document against the estate, store it normalised, find the
plan in force for a period, and describe plans in plain words for the fee page."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Sequence

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from pms.billing import permissions
from pms.billing.models import (BillingRun, FeeItem, FeeItemEntrance, FeeItemFloorWeight, FeeItemRoom,
                                FeePlan, FeePlanSubsidy)
from pms.billing.schemas.bills import FeePlanDocumentSchema
from pms.core import audit
from pms.core.api import load_data
from pms.core.auth import Principal
from pms.core.db import lock_row
from pms.core.errors import Invalid
from pms.core.periods import add_months
from pms.estates.models import Building, Entrance, Estate, Room
from pms.subsidies.services import programs_by_code


@dataclass
class PlanWarning:
    """Something odd in a plan that does not stop it from loading."""

    field: str
    message: str


@dataclass
class AppliedPlan:
    """A stored plan and what the loader had to say about it."""

    plan: FeePlan
    warnings: list[PlanWarning] = field(default_factory=list)


def canonical_json(document: dict) -> str:
    """The document as stored: sorted keys, no whitespace, UTF-8 text."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def may_load(principal: Principal) -> bool:
    """Whether the caller may load fee plan documents (the page shows the upload form)."""
    return permissions.may(principal, "fee_plan.load")


def ensure_may_load(principal: Principal) -> None:
    """403 unless the caller may load a fee plan document."""
    permissions.ensure(principal, "fee_plan.load")


def ensure_may_read(principal: Principal) -> None:
    """403 unless the caller may read an estate's fee plans."""
    permissions.ensure(principal, "fee_plan.read")


def plan_in_force(session, estate_id: int, period: str) -> Optional[FeePlan]:
    """The plan whose effective_from is the latest one ≤ period, or None."""
    return plans_in_force(session, [estate_id], period).get(estate_id)


def plans_in_force(session, estate_ids: Sequence[int], period: str) -> dict[int, FeePlan]:
    """Each estate's plan in force in `period` (the latest effective_from ≤ period), in one query."""
    if not estate_ids:
        return {}
    latest = (select(FeePlan.estate_id, func.max(FeePlan.effective_from).label("effective_from"))
              .where(FeePlan.estate_id.in_(list(estate_ids)), FeePlan.effective_from <= period)
              .group_by(FeePlan.estate_id).subquery())
    return {plan.estate_id: plan for plan in session.scalars(
        select(FeePlan).join(latest, (latest.c.estate_id == FeePlan.estate_id)
                             & (latest.c.effective_from == FeePlan.effective_from)))}


def plans_of_estate(session, estate_id: int) -> list[FeePlan]:
    """Every plan of an estate, oldest first."""
    return list(session.scalars(select(FeePlan).where(FeePlan.estate_id == estate_id)
                                .order_by(FeePlan.effective_from)))


def plan_until(plans: list[FeePlan], plan: FeePlan) -> Optional[str]:
    """The last period a plan applies to (None: until further notice)."""
    later = [p.effective_from for p in plans if p.effective_from > plan.effective_from]
    return add_months(min(later), -1) if later else None


def last_billed_period(session, estate_id: int) -> Optional[str]:
    return session.scalar(select(func.max(BillingRun.period)).where(BillingRun.estate_id == estate_id))


def validate_document(session, estate: Estate, payload) -> tuple[dict, list[PlanWarning]]:
    """The loaded document (422 with field paths when invalid) and its warnings."""
    document = load_data(FeePlanDocumentSchema(), payload)
    errors: dict[str, list[str]] = {}
    warnings: list[PlanWarning] = []

    def error(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    if document.get("estate", estate.code) != estate.code:
        error("estate", _("This plan names estate %(doc)s, not %(estate)s.", doc=document["estate"],
                          estate=estate.code))
    document["estate"] = estate.code
    start = document["effective_from"]
    if session.scalar(select(FeePlan.id).where(FeePlan.estate_id == estate.id,
                                               FeePlan.effective_from == start)) is not None:
        error("effective_from", _("A plan from %(period)s already exists for this estate.", period=start))
    billed = last_billed_period(session, estate.id)
    if billed is not None and start <= billed:
        error("effective_from", _("%(billed)s is already billed; a new plan may start from %(next)s.",
                                  billed=billed, next=add_months(billed, 1)))

    entrances = _entrances(session, estate.id)
    room_ids = _room_ids(session, estate.id, {code for item in document["items"]
                                              for code in item.get("rooms", ())})
    for i, item in enumerate(document["items"]):
        if item["kind"] == "elevator_share":
            weights = {int(k): v for k, v in item["floor_weights"].items()}
            seen: set[str] = set()
            for j, code in enumerate(item["entrances"]):
                path = f"items.{i}.entrances.{j}"
                if code in seen:
                    error(path, _("Entrance %(code)s is listed twice.", code=code))
                elif code not in entrances:
                    error(path, _("Estate %(estate)s has no entrance %(code)s.", estate=estate.code, code=code))
                else:
                    seen.add(code)
                    floors = entrances[code][1]
                    if item["monthly_cost_fen"] > 0 and not any(weights.get(f, 0) for f in floors):
                        error(path, _("No room of entrance %(code)s is on a floor with a weight above 0.",
                                      code=code))
                    for floor in sorted(set(weights) - floors):
                        warnings.append(PlanWarning(
                            f"items.{i}.floor_weights.{floor}",
                            _("Entrance %(code)s has no floor %(floor)d; this weight is not used there.",
                              code=code, floor=floor)))
        listed: set[str] = set()
        for j, code in enumerate(item.get("rooms", ())):
            path = f"items.{i}.rooms.{j}"
            if code in listed:
                error(path, _("Room %(code)s is listed twice.", code=code))
            elif code not in room_ids:
                error(path, _("Estate %(estate)s has no room %(code)s.", estate=estate.code, code=code))
            listed.add(code)

    programs = programs_by_code(session, [s["program"] for s in document["subsidies"]])
    for i, subsidy in enumerate(document["subsidies"]):
        program = programs.get(subsidy["program"])
        if program is None:
            error(f"subsidies.{i}.program", _("Unknown programme %(code)s.", code=subsidy["program"]))
        elif program.district_id != estate.district_id:
            error(f"subsidies.{i}.program", _("Programme %(code)s belongs to another district.",
                                              code=subsidy["program"]))
        for period in sorted(subsidy["percent_by_period"]):
            if period < start:
                warnings.append(PlanWarning(f"subsidies.{i}.percent_by_period.{period}",
                                            _("Before effective_from: this plan never bills %(period)s.",
                                              period=period)))
    if errors:
        raise Invalid(_("The fee plan is invalid."), fields=errors)
    return document, warnings


def _entrances(session, estate_id: int) -> dict[str, tuple[int, set[int]]]:
    """'BUILDING-ENTRANCE' → (entrance id, floors that have rooms)."""
    rows = session.execute(
        select(Building.code, Entrance.code, Entrance.id, Room.floor)
        .join(Entrance, Entrance.building_id == Building.id)
        .outerjoin(Room, Room.entrance_id == Entrance.id)
        .where(Building.estate_id == estate_id)
        .group_by(Building.code, Entrance.code, Entrance.id, Room.floor)).all()
    found: dict[str, tuple[int, set[int]]] = {}
    for b_code, e_code, entrance_id, floor in rows:
        entry = found.setdefault(f"{b_code}-{e_code}", (entrance_id, set()))
        if floor is not None:
            entry[1].add(floor)
    return found


def _room_ids(session, estate_id: int, codes: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), 500):
        chunk = codes_list[start:start + 500]
        found.update(dict(session.execute(select(Room.code, Room.id).where(
            Room.estate_id == estate_id, Room.code.in_(chunk))).all()))
    return found


def apply_fee_plan(session, estate: Estate, payload, *, actor: str = "system") -> AppliedPlan:
    """Validate a fee plan document for `estate` and store it normalised (flush only)."""
    # The estate's billing lock: a billing run of the estate waits, so a plan can never start in a
    # period that a run is billing with the old plan at the same moment.
    lock_row(session, Estate, estate.id)
    document, warnings = validate_document(session, estate, payload)
    late = document["late_fee"]
    plan = FeePlan(estate_id=estate.id, effective_from=document["effective_from"],
                   due_day=document["due_day"],
                   late_fee_daily_rate_per_10k=late["daily_rate_per_10k"] if late else None,
                   late_fee_grace_days=late["grace_days"] if late else None,
                   late_fee_cap_percent=late["cap_percent"] if late else None,
                   document=canonical_json(document), created_by=actor)
    session.add(plan)
    session.flush()
    entrances = _entrances(session, estate.id)
    room_ids = _room_ids(session, estate.id, {c for item in document["items"] for c in item.get("rooms", ())})
    entrance_rows, weight_rows, room_rows = [], [], []
    for position, item in enumerate(document["items"]):
        fee_item = FeeItem(fee_plan_id=plan.id, estate_id=estate.id, position=position,
                           code=item["code"], name=item["name"], kind=item["kind"],
                           rate_fen_per_m2=item.get("rate_fen_per_m2"),
                           usages=",".join(item["usages"]) if item.get("usages") else None,
                           monthly_cost_fen=item.get("monthly_cost_fen"),
                           amount_fen=item.get("amount_fen"),
                           all_rooms=not item.get("rooms"))
        session.add(fee_item)
        session.flush()
        entrance_rows += [dict(fee_item_id=fee_item.id, estate_id=estate.id,
                               entrance_id=entrances[code][0]) for code in item.get("entrances", ())]
        weight_rows += [dict(fee_item_id=fee_item.id, estate_id=estate.id, floor=int(floor), weight=w)
                        for floor, w in (item.get("floor_weights") or {}).items()]
        room_rows += [dict(fee_item_id=fee_item.id, estate_id=estate.id, room_id=room_ids[code])
                      for code in item.get("rooms", ())]
    programs = programs_by_code(session, [s["program"] for s in document["subsidies"]])
    subsidy_rows = [dict(fee_plan_id=plan.id, estate_id=estate.id, program_id=programs[s["program"]].id,
                         item_code=s["item"], period=period, percent=percent)
                    for s in document["subsidies"] for period, percent in s["percent_by_period"].items()]
    for model, rows in ((FeeItemEntrance, entrance_rows), (FeeItemFloorWeight, weight_rows),
                        (FeeItemRoom, room_rows), (FeePlanSubsidy, subsidy_rows)):
        if rows:
            session.execute(insert(model), rows)
    audit.record(session, actor=actor, action="fee_plan.apply", object_type="fee_plan",
                 object_id=plan.id, estate_id=estate.id,
                 payload={"effective_from": plan.effective_from, "items": len(document["items"]),
                          "warnings": len(warnings)})
    return AppliedPlan(plan=plan, warnings=warnings)


def plan_document(plans: list[FeePlan], plan: FeePlan, warnings=()) -> dict:
    """A stored plan as the API shows it: the document plus id, until and warnings."""
    document = json.loads(plan.document)
    document.update(id=plan.id, until=plan_until(plans, plan), created_at=plan.created_at,
                    created_by=plan.created_by,
                    warnings=[{"field": w.field, "message": w.message} for w in warnings])
    return document


# ---- the fee page: plans in plain words ---------------------------------------------------

@dataclass
class ItemView:
    code: str
    name: str
    kind: str
    rate_fen_per_m2: Optional[int] = None
    usages: list[str] = field(default_factory=list)
    monthly_cost_fen: Optional[int] = None
    entrances: list[str] = field(default_factory=list)
    floor_weights: list[tuple[int, int]] = field(default_factory=list)
    amount_fen: Optional[int] = None
    rooms: list[str] = field(default_factory=list)
    subsidies: list[tuple[str, str, list[tuple[str, int]]]] = field(default_factory=list)  # program code, name, [(period, %)]


@dataclass
class PlanView:
    id: int
    effective_from: str
    until: Optional[str]
    due_day: int
    late_fee: Optional[dict]
    items: list[ItemView]
    billed_periods: list[str]
    in_force: bool
    created_at: datetime
    created_by: str


def describe_plans(session, estate: Estate, current_period: str) -> list[PlanView]:
    """The estate's plans, newest first, as plain data for the fee page."""
    plans = plans_of_estate(session, estate.id)
    in_force = plan_in_force(session, estate.id, current_period)
    billed: dict[int, list[str]] = {}
    for plan_id, period in session.execute(select(BillingRun.fee_plan_id, BillingRun.period)
                                           .where(BillingRun.estate_id == estate.id)
                                           .order_by(BillingRun.period)):
        billed.setdefault(plan_id, []).append(period)
    from pms.subsidies.models import Program
    names = dict(session.execute(select(Program.code, Program.name)).all()) if plans else {}
    views = []
    for plan in reversed(plans):
        document = json.loads(plan.document)
        subsidies: dict[str, list] = {}
        for s in document.get("subsidies", []):
            subsidies.setdefault(s["item"], []).append(
                (s["program"], names.get(s["program"], ""), sorted(s["percent_by_period"].items())))
        items = [ItemView(code=i["code"], name=i["name"], kind=i["kind"],
                          rate_fen_per_m2=i.get("rate_fen_per_m2"), usages=i.get("usages") or [],
                          monthly_cost_fen=i.get("monthly_cost_fen"), entrances=i.get("entrances") or [],
                          floor_weights=sorted((int(k), v) for k, v in (i.get("floor_weights") or {}).items()),
                          amount_fen=i.get("amount_fen"), rooms=i.get("rooms") or [],
                          subsidies=subsidies.get(i["code"], []))
                 for i in document["items"]]
        views.append(PlanView(id=plan.id, effective_from=plan.effective_from,
                              until=plan_until(plans, plan), due_day=plan.due_day,
                              late_fee=document.get("late_fee"), items=items,
                              billed_periods=billed.get(plan.id, []),
                              in_force=in_force is not None and in_force.id == plan.id,
                              created_at=plan.created_at, created_by=plan.created_by))
    return views
