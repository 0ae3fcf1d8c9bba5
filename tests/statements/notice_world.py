"""A small estate year for the public notice tests, every figure computable by hand.

YJL (ACME): rooms 3-2-501 and 3-2-502, 86.55 m² each on floor 5. Fee plan from 2026-01:
PROPERTY ¥1.20/m² → ¥103.86 a room a month; ELEVATOR ¥200.00 a month for entrance 3-2, weight 10 on
floor 5 → ¥100.00 a room; PARKING ¥150.00 fixed, both rooms. Programme TBB-2026 pays PROPERTY
100 % in 2026-01 and 50 % in 2026-02. Billed 2026-01 and 2026-02:
  PROPERTY 4 × 10386 = 41544, subsidy 2 × 10386 + 2 × 5193 = 31158, payable 10386
  ELEVATOR 4 × 10000 = 40000; PARKING 4 × 15000 = 60000
  total billed 141544, subsidy 31158, payable 110386
501 pays ¥300.00 (its January bill ¥250.00, then ¥50.00 of February) → received 30000.
A claim of TBB-2026 for 2026-01: claimed 20772, approved 20000, disbursed 20000.
Repairs submitted in 2026 (not cancelled): plumbing 2 (both resolved, one on time, one late),
roof leak 1 (on time), elevator 1 (open, within its time) → 4, 3 resolved, 2 met, 1 breached.
Spending: plumbing repair paid from the property fee ¥80.00; roof leak from the fund ¥1,200.00;
renovation contract ¥2,500,000.00 accepted 2026-01-05. Works: a kitchen-water outage done
(February), one planned (March), one cancelled. Elevator 3-2's 15-day maintenance: due 2026-01-10
(done), 2026-02-10 (overdue, open), 2026-04-10 (after the notice's day: not counted).
HXY (OTHER) is billed ¥999.99 for 2026-01 and must never show in YJL's notice.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from pms.billing.services import plans, runs
from pms.billing.services.payments import record_payment
from pms.maintenance.models import Equipment, MaintenancePlan, PlannedWork, RenovationProject, Ticket, WorkOrder
from pms.subsidies.models import Claim, Disbursement
from pms.subsidies.services.programs import create_program
from tests.billing.helpers_payments import at, finance

PLAN = {"estate": "YJL", "effective_from": "2026-01", "due_day": 15,
        "items": [{"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 120},
                  {"code": "ELEVATOR", "name": "电梯运行费", "kind": "elevator_share", "entrances": ["3-2"],
                   "monthly_cost_fen": 20000, "floor_weights": {"5": 10}},
                  {"code": "PARKING", "name": "停车费", "kind": "fixed", "amount_fen": 15000}],
        "subsidies": [{"program": "TBB-2026", "item": "PROPERTY",
                       "percent_by_period": {"2026-01": 100, "2026-02": 50}}]}
OTHER_PLAN = {"estate": "HXY", "effective_from": "2026-01", "due_day": 15,
              "items": [{"code": "PROPERTY", "name": "物业服务费", "kind": "fixed", "amount_fen": 99999}]}

INCOME = {"PROPERTY": (41544, 31158, 10386), "ELEVATOR": (40000, 0, 40000), "PARKING": (60000, 0, 60000)}


def _ticket(s, world, category, submitted, *, status, responded=None, resolved=None, room=True,
            payer=None, amount_fen=0, hours=(4, 72)):
    submitted_at = at(submitted, 9)
    t = Ticket(estate_id=world.yjl.id, room_id=world.r501.id if room else None,
               building_id=None if room else world.r501.building_id,
               location_label="YJL-3-2-501" if room else "YJL", category=category, description="test",
               urgency="normal", status=status, submitted_at=submitted_at,
               respond_by=submitted_at + timedelta(hours=hours[0]), resolve_by=submitted_at + timedelta(hours=hours[1]),
               responded_at=submitted_at + timedelta(hours=responded) if responded is not None else None,
               resolved_at=submitted_at + timedelta(hours=resolved) if resolved is not None else None,
               payer=payer, amount_fen=amount_fen)
    s.add(t)
    return t


def build(s, world) -> None:
    """The year above (flush only)."""
    create_program(s, "TBB-2026", "先尝后买物业服务补贴", district_code="110112", kind="property_service",
                   budget_fen=10_000_000)
    plans.apply_fee_plan(s, world.yjl, PLAN)
    plans.apply_fee_plan(s, world.hxy, OTHER_PLAN)
    for period in ("2026-01", "2026-02"):
        runs.run_billing(s, world.yjl, period)
    runs.run_billing(s, world.hxy, "2026-01")
    record_payment(s, finance(), room_code="YJL-3-2-501", amount_fen=30000, channel="wechat", reference="WX-1")
    from sqlalchemy import select

    from pms.subsidies.models import Program

    program = s.scalar(select(Program).where(Program.code == "TBB-2026"))
    claim = Claim(program_id=program.id, estate_id=world.yjl.id, period="2026-01", status="partly_approved",
                  total_fen=20772, created_by="finance", submitted_by="finance", submitted_at=at(date(2026, 2, 3)),
                  reviewed_by="officer", reviewed_at=at(date(2026, 2, 10)), approved_fen=20000)
    s.add(claim)
    s.flush()
    s.add(Disbursement(claim_id=claim.id, estate_id=world.yjl.id, amount_fen=20000, paid_on=date(2026, 2, 20),
                       reference="BANK-1", recorded_by="officer2"))
    _ticket(s, world, "plumbing", date(2026, 1, 10), status="closed", responded=1, resolved=20,
            payer="owner", amount_fen=5000)
    _ticket(s, world, "plumbing", date(2026, 2, 1), status="resolved", responded=2, resolved=100, room=False,
            payer="common", amount_fen=8000)
    _ticket(s, world, "roof_leak", date(2026, 1, 20), status="closed", responded=3, resolved=48, room=False,
            payer="fund", amount_fen=120000)
    # Open, within its time on 2026-03-02: neither met nor breached yet.
    _ticket(s, world, "elevator", date(2026, 2, 27), status="in_progress", responded=1, room=False, hours=(4, 24 * 10))
    _ticket(s, world, "plumbing", date(2026, 2, 5), status="cancelled")
    _ticket(s, world, "plumbing", date(2025, 12, 30), status="closed", responded=1, resolved=5)
    s.add(RenovationProject(estate_id=world.yjl.id, name="2025年综合整治", contractor="北京城建",
                            accepted_on=date(2026, 1, 5), contract_fen=250_000_000))
    entrance = world.r501.entrance_id
    for day, title, cancelled in ((date(2026, 2, 10), "更换供水立管", False), (date(2026, 3, 10), "电梯年检", False),
                                  (date(2026, 3, 12), "取消的停电", True)):
        starts = at(day, 9)
        s.add(PlannedWork(estate_id=world.yjl.id, building_id=world.r501.building_id, entrance_id=entrance,
                          service="elevator" if "电梯" in title else "power" if "停电" in title else "water_kitchen",
                          starts_at=starts, ends_at=starts + timedelta(hours=3), title=title,
                          cancelled_at=datetime(2026, 3, 1, tzinfo=timezone.utc) if cancelled else None))
    lift = Equipment(estate_id=world.yjl.id, building_id=world.r501.building_id, entrance_id=entrance,
                     registration_number="TEST-LIFT-1", accepted_on=date(2025, 6, 1))
    s.add(lift)
    s.flush()
    plan = MaintenancePlan(equipment_id=lift.id, estate_id=world.yjl.id, kind="maintenance", interval_days=15,
                           anchor_on=date(2026, 1, 10))
    s.add(plan)
    s.flush()
    for due, status, overdue in ((date(2026, 1, 10), "done", False), (date(2026, 2, 10), "open", True),
                                 (date(2026, 4, 10), "open", False)):
        s.add(WorkOrder(plan_id=plan.id, equipment_id=lift.id, estate_id=world.yjl.id, kind="maintenance",
                        due_on=due, status=status, result="done" if status == "done" else None, overdue=overdue))
    s.flush()
