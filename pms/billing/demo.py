"""Billing demo: a fee plan for every estate, the last three periods billed, realistic payments.

Plans: property fee by area (1.20 元/m²/month residential, 3.00 commercial), elevator shares for
the entrances with a retrofitted elevator (published weights 0/0/10/20/30/40, 1,500–2,000 元 a
month), parking for some rooms, and a subsidised introductory programme (先尝后买) paying 100 %,
75 %, 50 %, 25 % of the property fee over four months. Billed: the current period and the two
before it (today 2026-11-23 → 2026-09, 2026-10, 2026-11), each issued on the 1st through the
set-based billing run; the next period stays unbilled.

Payments: most households pay each bill in full before its due date, some pay late (a fixed
number of days after the due date), a few pay nothing (long in arrears), and a few pay irregular
lump sums through the payments service (`record_payment`: oldest bill first, the rest becomes a
prepayment that the next run uses). The full, on-time and late payments of 100,000 households
go through the payments service's bulk path (`record_settlements`: the rows `record_payment`
writes for a payment that settles one bill, its receipt included) — `pms audit verify` checks the
result.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, text

from pms.billing.models import Bill, FeePlan
from pms.billing.services.bulk_payments import Settlement, record_settlements
from pms.billing.services.overview import refresh_snapshots
from pms.billing.services.plans import apply_fee_plan
from pms.billing.services import runs
from pms.core import clock, periods
from pms.core.auth import FINANCE, system_principal
from pms.core.db import utcnow
from pms.estates.models import Building, District, Entrance, Estate, Room
from pms.estates.services import estate_batches
from pms.subsidies.services import create_program, find_program

ORDER = 10  # before statements and reports, which read bills

log = logging.getLogger("pms.demo.billing")

WEIGHTS = {"1": 0, "2": 0, "3": 10, "4": 20, "5": 30, "6": 40}
TAPER = (100, 75, 50, 25)
# Household habits: (share, kind). Irregular households go through `record_payment`.
HABITS = ((0.80, "on_time"), (0.12, "late"), (0.05, "arrears"), (0.03, "irregular"))
MAX_IRREGULAR = 120  # service calls are ~ms each; keep the big demo fast
CHANNEL_WEIGHTS = (("wechat", 45), ("alipay", 25), ("bank", 15), ("cash", 15))


def seed(session, ctx) -> None:
    """Fee plans, three billed periods and payments for the demo estates (flush only).

    Estates go in batches of about `estates.services.BATCH_ROOMS` rooms (plans, the three runs, the payments),
    and the session forgets each batch's objects once they are flushed, so a million households
    take no more memory than a hundred thousand.
    """
    ids = [e.id for e in ctx.estates]
    if not ids or session.scalar(select(FeePlan.id).where(FeePlan.estate_id.in_(ids)).limit(1)) is not None:
        return  # already seeded
    rng, today = ctx.rng, ctx.today
    current = periods.period_of(today)
    billed = [periods.add_months(current, -2), periods.add_months(current, -1), current]
    principal = _finance_principal(session, ctx)
    counts = {"bills": 0, "payments": 0, "irregular": 0}
    for batch in estate_batches(session, ids):
        _seed_batch(session, rng, today, billed, batch, principal, counts)
        session.flush()
        session.expunge_all()  # the batch's bills, plans and payments: written, no longer needed here
    # The payments came after the runs wrote their snapshot rows: the homes start from today's figures.
    refresh_snapshots(session)
    if hasattr(ctx, "note"):
        ctx.note(f"billing: {len(ids)} fee plans, {counts['bills']} bills for {', '.join(billed)}, "
                 f"{counts['payments']} payments in bulk; {periods.add_months(current, 1)} is not billed yet")


def _seed_batch(session, rng, today, billed, estate_ids, principal, counts) -> None:
    estates = [session.get(Estate, estate_id) for estate_id in estate_ids]
    for estate in estates:
        program = _programme(session, estate, billed[0])
        apply_fee_plan(session, estate, plan_for(session, estate, rng, billed[0], program), actor="demo")
    rooms = session.execute(select(Room.id, Room.code).where(Room.estate_id.in_(estate_ids))
                            .order_by(Room.code)).all()
    habits = _habits(rng, rooms, counts)
    now = utcnow()
    full_payments = []
    for period in billed:
        issue_day = periods.first_day(period)
        counts["bills"] += sum(r.bills_created for r in runs.run_billing_batch(
            session, estates, period, triggered_by="demo", today=issue_day))
        _refresh_statistics(session)
        next_issue = periods.first_day(periods.add_months(period, 1))
        _irregular_payments(session, principal, rng, habits, issue_day, min(next_issue, today), now)
        full_payments += _full_payments(session, rng, habits, estates, period, today, now)
    record_settlements(session, full_payments, recorded_by=principal.username)
    counts["payments"] += len(full_payments)


def _refresh_statistics(session) -> None:
    # Many runs in one transaction outpace autovacuum: with stale statistics PostgreSQL plans
    # the next batch's joins as if the tables were empty (the monthly job never meets this).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE bill, bill_line, journal_entry, journal_line"))


def _programme(session, estate: Estate, start: str):
    district = session.get(District, estate.district_id)
    code = f"TBB-{district.code}-{start[:4]}"
    return find_program(session, code) or create_program(
        session, code, f"{district.name}先尝后买物业服务补贴", district_code=district.code,
        kind="property_service", actor="demo")


def plan_for(session, estate: Estate, rng, start: str, program) -> dict:
    """The estate's fee plan document: property, shops, elevators, parking, the introductory subsidy."""
    rows = session.execute(
        select(Building.code, Entrance.code, Entrance.id)
        .join(Entrance, Entrance.building_id == Building.id).where(Building.estate_id == estate.id)
        .order_by(Building.code, Entrance.code)).all()
    floors = dict(session.execute(select(Room.entrance_id, func.max(Room.floor))
                                  .where(Room.estate_id == estate.id).group_by(Room.entrance_id)).all())
    # Retrofitted elevators: about half of the 4–6 floor entrances (the 2020s programme).
    elevator = [f"{b}-{e}" for b, e, entrance_id in rows
                if 4 <= (floors.get(entrance_id) or 0) <= 6 and rng.random() < 0.5]
    room_codes = list(session.scalars(select(Room.code).where(Room.estate_id == estate.id,
                                                              Room.usage == "residential")
                                      .order_by(Room.code)))
    parking = sorted(rng.sample(room_codes, k=max(1, len(room_codes) // 12))) if room_codes else []
    items = [{"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 120,
              "usages": ["residential"]},
             {"code": "SHOP", "name": "商业物业服务费", "kind": "area", "rate_fen_per_m2": 300,
              "usages": ["commercial"]}]
    if elevator:
        items.append({"code": "ELEVATOR", "name": "电梯运行费", "kind": "elevator_share",
                      "entrances": elevator, "monthly_cost_fen": rng.randrange(150000, 200001, 100),
                      "floor_weights": WEIGHTS})
    if parking:
        items.append({"code": "PARKING", "name": "停车管理费", "kind": "fixed", "amount_fen": 15000,
                      "rooms": parking})
    return {"estate": estate.code, "effective_from": start, "due_day": 15,
            "late_fee": {"daily_rate_per_10k": 5, "grace_days": 30, "cap_percent": 30},
            "items": items,
            "subsidies": [{"program": program.code, "item": "PROPERTY",
                           "percent_by_period": {periods.add_months(start, i): p
                                                 for i, p in enumerate(TAPER)}}]}


def _finance_principal(session, ctx):
    from pms.accounts import services as accounts
    from pms.accounts.models import User

    users = getattr(ctx, "users", {}) or {}
    for user in users.values():
        if getattr(user, "role", None) == FINANCE:
            found = session.get(User, user.id)
            if found is not None:
                return accounts.build_principal(session, found)
    return system_principal()


def _habits(rng, rooms, counts: dict) -> dict:
    """room id → (habit, days late, code); irregular habits are capped (service calls) over the
    whole load (`counts["irregular"]`)."""
    out = {}
    for room_id, code in rooms:
        draw, acc, habit = rng.random(), 0.0, "on_time"
        for share, kind in HABITS:
            acc += share
            if draw < acc:
                habit = kind
                break
        if habit == "irregular":
            counts["irregular"] += 1
            if counts["irregular"] > MAX_IRREGULAR:
                habit = "on_time"
        out[room_id] = (habit, rng.randint(8, 50), code)
    return out


def _at(day: date, rng) -> datetime:
    """A moment during office hours of a business day, in UTC."""
    minute = int(rng.random() * 720)  # 08:00–19:59
    local = datetime.combine(day, time(8 + minute // 60, minute % 60), tzinfo=clock.timezone())
    return local.astimezone(timezone.utc)


CHANNEL_CUMULATIVE = tuple((sum(w for _c, w in CHANNEL_WEIGHTS[:i + 1]), c)
                           for i, (c, _w) in enumerate(CHANNEL_WEIGHTS))


def _channel(rng) -> str:
    draw = rng.random() * CHANNEL_CUMULATIVE[-1][0]
    return next(c for bound, c in CHANNEL_CUMULATIVE if draw < bound)


def _full_payments(session, rng, habits, estates, period, today, now) -> list[Settlement]:
    """The period's bills that on-time and late households have paid in full by today."""
    rows = session.execute(
        select(Bill.id, Bill.room_id, Bill.estate_id, Bill.payable_fen, Bill.issued_at, Bill.due_date,
               Bill.number)
        .where(Bill.estate_id.in_([e.id for e in estates]), Bill.period == period, Bill.status == "open",
               Bill.paid_fen == 0)
        .order_by(Bill.id)).all()
    out = []
    for bill_id, room_id, estate_id, payable, issued_at, due, number in rows:
        habit, days_late, code = habits[room_id]
        issue_day = clock.today(issued_at)
        if habit == "on_time":
            day = issue_day + timedelta(days=rng.randint(1, max(1, (due - issue_day).days)))
        elif habit == "late":
            day = due + timedelta(days=days_late)
        else:
            continue
        received = _at(day, rng)
        if day >= today or received >= now:
            continue  # not paid yet
        channel = _channel(rng)
        received = max(received, issued_at)
        out.append(Settlement(bill_id=bill_id, room_id=room_id, room_code=code, estate_id=estate_id,
                              amount_fen=payable, received_at=received, business_date=day, channel=channel,
                              reference=_reference(rng, channel, number)))
    return out


def _reference(rng, channel: str, number: str) -> str:
    if channel == "cash":
        return ""
    return f"{channel.upper()}{rng.randrange(10**9, 10**10)} {number}"


def _irregular_payments(session, principal, rng, habits, start: date, end: date, now) -> None:
    """Lump sums through the payments service, in time order: oldest bill first, rest prepaid."""
    from pms.billing.services.payments import record_payment

    if end <= start:
        return
    for room_id, (habit, _days, code) in sorted(habits.items(), key=lambda h: h[1][2]):
        if habit != "irregular" or rng.random() < 0.4:
            continue  # skips this month
        day = start + timedelta(days=rng.randrange((end - start).days))
        received = _at(day, rng)
        if received >= now:
            continue
        amount = rng.choice((20000, 30000, 50000, 100000, 150000))
        record_payment(session, principal, room_code=code, amount_fen=amount, channel=_channel(rng),
                       reference="", received_at=received)
