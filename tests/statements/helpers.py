"""Bills built directly with the billing tables (the runs service is another branch's work)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from pms.billing.models import Bill, FeeItem, FeePlan
from pms.core.money import round_half_up
from pms.estates.models import Estate
from pms.subsidies.models import Program
from tests import factories

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
    year = int(period[:4])
    return factories.make_bill(session, room, period, lines if lines is not None else [area_line(room)],
                               items=fee_items(session, session.get(Estate, room.estate_id)), year=year,
                               due_date=date(year, int(period[5:]), due_day), issued_at=issued_at,
                               paid_fen=paid_fen)


def post_bill(session, bill, *, apply_prepayments=True) -> Bill:
    """Post `bill`'s ledger entry as a billing run does (Dr receivable payable, Dr subsidy
    receivable, Cr revenue per line) on its issue day, then apply the estate's prepayments."""
    from pms.billing.models import BillLine
    from pms.billing.services.ledger import Line, post_entry
    from pms.billing.services.payments import apply_prepayments as apply
    from pms.core import clock

    day = bill.issued_at.astimezone(clock.timezone()).date()
    lines = [Line("receivable", bill.payable_fen, room_id=bill.room_id)]
    for line in session.scalars(select(BillLine).where(BillLine.bill_id == bill.id)):
        lines.append(Line("revenue", -line.amount_fen, item_code=line.item_code))
        if line.subsidy_fen:
            lines.append(Line("subsidy_receivable", line.subsidy_fen, program_id=line.program_id))
    post_entry(session, estate_id=bill.estate_id, kind="bill", source_type="bill", source_id=bill.id,
               business_date=day, lines=lines)
    if apply_prepayments:
        apply(session, bill.estate_id, business_date=day)
    return bill


def local(day: date, hour: int = 9) -> datetime:
    """An instant on a Beijing business day."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, datetime.min.time().replace(hour=hour), tzinfo=ZoneInfo("Asia/Shanghai"))
