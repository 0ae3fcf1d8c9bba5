"""The period's lines of a billing run, computed into the run's staging table.

One INSERT … SELECT per fee item (area × rate; the elevator share by the largest remainder method
with window functions; fixed amounts), each line's subsidy (percent half-up) with its programme,
then the lines other domains register (`line_sources`: elder-care visits). The staging table is a
temporary table of the run's transaction; `runs` turns it into numbered bills and journal entries.
"""
from __future__ import annotations

import json
from typing import Optional

from sqlalchemy import bindparam, select, text

from pms.billing.models import FeeItem, FeePlan, FeePlanSubsidy
from pms.billing.services import line_sources
from pms.estates.models import Estate

STAGE = "billing_stage"  # the lines of the run


def stage_period(session, pg: bool, estate: Estate, plan: FeePlan, period: str) -> tuple[int, int, int]:
    """Stage every line of the period (the staging table stays for the caller); (bills, total, subsidy)."""
    create_stage(session, pg)
    for item in session.scalars(select(FeeItem).where(FeeItem.fee_plan_id == plan.id)
                                .order_by(FeeItem.position)):
        _stage_item(session, pg, estate.id, plan, item, period)
    for source in line_sources.sources():  # other domains' lines (elder-care visits)
        source.stage(session, pg, estate, period)
    if pg:
        session.execute(text(f"ANALYZE {STAGE}"))
    bills, total, subsidy = session.execute(text(
        f"SELECT COUNT(DISTINCT room_id), COALESCE(SUM(amount_fen), 0), COALESCE(SUM(subsidy_fen), 0) "
        f"FROM {STAGE}")).one()
    return int(bills), int(total), int(subsidy)


def create_stage(session, pg: bool) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {STAGE} (room_id INTEGER NOT NULL, room_code VARCHAR(64) NOT NULL, "
        "item_code VARCHAR(32) NOT NULL, item_name VARCHAR(64) NOT NULL, "
        "kind VARCHAR(16) NOT NULL, position INTEGER NOT NULL, amount_fen BIGINT NOT NULL, "
        "subsidy_fen BIGINT NOT NULL, program_id INTEGER, basis TEXT NOT NULL)"
        + (" ON COMMIT DROP" if pg else "")))


def code_order(pg: bool) -> str:
    # Byte order of room codes on both engines (PostgreSQL's locale collation would differ).
    return 'room_code COLLATE "C"' if pg else "room_code"


def _subsidy(session, plan: FeePlan, item: FeeItem, period: str) -> tuple[int, Optional[int]]:
    row = session.execute(select(FeePlanSubsidy.percent, FeePlanSubsidy.program_id).where(
        FeePlanSubsidy.fee_plan_id == plan.id, FeePlanSubsidy.item_code == item.code,
        FeePlanSubsidy.period == period)).first()
    if row is None or row[0] == 0:
        return 0, None
    return int(row[0]), int(row[1])


STAGE_COLUMNS = ("room_id, room_code, item_code, item_name, kind, position, amount_fen, "
                 "subsidy_fen, program_id, basis")
# The line's subsidy: percent of the amount, rounded half-up (amounts are never negative).
SUBSIDY_SQL = "(amount * :percent + 50) / 100"


def _stage_item(session, pg: bool, estate_id: int, plan: FeePlan, item: FeeItem, period: str) -> None:
    """INSERT … SELECT the item's lines (amount > 0 only) into the staging table."""
    percent, program_id = _subsidy(session, plan, item, period)
    params = dict(estate_id=estate_id, item_id=item.id, code=item.code, name=item.name,
                  kind=item.kind, position=item.position, percent=percent, program_id=program_id)
    head = (f"INSERT INTO {STAGE} ({STAGE_COLUMNS}) SELECT room_id, room_code, :code, :name, "
            f":kind, :position, amount, {SUBSIDY_SQL}, :program_id, ")
    if item.kind == "area":
        usages = [u for u in (item.usages or "").split(",") if u]
        sql = (head + "CAST(:basis_head AS TEXT) || CAST(area AS TEXT) || CAST(:basis_tail AS TEXT) FROM "
               "(SELECT r.id AS room_id, r.code AS room_code, r.area_centi_m2 AS area, "
               " (CAST(r.area_centi_m2 AS BIGINT) * :rate + 50) / 100 AS amount "
               " FROM room r WHERE r.estate_id = :estate_id"
               + (" AND r.usage IN :usages" if usages else "") + ") x WHERE amount > 0")
        stmt = text(sql)
        if usages:
            stmt = stmt.bindparams(bindparam("usages", expanding=True))
            params["usages"] = usages
        params.update(rate=item.rate_fen_per_m2, basis_head='{"area_centi_m2":',
                      basis_tail=f',"rate_fen_per_m2":{item.rate_fen_per_m2}}}')
    elif item.kind == "elevator_share":
        if not item.monthly_cost_fen:
            return
        # Largest remainder per entrance: floor(cost × w / W) each, then one more fen to the
        # largest remainders (ties: lower room code) until the entrance's cost is reached.
        sql = (head + "CAST(:basis_head AS TEXT) || CAST(floor AS TEXT) || ',\"weight\":' || "
               "CAST(weight AS TEXT) || ',\"weight_total\":' || CAST(wt AS TEXT) || '}' FROM ("
               " SELECT room_id, room_code, floor, weight, wt,"
               "  base + CASE WHEN rn <= cost_left THEN 1 ELSE 0 END AS amount FROM ("
               "  SELECT room_id, room_code, floor, weight, wt, base,"
               "   :cost - SUM(base) OVER (PARTITION BY entrance_id) AS cost_left,"
               f"   ROW_NUMBER() OVER (PARTITION BY entrance_id ORDER BY rem DESC, {code_order(pg)}) AS rn"
               "  FROM (SELECT room_id, room_code, entrance_id, floor, weight, wt,"
               "    CAST(:cost AS BIGINT) * weight / wt AS base, CAST(:cost AS BIGINT) * weight % wt AS rem"
               "   FROM (SELECT r.id AS room_id, r.code AS room_code, r.entrance_id, r.floor,"
               "     COALESCE(w.weight, 0) AS weight,"
               "     SUM(COALESCE(w.weight, 0)) OVER (PARTITION BY r.entrance_id) AS wt"
               "    FROM room r JOIN fee_item_entrance fe ON fe.entrance_id = r.entrance_id"
               "     AND fe.fee_item_id = :item_id"
               "    LEFT JOIN fee_item_floor_weight w ON w.fee_item_id = :item_id AND w.floor = r.floor"
               "    WHERE r.estate_id = :estate_id) a WHERE wt > 0) b) c) d WHERE amount > 0")
        stmt = text(sql)
        params.update(cost=item.monthly_cost_fen,
                      basis_head=f'{{"entrance_cost_fen":{item.monthly_cost_fen},"floor":')
    elif item.kind == "fixed":
        if not item.amount_fen:
            return
        join = ("" if item.all_rooms else
                " JOIN fee_item_room fr ON fr.room_id = r.id AND fr.fee_item_id = :item_id")
        sql = (head + "CAST(:basis AS TEXT) FROM (SELECT r.id AS room_id, r.code AS room_code, "
               "CAST(:amount AS BIGINT) AS amount FROM room r" + join + " WHERE r.estate_id = :estate_id) x")
        stmt = text(sql)
        params.update(amount=item.amount_fen, basis=json.dumps({"amount_fen": item.amount_fen}))
    else:  # pragma: no cover - the CHECK constraint allows no other kind
        raise ValueError(item.kind)
    session.execute(stmt, params)
