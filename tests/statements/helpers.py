"""Bills built directly with the billing tables (the runs service is another branch's work)."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from pms.billing.models import Bill, BillingRun, BillLine, FeeItem, FeePlan
from pms.core.money import round_half_up
from pms.estates.models import Company, Estate
from pms.subsidies.models import Program

ISSUED_AT = datetime(2026, 1, 31, 17, 0, tzinfo=timezone.utc)  # 2026-02-01 01:00 in Beijing


def fee_items(session, estate) -> dict[str, FeeItem]:
    """The estate's fee plan items (PROPERTY by area, ELEVATOR shared, PARKING fixed), made once."""
    plan = session.scalar(select(FeePlan).where(FeePlan.estate_id == estate.id))
    if plan is None:
        plan = FeePlan(estate_id=estate.id, effective_from="2025-01", due_day=15, document="{}")
        session.add(plan)
        session.flush()
        for position, (code, name, kind) in enumerate([("PROPERTY", "物业服务费", "area"),
                                                       ("ELEVATOR", "电梯运行费", "elevator_share"),
                                                       ("PARKING", "停车费", "fixed")]):
            session.add(FeeItem(fee_plan_id=plan.id, estate_id=estate.id, position=position,
                                code=code, name=name, kind=kind))
        session.flush()
    return {i.code: i for i in session.scalars(select(FeeItem).where(FeeItem.fee_plan_id == plan.id))}


def make_program(session, estate, code="TBB-2026", name="老旧小区物业先尝后买补贴"):
    program = Program(code=code, name=name, district_id=estate.district_id, kind="property_service")
    session.add(program)
    session.flush()
    return program


def area_line(room, rate_fen_per_m2=120, percent=0, program=None) -> dict:
    amount = round_half_up(Decimal(room.area_centi_m2 * rate_fen_per_m2) / 100)
    subsidy = round_half_up(Decimal(amount * percent) / 100)
    return {"code": "PROPERTY", "amount_fen": amount, "subsidy_fen": subsidy, "program": program,
            "basis": {"area_centi_m2": room.area_centi_m2, "rate_fen_per_m2": rate_fen_per_m2}}


def elevator_line(amount_fen, floor, weight, weight_total, entrance_cost_fen) -> dict:
    return {"code": "ELEVATOR", "amount_fen": amount_fen, "subsidy_fen": 0, "program": None,
            "basis": {"floor": floor, "weight": weight, "weight_total": weight_total,
                      "entrance_cost_fen": entrance_cost_fen}}


def fixed_line(amount_fen) -> dict:
    return {"code": "PARKING", "amount_fen": amount_fen, "subsidy_fen": 0, "program": None,
            "basis": {"amount_fen": amount_fen}}


def make_bill(session, room, period="2026-01", lines=None, *, paid_fen=0, due_day=15,
              issued_at=ISSUED_AT) -> Bill:
    """A bill of `room` for `period` with `lines` (default: the area line), numbered in sequence."""
    estate = session.get(Estate, room.estate_id)
    company = session.get(Company, estate.company_id)
    items = fee_items(session, estate)
    plan_id = next(iter(items.values())).fee_plan_id
    run = session.scalar(select(BillingRun).where(BillingRun.estate_id == estate.id,
                                                  BillingRun.period == period))
    if run is None:
        run = BillingRun(estate_id=estate.id, period=period, fee_plan_id=plan_id)
        session.add(run)
        session.flush()
    lines = lines if lines is not None else [area_line(room)]
    total = sum(line["amount_fen"] for line in lines)
    subsidy = sum(line["subsidy_fen"] for line in lines)
    seq = (session.scalar(select(Bill.seq).where(Bill.company_id == company.id)
                          .order_by(Bill.seq.desc()).limit(1)) or 0) + 1
    year = int(period[:4])
    bill = Bill(number=f"{company.code}-{year}-{seq:06d}", company_id=company.id, year=year, seq=seq,
                estate_id=estate.id, room_id=room.id, billing_run_id=run.id, period=period,
                due_date=date(year, int(period[5:]), due_day), total_fen=total, subsidy_fen=subsidy,
                payable_fen=total - subsidy, paid_fen=paid_fen,
                status="paid" if paid_fen == total - subsidy else "open", issued_at=issued_at)
    session.add(bill)
    session.flush()
    for line in lines:
        item = items[line["code"]]
        session.add(BillLine(bill_id=bill.id, estate_id=estate.id, room_id=room.id,
                             item_code=item.code, item_name=item.name,
                             kind=item.kind, amount_fen=line["amount_fen"],
                             subsidy_fen=line["subsidy_fen"],
                             program_id=line["program"].id if line["program"] else None,
                             basis=json.dumps(line["basis"], sort_keys=True)))
    session.flush()
    return bill
