"""Shared builders for the billing-run tests: an estate with a six-floor entrance and a plan."""
from __future__ import annotations

import copy

from pms.subsidies.services import create_program
from tests import factories as f

# Entrance 3-2: floors 1–6, rooms x01 (86.50 m²) and x02 (86.55 m²); plus a shop 1-1-101 (50.01 m²).
AREA_01, AREA_02, SHOP_AREA = 8650, 8655, 5001

PLAN = {
    "estate": "YJL", "effective_from": "2026-01", "due_day": 15,
    "late_fee": {"daily_rate_per_10k": 5, "grace_days": 30, "cap_percent": 30},
    "items": [
        {"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 121,
         "usages": ["residential"]},
        {"code": "SHOP", "name": "商铺物业费", "kind": "area", "rate_fen_per_m2": 300,
         "usages": ["commercial"]},
        {"code": "ELEVATOR", "name": "电梯运行费", "kind": "elevator_share", "entrances": ["3-2"],
         "monthly_cost_fen": 180007,
         "floor_weights": {"1": 0, "2": 0, "3": 10, "4": 20, "5": 30, "6": 40}},
        {"code": "PARKING", "name": "停车费", "kind": "fixed", "amount_fen": 15000,
         "rooms": ["YJL-3-2-501"]},
    ],
    "subsidies": [{"program": "TBB-2026", "item": "PROPERTY",
                   "percent_by_period": {"2026-01": 100, "2026-02": 50}}],
}


def plan(**changes) -> dict:
    document = copy.deepcopy(PLAN)
    document.update(changes)
    code = document["estate"]
    for item in document["items"]:
        if "rooms" in item:
            item["rooms"] = [room.replace("YJL-", f"{code}-", 1) for room in item["rooms"]]
    return document


def build_estate(session, estate, *, program=True):
    """Rooms of entrance 3-2 (12) and the shop 1-1-101; the TBB-2026 programme of its district."""
    from pms.estates.models import District
    from pms.subsidies.services import find_program

    rooms = {}
    for floor in range(1, 7):
        for suffix, area in (("01", AREA_01), ("02", AREA_02)):
            number = f"{floor}{suffix}"
            rooms[number] = f.make_room(session, estate, "3", "2", number, floor=floor,
                                        area_centi_m2=area, owner=None)
    rooms["shop"] = f.make_room(session, estate, "1", "1", "101", floor=1, area_centi_m2=SHOP_AREA,
                                usage="commercial", owner=None)
    if program and find_program(session, "TBB-2026") is None:
        district = session.get(District, estate.district_id)
        create_program(session, "TBB-2026", "先尝后买", district_code=district.code, kind="property_service")
    session.flush()
    return rooms
