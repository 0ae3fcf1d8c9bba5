"""Demo data for elder care: a catalogue, elders of the first estate (some living alone, some
over 80, 90 and 100, a few with a disability tier or a hardship category, the demo resident's
room among them), care plans, four weeks of delivered visits (one checked in without the home
code, some never confirmed, a few missed with their safety alerts, acknowledged after a while but
one left open and escalated), two emergency calls (one answered 8 minutes later, one still open)
and the coming week.

`seed(session, ctx)` is discovered by the demo framework (see `pms.demo`); everything derives
from ctx.rng and ctx.today, so a seed gives the same data (home codes are random secrets: the
closing notes print the demo elder's).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from pms.accounts.models import User
from pms.accounts.services import build_principal
from pms.core import clock
from pms.demo.people import person_name
from pms.eldercare.models import CareService, Elder, EmergencyCall, Visit, VisitAlert
from pms.eldercare.services import alerts, calls, catalogue, elders, plans
from pms.estates.models import District, Estate, Ownership, Person, Room
from pms.subsidies.services import create_program, find_program

ORDER = 60
DEMO_PIN = "2468"
# (code, kind, name, price in fen, unit, shortest minutes)
CATALOGUE = [
    ("MEAL", "meal", "助餐（午餐配送）", 1500, "meal", 0),
    ("CLEAN", "cleaning", "助洁（居室保洁）", 4000, "hour", 60),
    ("BATH", "bathing", "助浴", 6000, "visit", 45),
    ("ESCORT", "escort", "助医（陪同就医）", 5000, "visit", 60),
    ("VISIT", "visit", "探访（独居老人巡视）", 0, "visit", 10),
    ("SOS", "emergency", "紧急呼叫响应", 0, "visit", 0),
    ("DAYCARE", "day_care", "日间照料", 3000, "visit", 240),
]
# (years old, days since the birthday, lives alone, disability tier, hardship)
PROFILES = [
    (86, 40, True, None, None), (92, 200, True, None, "dibao"), (100, 3, False, None, None),
    (79, 364, True, None, None), (81, 10, False, 2, None), (74, 100, True, None, "low_income"),
    (88, 150, False, None, "family_planning"), (67, 20, False, None, None), (58, 60, False, 1, None),
    (95, 300, True, None, None), (83, 90, False, None, None), (70, 5, True, None, None),
]
HISTORY_DAYS = 28


def _programme(session, estate, today: date):
    """The district's home-care service subsidy programme (居家养老服务补贴) of this year."""
    district = session.get(District, estate.district_id)
    code = f"YL-{district.code}-{today.year}"
    return find_program(session, code) or create_program(
        session, code, f"{district.name}居家养老服务补贴", district_code=district.code, kind="eldercare", actor="demo")


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=clock.timezone())


def seed(session, ctx) -> None:
    """Add the elder-care part of the demo (once: a second load adds nothing)."""
    if not ctx.estates or session.scalar(select(Elder.id).where(Elder.estate_id == ctx.estates[0].id).limit(1)):
        return
    rng, today = ctx.rng, ctx.today
    manager = build_principal(session, session.get(User, ctx.users["manager"].id))
    carer_user = session.get(User, ctx.users["carer"].id)
    carer = build_principal(session, carer_user)
    programme = _programme(session, session.get(Estate, ctx.estates[0].id), today)
    for code, kind, name, price, unit, minutes in CATALOGUE:
        # The meal subsidy (¥5 a day for eligible elders) is claimable from the district's
        # elder-care programme: the next billing run bills confirmed meals with that part to it.
        catalogue.put_service(session, manager, code, kind=kind, name=name, price_fen=price, unit=unit,
                              min_minutes=minutes, program=programme.code if kind == "meal" else None)
    registered = _elders(session, ctx, rng, carer, today)
    _plans(session, carer, registered)
    _history(session, rng, today, carer_user.id)
    plans.generate_visits(session, today=today)
    alerts.sweep_missed(session, now=clock.now())
    _alert_history(session, rng, today, carer_user.id)
    alerts.escalate_overdue(session, now=clock.now())
    _calls(session, carer, registered, today, carer_user.id)


def _elders(session, ctx, rng, carer, today) -> list[Elder]:
    rooms = list(session.scalars(select(Room).where(Room.estate_id == ctx.estates[0].id,
                                                    Room.usage == "residential").order_by(Room.code)))
    chosen = [r for r in rooms if r.code == ctx.resident_room]
    chosen += rng.sample([r for r in rooms if r.code != ctx.resident_room], min(len(PROFILES), len(rooms)) - 1)
    registered = []
    for room, (age, days, alone, tier, hardship) in zip(chosen, PROFILES):
        owner = session.scalar(select(Person.name).join(Ownership, Ownership.person_id == Person.id)
                               .where(Ownership.room_id == room.id).order_by(Person.id).limit(1))
        birthday = _years_before(today, age) - timedelta(days=days)
        name = owner or person_name(rng, rng.random() < 0.5)
        elder, code = elders.register_elder(
            session, carer, room=room.code, name=name, birth_date=birthday, lives_alone=alone,
            disability_tier=tier, hardship=hardship, health_notes=rng.choice(["高血压，按时服药", "糖尿病，饮食少糖",
                                                                             "行动不便，需搀扶", "听力较弱，请大声说话"]),
            emergency_contacts=[{"name": person_name(rng, rng.random() < 0.5), "phone": _mobile(rng),
                                 "relation": rng.choice(["儿子", "女儿", "侄子"])}],
            consent=True, confirmation_pin=DEMO_PIN)
        if room.code == ctx.resident_room:
            ctx.note(f"eldercare: {name} ({room.code}) home code {code}, confirmation PIN {DEMO_PIN}")
        registered.append(elder)
    return registered


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _mobile(rng) -> str:
    return "13" + f"{rng.randrange(10**9):09d}"


def _plans(session, carer, registered: list[Elder]) -> None:
    start = min(e.created_at for e in registered).astimezone(clock.timezone()).date() - timedelta(days=HISTORY_DAYS)
    # One care worker's round: meals one after another from 11:00, cleaning in the afternoons.
    for index, elder in enumerate(registered):
        if index % 3 == 0:
            at = datetime.combine(start, time(11, 0)) + timedelta(minutes=10 * index)
            plans.create_plan(session, carer, elder, service="MEAL", recurrence="daily", weekdays=[],
                              start=at.time(), end=(at + timedelta(minutes=20)).time(), worker="carer",
                              starts_on=start)
        if index % 4 == 1:
            plans.create_plan(session, carer, elder, service="CLEAN", recurrence="weekly", weekdays=["tue", "fri"],
                              start=time(13 + index // 4 * 2, 0), end=time(14 + index // 4 * 2, 30),
                              worker="carer", starts_on=start)
        if index == 4:
            plans.create_plan(session, carer, elder, service="BATH", recurrence="weekly", weekdays=["sat"],
                              start=time(9, 30), end=time(10, 30), worker="carer", starts_on=start)


def _history(session, rng, today, carer_id) -> None:
    """Four weeks of delivered visits, written as the evidence a real month leaves behind."""
    first = today - timedelta(days=HISTORY_DAYS)
    plans.generate_visits(session, today=first, days=HISTORY_DAYS)
    past = list(session.scalars(select(Visit).where(Visit.date < today).order_by(Visit.date, Visit.starts_at)))
    service_minutes = dict(session.execute(select(CareService.id, CareService.min_minutes)).all())
    unverified = rng.randrange(len(past)) if past else None
    for index, visit in enumerate(past):
        roll = rng.random()
        if roll < 0.03:
            continue  # stays planned: the sweep marks it missed and raises its alert
        started = visit.starts_at + timedelta(minutes=rng.randint(-5, 20))
        length = max(service_minutes[visit.service_id], 15) + rng.randint(0, 30)
        visit.worker_id = visit.worker_id or carer_id
        visit.checked_in_at, visit.checked_in_by_id = started, carer_id
        visit.verified = index != unverified
        visit.checked_out_at, visit.outcome = started + timedelta(minutes=length), "completed"
        visit.status = "checked_out"
        if roll < 0.9:
            visit.status, visit.confirmed_at, visit.confirmed_by_id = "confirmed", visit.checked_out_at, carer_id
    session.flush()


def _alert_history(session, rng, today, carer_id) -> None:
    """The past weeks' alerts as the sweep raised them (the window's end + grace), acknowledged
    5–60 minutes later; the latest one left open, so the next sweep escalates it."""
    past = list(session.scalars(select(VisitAlert).join(Visit, Visit.id == VisitAlert.visit_id)
                                .where(Visit.date < today).order_by(Visit.date, Visit.starts_at)))
    ends = dict(session.execute(select(Visit.id, Visit.ends_at).where(Visit.id.in_([a.visit_id for a in past]))).all())
    for index, alert in enumerate(past):
        alert.created_at = ends[alert.visit_id] + timedelta(minutes=catalogue.DEFAULT_GRACE_MINUTES + 2)
        if index < len(past) - 1:
            alert.acknowledged_at = alert.created_at + timedelta(minutes=rng.randint(5, 60))
            alert.acknowledged_by_id = carer_id
            alert.finding = rng.choice(["电话联系，老人在女儿家", "护理员迟到，已补上门", "老人外出就医"])
    session.flush()


def _calls(session, carer, registered: list[Elder], today, carer_id) -> None:
    """An answered call of three days ago (8 minutes), and one received now, still open."""
    received = _local(today - timedelta(days=3), time(20, 15))
    session.add(EmergencyCall(estate_id=registered[0].estate_id, room_id=registered[0].room_id,
                              elder_id=registered[0].id, received_at=received, received_by_id=carer_id,
                              responded_at=received + timedelta(minutes=8), responder_id=carer_id,
                              outcome="上门查看：老人起夜摔倒，无外伤，已通知家属", notes="老人按了呼叫器"))
    calls.log_call(session, carer, registered[1], "邻居来电：老人敲门无人应")
