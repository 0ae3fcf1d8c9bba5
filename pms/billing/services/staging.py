"""The period's lines of a billing run, computed into the run's staging table.

A run bills a batch of estates at once (`ESTATES`: one row per estate with its plan in force), so
the cost of a statement is shared by all of them: one INSERT … SELECT per kind of fee item for the
whole batch (area × rate; the elevator share by the largest remainder method with window
functions; fixed amounts), each line's subsidy (percent half-up) with its programme joined from the
plan, then the lines other domains register (`line_sources`: elder-care visits). The staging
tables are temporary tables of the run's transaction; `runs` turns them into numbered bills and
journal entries.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional, Sequence

from sqlalchemy import Date, bindparam, text

from pms.billing.services import line_sources

STAGE = "billing_stage"  # the lines of the run
ESTATES = "billing_stage_estates"  # the estates of the run: plan, run row, numbering

STAGE_COLUMNS = ("estate_id, room_id, room_code, item_code, item_name, kind, position, amount_fen, "
                 "subsidy_fen, program_id, basis")
# What the planner needs to know of the staged lines (their count, and the keys later statements
# join and group on): analysing the wide text columns too (basis, names) cost a third more.
ANALYZED = "estate_id, room_id, item_code, program_id, subsidy_fen"
# The line's subsidy: percent of the amount, rounded half-up (amounts are never negative).
SUBSIDY_SQL = "(amount * percent + 50) / 100"


@dataclass(frozen=True)
class BatchEstate:
    """One estate of a run: its plan in force, run row and bill numbering (known before staging)."""

    estate_id: int
    estate_code: str
    company_id: int
    plan_id: int
    due_date: date
    run_id: Optional[int] = None


@dataclass(frozen=True)
class Staged:
    """What the staged lines come to for one estate."""

    bills: int
    total_fen: int
    subsidy_fen: int


def temporary(pg: bool) -> str:
    """The clause that drops a PostgreSQL temporary table with its transaction."""
    return " ON COMMIT DROP" if pg else ""


def stage_batch(session, pg: bool, estates: Sequence[BatchEstate], period: str) -> dict[int, Staged]:
    """Stage every line of the period for the batch (the staging tables stay for the caller);
    what each estate's lines come to (estates without a line are absent)."""
    _create_estates(session, pg, estates)
    create_stage(session, pg)
    for kind_sql in (_AREA, _ELEVATOR_SHARE, _FIXED_ALL_ROOMS, _FIXED_LISTED_ROOMS):
        session.execute(_item_statement(kind_sql, pg), dict(period=period))
    ids = [e.estate_id for e in estates]
    for source in line_sources.sources():  # other domains' lines (elder-care visits)
        source.stage(session, pg, ids, period)
    if pg:  # temporary tables are never analysed automatically; the columns the run joins and groups on
        session.execute(text(f"ANALYZE {STAGE} ({ANALYZED})"))
    rows = session.execute(text(
        f"SELECT estate_id, COUNT(DISTINCT room_id), SUM(amount_fen), SUM(subsidy_fen) FROM {STAGE}"
        " GROUP BY estate_id")).all()
    return {int(e): Staged(int(b), int(t), int(s)) for e, b, t, s in rows}


def drop(session) -> None:
    """Drop the run's staging tables (SQLite keeps temporary tables until the connection closes)."""
    for table in (STAGE, ESTATES):
        session.execute(text(f"DROP TABLE IF EXISTS {table}"))


def create_stage(session, pg: bool) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {STAGE} (estate_id INTEGER NOT NULL, room_id INTEGER NOT NULL,"
        " room_code VARCHAR(64) NOT NULL, item_code VARCHAR(32) NOT NULL, item_name VARCHAR(64) NOT NULL,"
        " kind VARCHAR(16) NOT NULL, position INTEGER NOT NULL, amount_fen BIGINT NOT NULL,"
        " subsidy_fen BIGINT NOT NULL, program_id INTEGER, basis TEXT NOT NULL)" + temporary(pg)))


def code_order(pg: bool, column: str = "room_code") -> str:
    # Byte order of codes on both engines (PostgreSQL's locale collation would differ).
    return f'{column} COLLATE "C"' if pg else column


def _create_estates(session, pg: bool, estates: Sequence[BatchEstate]) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {ESTATES}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {ESTATES} (estate_id INTEGER PRIMARY KEY, estate_code VARCHAR(32) NOT NULL,"
        " company_id INTEGER NOT NULL, plan_id INTEGER NOT NULL, run_id INTEGER, due_date DATE NOT NULL,"
        " prefix TEXT, first_seq INTEGER)" + temporary(pg)))
    session.execute(text(
        f"INSERT INTO {ESTATES} (estate_id, estate_code, company_id, plan_id, run_id, due_date)"
        " VALUES (:estate_id, :estate_code, :company_id, :plan_id, :run_id, :due_date)"
    ).bindparams(bindparam("due_date", type_=Date())),
        [dict(estate_id=e.estate_id, estate_code=e.estate_code, company_id=e.company_id, plan_id=e.plan_id,
              run_id=e.run_id, due_date=e.due_date) for e in estates])
    if pg:
        session.execute(text(f"ANALYZE {ESTATES}"))


# Each kind of fee item, for every estate of the batch at once: the item's rooms with their
# amount (`amount`) and basis; the head below adds the subsidy the plan gives the item in the period
# (`fee_plan_subsidy`; none or 0 % → no subsidy and no programme). b = the batch's estates,
# fi = the plan's item, r = room.
_FROM_ITEMS = (f"FROM {ESTATES} b JOIN fee_item fi ON fi.fee_plan_id = b.plan_id AND fi.kind = '%s'"
               " JOIN room r ON r.estate_id = b.estate_id")

_AREA = (
    "SELECT r.estate_id, r.id AS room_id, r.code AS room_code, fi.id AS item_id,"
    " (CAST(r.area_centi_m2 AS BIGINT) * fi.rate_fen_per_m2 + 50) / 100 AS amount,"
    " '{\"area_centi_m2\":' || CAST(r.area_centi_m2 AS TEXT) || ',\"rate_fen_per_m2\":'"
    " || CAST(fi.rate_fen_per_m2 AS TEXT) || '}' AS basis "
    + _FROM_ITEMS % "area" +
    # usages: a comma list of room usages (NULL or empty: every room); usages hold no LIKE wildcard
    " WHERE (fi.usages IS NULL OR fi.usages = '' OR ',' || fi.usages || ',' LIKE '%,' || r.usage || ',%')")

# Largest remainder per (item, entrance): floor(cost × w / W) each, then one more fen to the
# largest remainders (ties: lower room code) until the entrance's cost is reached.
_ELEVATOR_SHARE = (
    "SELECT estate_id, room_id, room_code, item_id,"
    " base + CASE WHEN rn <= cost_left THEN 1 ELSE 0 END AS amount,"
    " '{\"entrance_cost_fen\":' || CAST(cost AS TEXT) || ',\"floor\":' || CAST(floor AS TEXT)"
    " || ',\"weight\":' || CAST(weight AS TEXT) || ',\"weight_total\":' || CAST(wt AS TEXT) || '}' AS basis"
    " FROM (SELECT estate_id, room_id, room_code, item_id, cost, floor, weight, wt, base,"
    "   cost - SUM(base) OVER (PARTITION BY item_id, entrance_id) AS cost_left,"
    "   ROW_NUMBER() OVER (PARTITION BY item_id, entrance_id ORDER BY rem DESC, {room_order}) AS rn"
    "  FROM (SELECT estate_id, room_id, room_code, item_id, entrance_id, cost, floor, weight, wt,"
    "    cost * weight / wt AS base, cost * weight % wt AS rem"
    "   FROM (SELECT r.estate_id, r.id AS room_id, r.code AS room_code, fi.id AS item_id, r.entrance_id,"
    "     CAST(fi.monthly_cost_fen AS BIGINT) AS cost, r.floor, COALESCE(w.weight, 0) AS weight,"
    "     SUM(COALESCE(w.weight, 0)) OVER (PARTITION BY fi.id, r.entrance_id) AS wt"
    f"    FROM {ESTATES} b JOIN fee_item fi ON fi.fee_plan_id = b.plan_id AND fi.kind = 'elevator_share'"
    "     AND fi.monthly_cost_fen > 0"
    "    JOIN fee_item_entrance fe ON fe.fee_item_id = fi.id"
    "    JOIN room r ON r.entrance_id = fe.entrance_id AND r.estate_id = b.estate_id"
    "    LEFT JOIN fee_item_floor_weight w ON w.fee_item_id = fi.id AND w.floor = r.floor) a"
    "   WHERE wt > 0) c) d")

_FIXED_BASIS = "'{\"amount_fen\": ' || CAST(fi.amount_fen AS TEXT) || '}' AS basis"  # as json.dumps wrote it
_FIXED_ALL_ROOMS = (
    "SELECT r.estate_id, r.id AS room_id, r.code AS room_code, fi.id AS item_id,"
    f" CAST(fi.amount_fen AS BIGINT) AS amount, {_FIXED_BASIS} "
    + _FROM_ITEMS % "fixed" + " WHERE fi.all_rooms AND fi.amount_fen > 0")
_FIXED_LISTED_ROOMS = (
    "SELECT r.estate_id, r.id AS room_id, r.code AS room_code, fi.id AS item_id,"
    f" CAST(fi.amount_fen AS BIGINT) AS amount, {_FIXED_BASIS}"
    f" FROM {ESTATES} b JOIN fee_item fi ON fi.fee_plan_id = b.plan_id AND fi.kind = 'fixed'"
    "  AND NOT fi.all_rooms AND fi.amount_fen > 0"
    " JOIN fee_item_room fr ON fr.fee_item_id = fi.id"
    " JOIN room r ON r.id = fr.room_id AND r.estate_id = b.estate_id")


def _item_statement(lines_sql: str, pg: bool):
    """INSERT … SELECT one kind's lines (amount > 0 only) with their subsidy into the staging table."""
    lines_sql = lines_sql.replace("{room_order}", code_order(pg))
    return text(
        f"INSERT INTO {STAGE} ({STAGE_COLUMNS})"
        " SELECT estate_id, room_id, room_code, code, name, kind, position, amount,"
        f" {SUBSIDY_SQL}, program_id, basis FROM ("
        "  SELECT x.estate_id, x.room_id, x.room_code, fi.code, fi.name, fi.kind, fi.position, x.amount,"
        "   x.basis, COALESCE(ps.percent, 0) AS percent,"
        "   CASE WHEN ps.percent > 0 THEN ps.program_id END AS program_id"
        f"  FROM ({lines_sql}) x JOIN fee_item fi ON fi.id = x.item_id"
        "  LEFT JOIN fee_plan_subsidy ps ON ps.fee_plan_id = fi.fee_plan_id AND ps.item_code = fi.code"
        "   AND ps.period = :period"
        "  WHERE x.amount > 0) y")
