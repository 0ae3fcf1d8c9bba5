"""Demo data for maintenance: requests in every state, renovation projects in and out of
warranty, the elevator of every entrance billed for one (with plans and inspections, one in four
with a lapsed inspection), the inspection certificate of the first estate's newest elevator,
planned water works.

`seed(session, ctx)` is discovered by the demo framework; ctx carries `rng` (random.Random),
`today` (date), `company`, `estates` (list of Estate) and `users` (dict role → User).
Everything is derived from ctx.rng and ctx.today, so a seed gives the same data.
"""
from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Optional

from sqlalchemy import func, select

from pms.accounts.models import User, UserRoom
from pms.accounts.services import build_principal
from pms.core import clock, periods
from pms.core.auth import system_principal
from pms.core.db import insert_ignoring_conflicts
from pms.estates.models import Building, Entrance, Estate, Room
from pms.maintenance import rules
from pms.maintenance.models import Equipment, MaintenancePlan, RenovationProject, WorkOrder
from pms.maintenance.services import (alerts, certificates, costs, equipment, overview, photos, sla, tickets, warranty,
                                     works)

DESCRIPTIONS = {
    "plumbing": ["厨房下水道堵塞", "卫生间水管滴漏", "楼上渗水到我家天花板"],
    "electrical": ["客厅插座没电", "空气开关频繁跳闸"],
    "roof_leak": ["下雨后顶楼卧室漏水", "屋面防水层起鼓"],
    "exterior_wall": ["外墙保温层脱落", "外墙面砖松动"],
    "elevator": ["电梯门关不上", "电梯运行有异响"],
    "heating": ["暖气片不热", "暖气阀门漏水"],
    "public_lighting": ["楼道声控灯不亮", "小区路灯不亮"],
    "access_control": ["单元门禁刷卡无反应"],
    "greenery": ["树枝遮挡窗户需要修剪"],
    "other": ["自行车棚顶棚破损"],
}
# (final status, how many per estate) — every state appears.
PLAN = [("submitted", 2), ("accepted", 1), ("assigned", 2), ("in_progress", 2), ("resolved", 2),
        ("closed", 6), ("reopened", 1), ("cancelled", 1)]


def _principal(session, user: Optional[User]):
    return build_principal(session, user) if user is not None else system_principal()


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.timezone())


def _photo(color) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG")
    return out.getvalue()


DEMO_ESTATES = 3
# After billing (its elevators are the entrances billed for one), before subsidies (which claim an
# elevator subsidy on the certificate recorded here).
ORDER = 70


def seed(session, ctx) -> None:
    """Add the maintenance part of the demo."""
    rng, today = ctx.rng, ctx.today
    # ctx carries plain values (the earlier step's session is closed): load the rows here.
    users = {name: session.get(User, user.id) for name, user in ctx.users.items()}
    estates = [session.get(Estate, estate.id) for estate in ctx.estates]
    seeded = session.scalar(select(RenovationProject.id).where(
        RenovationProject.estate_id.in_([e.id for e in estates[:DEMO_ESTATES]])).limit(1))
    if seeded is not None:
        return  # loaded before: a second `pms demo load` adds nothing
    manager = _principal(session, users.get("manager"))
    tech_user = users.get("technician") or session.scalar(
        select(User).where(User.role == "technician", User.company_id == ctx.company.id).order_by(User.id))
    tech = _principal(session, tech_user) if tech_user else None
    resident_user = users.get("resident")
    resident = _principal(session, resident_user) if resident_user else None
    resident_rooms = set(session.scalars(select(UserRoom.room_id).where(UserRoom.user_id == resident_user.id))) \
        if resident_user else set()
    # A large demo (--households 100000) gets the full maintenance story in its first estates only.
    for index, estate in enumerate(estates[:DEMO_ESTATES]):
        entrances = session.execute(
            select(Building.code, Entrance.code, Entrance.id).join(Entrance, Entrance.building_id == Building.id)
            .where(Building.estate_id == estate.id).order_by(Building.id, Entrance.id)).all()
        if not entrances:
            continue
        _projects(session, manager, estate, entrances, today, index)
        _tickets(session, rng, today, estate, manager, tech, tech_user, resident, resident_rooms)
        if index == 0:
            _planned_works(session, manager, estate, entrances, today, resident_rooms)
    # Every estate, not only the first ones: an entrance billed for an elevator has it registered.
    for estate in estates:
        _elevators(session, manager, estate, today)
    if estates:
        _certificate(session, tech or manager, estates[0], today)
    equipment.generate_work_orders(session, today=today)
    equipment.flag_overdue(session, today=today)
    alerts.check_sla(session, now=_local(today, 0))
    overview.refresh_elevator_snapshot(session, today=today)  # the homes start from the loaded elevators


def _projects(session, manager, estate, entrances, today, index):
    b0, e0 = entrances[0][0], entrances[0][1]
    older = today - timedelta(days=3 * 365 + 120)   # pipes/heating out of warranty, roof/walls in
    recent = today - timedelta(days=200)            # everything in warranty
    warranty.create_project(session, manager, estate=estate, name="2022 综合整治", contractor="北京城建修缮工程有限公司",
                            contractor_phone="010-6655 1200", accepted_on=older, components=[
                                warranty.ComponentInput("roof_waterproofing"),
                                warranty.ComponentInput("exterior_wall"),
                                warranty.ComponentInput("insulation"),
                                warranty.ComponentInput("water_pipes"),
                                warranty.ComponentInput("heating"),
                                warranty.ComponentInput("electrical")])
    warranty.create_project(session, manager, estate=estate, name=f"{today.year} 管线更新（{b0}号楼{e0}单元）",
                            contractor="京诚管道安装有限公司", contractor_phone="010-8899 3300",
                            accepted_on=recent, components=[
                                warranty.ComponentInput("water_pipes", building=b0, entrance=e0),
                                warranty.ComponentInput("drainage_pipes", building=b0, entrance=e0),
                                warranty.ComponentInput("wet_room_waterproofing", building=b0, entrance=e0,
                                                        warranty_ends_on=rules.add_years(recent, 6),
                                                        note="合同约定6年")])


# Elevator stories, by position among an estate's elevators: (days since acceptance, whether the
# last inspection due was passed). Every fourth, from the third, is 4+ years old and its year-4 inspection lapsed, so it
# is stopped (停用) with that inspection overdue; the others are retrofits of the 2020s in service.
ELEVATOR_AGES = [(200, True), (2 * 365 + 30, True), (4 * 365 + 60, False), (3 * 365 + 100, True)]


def billed_elevator_entrances(session, estate: Estate) -> list[tuple[str, str, int]]:
    """(building code, entrance code, entrance id) of every entrance the estate's fee plans bill an
    elevator share for: the entrances that have a retrofitted elevator."""
    from pms.billing.models import FeeItem, FeeItemEntrance

    return [tuple(r) for r in session.execute(
        select(Building.code, Entrance.code, Entrance.id).distinct()
        .join(Entrance, Entrance.building_id == Building.id)
        .join(FeeItemEntrance, FeeItemEntrance.entrance_id == Entrance.id)
        .join(FeeItem, FeeItem.id == FeeItemEntrance.fee_item_id)
        .where(FeeItem.estate_id == estate.id, FeeItem.kind == "elevator_share")
        .order_by(Entrance.id)).all()]


def _elevators(session, manager, estate, today):
    """Register the elevator of every entrance billed for one, with its plans and past inspections."""
    registered = set(session.scalars(select(Equipment.entrance_id).where(Equipment.estate_id == estate.id)))
    rows = []
    for index, (b, e, entrance_id) in enumerate(billed_elevator_entrances(session, estate)):
        if entrance_id in registered:
            continue
        age_days, inspected = ELEVATOR_AGES[index % len(ELEVATOR_AGES)]
        accepted = today - timedelta(days=age_days)
        elevator = equipment.register_elevator(
            session, manager, estate=estate, building=b, entrance=e,
            registration_number=f"T{estate.code}-{b}-{e}", accepted_on=accepted,
            maintainer="京畿电梯维保有限公司", maintainer_phone="400-810-0000")
        plan = session.scalar(select(MaintenancePlan).where(MaintenancePlan.equipment_id == elevator.id,
                                                            MaintenancePlan.kind == "inspection"))
        past = [d for d in rules.inspection_due_dates(accepted, today) if d < today]
        for i, d in enumerate(past):
            passed = inspected or i < len(past) - 1
            # the lapsed one is an open work order, flagged overdue by flag_overdue below
            rows.append(dict(plan_id=plan.id, equipment_id=elevator.id, estate_id=estate.id, kind="inspection",
                             due_on=d, status="done" if passed else "open", result="passed" if passed else None,
                             overdue=False, note="检验合格" if passed else "",
                             done_at=_local(d - timedelta(days=3), 10) if passed else None,
                             created_at=_local(d - timedelta(days=30), 2)))
    insert_ignoring_conflicts(session, WorkOrder, rows, ("plan_id", "due_on", "estate_id"))


def _certificate(session, recorder, estate, today):
    """The special-equipment inspection certificate of the estate's newest elevator, issued on the
    10th of last month (a closed month: the subsidies demo claims the elevator subsidy on it)."""
    elevator = session.scalar(select(Equipment).where(Equipment.estate_id == estate.id)
                              .order_by(Equipment.accepted_on.desc(), Equipment.id))
    if elevator is None:
        return
    issued = periods.first_day(periods.add_months(periods.period_of(today), -1)) + timedelta(days=9)
    certificates.record_certificate(session, recorder, elevator.id,
                                    number=f"TJ{issued:%Y%m}-{elevator.registration_number}", issued_on=issued,
                                    issuer="北京市特种设备检验检测研究院",
                                    valid_until=rules.add_years(issued, 1) - timedelta(days=1))


def _tickets(session, rng, today, estate, manager, tech, tech_user, resident, resident_rooms):
    rooms = list(session.scalars(select(Room).where(Room.estate_id == estate.id).order_by(Room.code)))
    if not rooms:
        return
    own = [r for r in rooms if r.id in resident_rooms]
    lifts = {entrance_id for _b, _e, entrance_id in billed_elevator_entrances(session, estate)}
    top = dict(session.execute(select(Room.entrance_id, func.max(Room.floor)).where(Room.estate_id == estate.id)
                               .group_by(Room.entrance_id)).all())
    categories = list(rules.CATEGORIES)
    serial = 0
    for status, count in PLAN:
        for _n in range(count):
            serial += 1
            category = rng.choice(categories)
            urgency = rng.choices(list(rules.URGENCIES), weights=[1, 3, 6])[0]
            needs_resident = status in ("reopened", "cancelled") or (status == "closed" and serial % 2 == 0)
            use_own = bool(own) and resident is not None and (needs_resident or rng.random() < 0.3)
            room = rng.choice(own) if use_own else rng.choice(rooms)
            if category == "elevator" and room.entrance_id not in lifts:
                category = "access_control"  # no elevator in that entrance: its door phone, then
            common = not use_own and category in ("public_lighting", "elevator", "access_control", "greenery",
                                                  "roof_leak", "exterior_wall")
            days_ago = 0 if status == "submitted" else rng.randint(4, 55)
            start = _local(today, 0) - timedelta(days=days_ago, hours=rng.randint(1, 14), minutes=rng.randint(0, 59))
            filer = resident if use_own else manager
            kwargs = {"location": {"estate": estate.code, "building": room.code.split("-")[1],
                                   "entrance": room.code.split("-")[2]}} if common else {"room": room.code}
            ticket = tickets.create_ticket(
                session, filer, category=category,
                description=rng.choice(_plausible(DESCRIPTIONS[category], common, room.floor == top[room.entrance_id])),
                urgency=urgency, channel=None if use_own else rng.choice(["phone", "walk_in", "visit"]),
                reporter_name="" if use_own else rng.choice(["王阿姨", "李大爷", "张女士", "刘先生"]),
                complaint=serial in (5, 14), now=start, **kwargs)
            if serial in (3, 9) and use_own:
                photos.add_photos(session, filer, ticket, [photos.Upload("demo.jpg", _photo((180, 90, 60)))],
                                  now=start + timedelta(minutes=1))
            _advance(session, rng, ticket, status, start, manager, tech, tech_user, resident if use_own else None)


def _plausible(descriptions: list[str], common: bool, top_floor: bool) -> list[str]:
    """The descriptions that fit the place: a top-floor leak only under the roof, a leak from upstairs
    only below another flat (a request about a common part says neither)."""
    fitting = [d for d in descriptions
               if not (("顶楼" in d and not top_floor) or ("楼上" in d and (top_floor or common)))
               and not ("顶楼" in d and common)]
    return fitting or descriptions


def _advance(session, rng, ticket, status, start, manager, tech, tech_user, resident):
    order = ["accepted", "assigned", "in_progress", "resolved", "closed"]
    if status == "submitted":
        return
    if status == "cancelled":
        tickets.transition(session, resident or system_principal(), ticket, "cancelled", "已自行解决", now=start + timedelta(minutes=40))
        return
    if tech is None:
        return
    respond, _resolve = sla.sla_minutes(session, ticket.estate_id, ticket.urgency)
    at = start + timedelta(minutes=rng.randint(5, int(respond * 1.3)))  # some responses are late
    target = "resolved" if status == "reopened" else status
    for step in order[: order.index(target) + 1]:
        if step == "assigned":
            tickets.transition(session, manager, ticket, "assigned", "", technician=tech_user.username, now=at)
        elif step == "resolved":
            costs.add_cost(session, tech, ticket, kind="material", description="配件", quantity=rng.randint(1, 3),
                             unit_price_fen=rng.choice([1200, 2500, 4800]), now=at)
            payer = None if ticket.in_warranty else ("owner" if ticket.room_id else "common")
            tickets.transition(session, tech, ticket, "resolved", "已修复", payer=payer, now=at)
        elif step == "closed":
            if resident is not None:
                tickets.transition(session, resident, ticket, "closed", "", rating=rng.choice([3, 4, 5, 5]),
                                   comment=rng.choice(["师傅很专业", "来得很快", "还可以"]), now=at)
            else:
                tickets.transition(session, manager, ticket, "closed", "电话回访确认", now=at)
        else:
            tickets.transition(session, tech if step == "in_progress" else manager, ticket, step, "", now=at)
        at += timedelta(minutes=rng.randint(20, 600))
    if status == "reopened":
        tickets.transition(session, resident or system_principal(), ticket, "reopened", "还是漏水", now=at)


def _planned_works(session, manager, estate, entrances, today, resident_rooms):
    # In the demo resident's entrance when it is in this estate: his home shows the notice he got.
    homes = set(session.scalars(select(Room.entrance_id).where(Room.id.in_(resident_rooms or [-1]))))
    b, e, _id = next((row for row in entrances if row[2] in homes), entrances[0])
    works.create_planned_work(session, manager, estate=estate, building=b, entrance=e, service="water_kitchen",
                              starts_at=_local(today + timedelta(days=2), 9), ends_at=_local(today + timedelta(days=2), 12),
                              title="厨房给水管更换（小单元作业）", note="请提前储水，卫生间供水不受影响", now=_local(today, 0))
    works.create_planned_work(session, manager, estate=estate, building=b, entrance=e, service="water_bathroom",
                              starts_at=_local(today + timedelta(days=3), 9), ends_at=_local(today + timedelta(days=3), 12),
                              title="卫生间给水管更换（小单元作业）", note="请提前储水，厨房供水不受影响", now=_local(today, 0))
