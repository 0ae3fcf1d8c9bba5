"""A small lived-in world for the homes (on tests/conftest.py's `world`): bills of several ages,
a credit note, a void bill, payments, repair requests of each urgency and SLA state, an elevator
whose inspection lapsed, and the other company's data that must never show."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from pms.accounts.models import User
from pms.accounts.services import build_principal
from pms.billing.services.credit_notes import issue_credit_note
from pms.billing.services.overview import refresh_owed_snapshot
from pms.billing.services.payments import record_payment
from pms.core.notifications import Message, notify
from pms.maintenance.models import Equipment, MaintenancePlan, PlannedWork, Ticket, WorkOrder
from tests import factories as f
from tests.billing.helpers_payments import finance, issue_bill, make_plan

TODAY = date(2026, 3, 12)  # a Thursday: the week runs 9–15 March
NOW = datetime(2026, 3, 12, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


def add_elevator(session, world, estate_id, number, accepted, results=(), open_due=None):
    """An elevator at r501's entrance with its inspection plan, its past inspections' (day, result)
    and, with `open_due`, an open inspection order due that day (overdue when before TODAY)."""
    lift = Equipment(estate_id=estate_id, building_id=world.r501.building_id, entrance_id=world.r501.entrance_id,
                     registration_number=number, accepted_on=accepted)
    session.add(lift)
    session.flush()
    plan = MaintenancePlan(equipment_id=lift.id, estate_id=estate_id, kind="inspection", anchor_on=accepted)
    session.add(plan)
    session.flush()
    for due_on, result in results:
        session.add(WorkOrder(plan_id=plan.id, equipment_id=lift.id, estate_id=estate_id, kind="inspection",
                              due_on=due_on, status="done", result=result))
    if open_due is not None:
        session.add(WorkOrder(plan_id=plan.id, equipment_id=lift.id, estate_id=estate_id, kind="inspection",
                              due_on=open_due, overdue=open_due < TODAY))
    session.flush()
    return lift


def add_six_elevators(session, world, estate_id) -> dict:
    """Six more elevators, five accepted the same day (2020-03-01: inspections due 2021-03-01,
    2024-03-01, then 2027-03-01, so on 12 March 2026 the lapsed day is 2024-03-01), by name."""
    accepted = date(2020, 3, 1)
    passed = [(date(2021, 3, 1), "passed"), (date(2024, 3, 1), "passed")]
    return {
        "passed": add_elevator(session, world, estate_id, "A-1", accepted, passed),
        "passed too": add_elevator(session, world, estate_id, "A-2", accepted, passed),
        # Passed in 2021, never since: the 2024-03-01 inspection lapsed; its order a week overdue.
        "lapsed": add_elevator(session, world, estate_id, "A-3", accepted, [(date(2021, 3, 1), "passed")],
                               open_due=date(2026, 3, 5)),
        "lapsed too": add_elevator(session, world, estate_id, "A-5", accepted, [(date(2021, 3, 1), "passed")]),
        # Passed in 2021, failed in 2024: stopped by the failure.
        "failed": add_elevator(session, world, estate_id, "A-4", accepted,
                               [(date(2021, 3, 1), "passed"), (date(2024, 3, 1), "failed")]),
        # Accepted last spring: the first inspection (2026-05-20) is not due yet.
        "new": add_elevator(session, world, estate_id, "B-1", date(2025, 5, 20)),
    }


def principal(session, username):
    """The principal of a world user (as a request would build it)."""
    from sqlalchemy import select

    return build_principal(session, session.scalar(select(User).where(User.username == username)))


def _ticket(session, estate, room, *, urgency, status="submitted", submitted, respond_min, resolve_min,
            responded=None, resolved=None, assignee=None, complaint=False):
    t = Ticket(estate_id=estate.id, room_id=room.id if room else None, location_label=room.code if room else estate.code,
               category="plumbing", description="漏水", urgency=urgency, status=status, submitted_at=submitted,
               respond_by=submitted + timedelta(minutes=respond_min),
               resolve_by=submitted + timedelta(minutes=resolve_min), responded_at=responded,
               resolved_at=resolved, closed_at=resolved if status == "closed" else None,
               assignee_id=assignee, is_complaint=complaint, reporter_name="张三")
    session.add(t)
    session.flush()
    return t


def build(session, world, clock):
    """The homes' world; returns what the tests refer to."""
    clock.set(NOW - timedelta(days=60))
    yjl, hxy = world.yjl, world.hxy
    plan, other_plan = make_plan(session, yjl), make_plan(session, hxy)
    b4 = f.make_room(session, yjl, "4", "1", "101", owner=None)
    bills = SimpleNamespace(
        r501_nov=issue_bill(session, world.r501, "2025-11", 10000, plan=plan),   # due 2025-11-15: 117 days
        r501_jan=issue_bill(session, world.r501, "2026-01", 10000, plan=plan),   # due 2026-01-15: 56 days
        b4_jan=issue_bill(session, b4, "2026-01", 8000, plan=plan),
        r502_feb=issue_bill(session, world.r502, "2026-02", 5000, plan=plan),    # due 2026-02-15: 25 days
        b4_feb=issue_bill(session, b4, "2026-02", 8000, plan=plan),
        r501_mar=issue_bill(session, world.r501, "2026-03", 10000, plan=plan),   # due 2026-03-15: this week
        r502_mar=issue_bill(session, world.r502, "2026-03", 6000, plan=plan),
        r101_nov=issue_bill(session, world.r101, "2025-11", 7000, plan=other_plan),
    )
    manager = principal(session, "manager")
    issue_credit_note(session, manager, bills.r501_jan.number, amount_fen=4000, reason="维修期间减免")
    issue_credit_note(session, manager, bills.b4_feb.number, amount_fen=8000, reason="空置")  # → void
    clock.set(NOW - timedelta(days=7))
    record_payment(session, finance(), room_code=b4.code, amount_fen=8000, channel="cash")  # pays b4 Jan
    clock.set(NOW - timedelta(hours=1))
    record_payment(session, finance(), room_code=world.r502.code, amount_fen=2000, channel="wechat")  # r502 Feb
    record_payment(session, finance(), room_code=world.r101.code, amount_fen=7000, channel="cash")  # other company

    tech = world.users["tech"].id
    feb = datetime(2026, 2, 10, 2, 0, tzinfo=timezone.utc)
    tickets = SimpleNamespace(
        # emergency, not accepted 2 h after filing (30 min allowed): past a deadline; no technician
        overdue=_ticket(session, yjl, world.r501, urgency="emergency", submitted=NOW - timedelta(hours=2),
                        respond_min=30, resolve_min=24 * 60),
        # urgent, 60 h old, accepted in time, to be finished within the next 12 h: at risk; assigned
        at_risk=_ticket(session, yjl, world.r502, urgency="urgent", status="assigned",
                        submitted=NOW - timedelta(hours=60), respond_min=120, resolve_min=72 * 60,
                        responded=NOW - timedelta(hours=59), assignee=tech),
        # normal, accepted, 5 days left: on track; no technician
        on_track=_ticket(session, yjl, None, urgency="normal", status="accepted",
                         submitted=NOW - timedelta(days=2), respond_min=24 * 60, resolve_min=7 * 24 * 60,
                         responded=NOW - timedelta(days=1)),
        # February: met both deadlines, closed, flagged as a complaint
        done=_ticket(session, yjl, world.r501, urgency="normal", status="closed", submitted=feb,
                     respond_min=24 * 60, resolve_min=7 * 24 * 60, responded=feb + timedelta(hours=2),
                     resolved=feb + timedelta(days=2), complaint=True),
        # February: never accepted in time, resolved late
        late=_ticket(session, yjl, world.r502, urgency="normal", status="resolved", submitted=feb,
                     respond_min=24 * 60, resolve_min=7 * 24 * 60, responded=feb + timedelta(days=2),
                     resolved=feb + timedelta(days=9)),
        other=_ticket(session, hxy, world.r101, urgency="emergency", submitted=NOW - timedelta(hours=3),
                      respond_min=30, resolve_min=24 * 60),
    )
    # An elevator accepted on 2025-01-10: its first periodic inspection (year 1) was due 2026-01-10
    # and never passed, so it must stop; its maintenance is due on 2026-03-14 (within the week).
    entrance_id = world.r501.entrance_id
    lift = Equipment(estate_id=yjl.id, building_id=world.r501.building_id, entrance_id=entrance_id,
                     registration_number="TZ-2025-001", accepted_on=date(2025, 1, 10))
    session.add(lift)
    session.flush()
    inspection = MaintenancePlan(equipment_id=lift.id, estate_id=yjl.id, kind="inspection", anchor_on=date(2025, 1, 10))
    maintenance = MaintenancePlan(equipment_id=lift.id, estate_id=yjl.id, kind="maintenance", interval_days=15,
                                  anchor_on=date(2025, 1, 10))
    session.add_all([inspection, maintenance])
    session.flush()
    session.add(WorkOrder(plan_id=maintenance.id, equipment_id=lift.id, estate_id=yjl.id, kind="maintenance",
                          due_on=date(2026, 3, 14)))
    # Planned kitchen-water work at the resident's entrance tomorrow, and one at another estate.
    session.add(PlannedWork(estate_id=yjl.id, building_id=world.r501.building_id, entrance_id=entrance_id,
                            service="water_kitchen", title="厨房上水管更换", starts_at=NOW + timedelta(days=1),
                            ends_at=NOW + timedelta(days=1, hours=4)))
    notify(session, [Message(recipient_user_id=world.users["manager"].id, kind="sla", title="超时提醒"),
                     Message(recipient_user_id=world.users["manager"].id, kind="sla", title="超时提醒 2"),
                     Message(recipient_user_id=world.users["resident"].id, kind="works", title="停水通知")])
    # What the five-minute job has done by now for the finance home (the collection snapshot is
    # left to the tests that watch it fill).
    refresh_owed_snapshot(session, now=NOW)
    session.commit()
    clock.set(NOW)
    return SimpleNamespace(bills=bills, tickets=tickets, b4=b4, lift=lift)
