"""Benchmark: a monthly billing run for 100,000 rooms × 3 items (area, elevator share, fixed) with
ledger entries, on a fresh SQLite file and a fresh PostgreSQL database.

Prints, per engine, the median of the full run (bills, lines, subsidies, numbering, journal
entries and lines, prepayments; committed), the second run of the same period, and the floor: a
bare INSERT … SELECT of the same bill lines into a table shaped like bill_line (same indexes and
keys), plus the area lines alone. Targets: full run ≤ 10 s (PostgreSQL) / ≤ 30 s (SQLite), second
run ≤ 1 s, full run within 5× of the floor.

    .venv/bin/python benchmarks/billing_run.py [--rooms 100000] [--repeat 3] [--engines sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FLOORS, ROOMS_PER_FLOOR, ENTRANCES_PER_BUILDING = 6, 2, 4
WEIGHTS = {"1": 0, "2": 0, "3": 10, "4": 20, "5": 30, "6": 40}
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-08", "2026-07"]


def build_rooms(session, n_rooms: int):
    """Company, district, estate, buildings, entrances and rooms, bulk-inserted; entrance codes."""
    from pms.estates.models import Building, Company, District, Entrance, Estate, Room, Street

    company = Company(code="BENCH", name="基准物业")
    district = District(code="110112", name="通州区")
    session.add_all([company, district])
    session.flush()
    street = Street(district_id=district.id, name="基准街道")
    session.add(street)
    session.flush()
    estate = Estate(code="BEN", name="基准小区", district_id=district.id, street_id=street.id,
                    company_id=company.id)
    session.add(estate)
    session.flush()
    per_entrance = FLOORS * ROOMS_PER_FLOOR
    n_entrances = -(-n_rooms // per_entrance)
    n_buildings = -(-n_entrances // ENTRANCES_PER_BUILDING)
    building_ids = list(session.scalars(insert(Building).returning(Building.id, sort_by_parameter_order=True),
                                        [dict(estate_id=estate.id, code=str(b + 1)) for b in range(n_buildings)]))
    entrance_rows = [dict(estate_id=estate.id, building_id=building_ids[e // ENTRANCES_PER_BUILDING],
                          code=str(e % ENTRANCES_PER_BUILDING + 1)) for e in range(n_entrances)]
    entrance_ids = list(session.scalars(insert(Entrance).returning(Entrance.id, sort_by_parameter_order=True),
                                        entrance_rows))
    rooms = []
    for index in range(n_rooms):
        e, within = divmod(index, per_entrance)
        floor, slot = divmod(within, ROOMS_PER_FLOOR)
        b_code, e_code = str(e // ENTRANCES_PER_BUILDING + 1), entrance_rows[e]["code"]
        number = f"{floor + 1}{slot + 1:02d}"
        rooms.append(dict(estate_id=estate.id, building_id=building_ids[e // ENTRANCES_PER_BUILDING],
                          entrance_id=entrance_ids[e], code=f"BEN-{b_code}-{e_code}-{number}",
                          number=number, floor=floor + 1, area_centi_m2=5000 + (index * 37) % 7000,
                          usage="commercial" if index % 50 == 0 else "residential"))
    for start in range(0, len(rooms), 20000):
        session.execute(insert(Room), rooms[start:start + 20000])
    # Entrances with every floor (the last one may be cut short by the room count).
    codes = [f"{row['code'].split('-')[1]}-{row['code'].split('-')[2]}"
             for row in rooms[:len(rooms) - len(rooms) % per_entrance:per_entrance]]
    return estate, codes


def plan_document(entrances: list[str]) -> dict:
    return {"estate": "BEN", "effective_from": "2026-01", "due_day": 15,
            "late_fee": {"daily_rate_per_10k": 5, "grace_days": 30, "cap_percent": 30},
            "items": [
                {"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 120},
                {"code": "ELEVATOR", "name": "电梯运行费", "kind": "elevator_share", "entrances": entrances,
                 "monthly_cost_fen": 180007, "floor_weights": WEIGHTS},
                {"code": "TRASH", "name": "垃圾清运费", "kind": "fixed", "amount_fen": 1000}],
            "subsidies": [{"program": "TBB-2026", "item": "PROPERTY",
                           "percent_by_period": {p: 50 for p in PERIODS}}]}


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def bench(url: str, n_rooms: int, repeat: int) -> dict:
    from pms import create_app
    from pms.billing.services import runs
    from pms.billing.models import BillLine
    from pms.billing.services.plans import apply_fee_plan
    from pms.core.db import get_engine, unit_of_work
    from pms.core.migrate import upgrade
    from pms.estates.models import Estate
    from pms.subsidies.services import create_program

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    today = date(2026, 11, 23)
    with app.app_context(), app.test_request_context():
        build_s, (estate_id, entrances) = timed(lambda: _setup(build_rooms, n_rooms))
        with unit_of_work() as session:
            create_program(session, "TBB-2026", "先尝后买", district_code="110112", kind="property_service")
            plan_s, _applied = timed(lambda: apply_fee_plan(session, session.get(Estate, estate_id),
                                                            plan_document(entrances)))
        full, results = [], []
        for period in PERIODS[:repeat]:
            def one():
                with unit_of_work() as session:
                    return runs.run_billing(session, session.get(Estate, estate_id), period,
                                            triggered_by="bench", today=today)
            seconds, result = timed(one)
            full.append(seconds)
            results.append(result)
        second, again = [], None
        for _ in range(repeat):
            def repeat_run():
                with unit_of_work() as session:
                    return runs.run_billing(session, session.get(Estate, estate_id), PERIODS[0],
                                            triggered_by="bench", today=today)
            seconds, again = timed(repeat_run)
            second.append(seconds)
        assert again.bills_created == 0
        engine = get_engine()
        _create_like_bill_line(engine)
        bench_line = BillLine.__table__
        columns = ", ".join(c.name for c in bench_line.columns if c.name != "id")
        run_bills = f"(SELECT id FROM bill WHERE billing_run_id = {results[0].run_id})"
        floor_all, floor_area = [], []
        area_sql = (f"INSERT INTO bench_line ({columns}) SELECT b.id, r.estate_id, r.id, 'P2', "
                    "'x', 'area', (CAST(r.area_centi_m2 AS BIGINT) * 120 + 50) / 100, 0, NULL, '{}' "
                    "FROM room r JOIN bill b ON b.room_id = r.id AND b.billing_run_id = :run "
                    "JOIN bill_line l ON l.bill_id = b.id AND l.item_code = 'PROPERTY'")
        for _ in range(repeat):
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM bench_line"))
            with engine.begin() as conn:
                seconds, _r = timed(lambda: conn.execute(text(
                    f"INSERT INTO bench_line ({columns}) SELECT {columns} FROM bill_line "
                    f"WHERE bill_id IN {run_bills}")))
            floor_all.append(seconds)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM bench_line"))
            with engine.begin() as conn:
                seconds, _r = timed(lambda: conn.execute(text(area_sql), {"run": results[0].run_id}))
            floor_area.append(seconds)
        with engine.connect() as conn:
            lines = conn.execute(text(f"SELECT COUNT(*) FROM bill_line WHERE bill_id IN {run_bills}")).scalar()
            journal = conn.execute(text(
                "SELECT COUNT(*) FROM journal_line jl JOIN journal_entry je ON je.id = jl.entry_id "
                f"WHERE je.source_type = 'bill' AND je.source_id IN {run_bills}")).scalar()
        engine.dispose()
    return dict(build_s=build_s, plan_s=plan_s, full=full, second=second, floor_all=floor_all,
                floor_area=floor_area, bills=results[0].bills_created, lines=lines, journal_lines=journal,
                total_fen=results[0].total_fen)


def _create_like_bill_line(engine) -> None:
    """bench_line: a table shaped like bill_line, with the same keys, indexes and foreign keys."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            from pms.billing.models import BillLine

            conn.execute(text("CREATE TABLE bench_line (LIKE bill_line INCLUDING ALL)"))
            for key in BillLine.__table__.foreign_key_constraints:
                target = key.elements[0].column.table.name
                conn.execute(text(
                    f"ALTER TABLE bench_line ADD FOREIGN KEY ({', '.join(key.column_keys)}) REFERENCES {target} "
                    f"({', '.join(e.column.name for e in key.elements)})"))
        else:
            ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE tbl_name = 'bill_line' "
                                    "AND sql IS NOT NULL ORDER BY type DESC")).scalars().all()
            for statement in ddl:
                conn.execute(text(statement.replace("bill_line", "bench_line")))


def _setup(builder, n_rooms):
    from pms.core.db import unit_of_work
    with unit_of_work() as session:
        estate, entrances = builder(session, n_rooms)
        return estate.id, entrances


def report(engine: str, r: dict, target: float) -> None:
    med = statistics.median
    full, floor_all, floor_area = med(r["full"]), med(r["floor_all"]), med(r["floor_area"])
    print(f"\n== {engine}: {r['bills']:,} bills, {r['lines']:,} bill lines, {r['journal_lines']:,} journal lines, "
          f"total ¥{r['total_fen'] / 100:,.2f} per run")
    print(f"   set-up: rooms {r['build_s']:.1f} s, fee plan {r['plan_s']:.2f} s")
    print(f"   full run           median {full:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in r['full'])})"
          f"  target ≤ {target:.0f} s  {'OK' if full <= target else 'MISSED'}")
    print(f"   second run         median {med(r['second']) * 1000:6.1f} ms  target ≤ 1000 ms  "
          f"{'OK' if med(r['second']) <= 1 else 'MISSED'}")
    print(f"   floor: same lines  median {floor_all:6.2f} s  → full run = {full / floor_all:.1f}× the floor "
          f"(target ≤ 5×) {'OK' if full <= 5 * floor_all else 'MISSED'}")
    print(f"   floor: area lines  median {floor_area:6.2f} s  → full run = {full / floor_area:.1f}× the area floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    engines = args.engines.split(",")
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory() as tmp:
            report("SQLite", bench(f"sqlite:///{tmp}/bench.sqlite3", args.rooms, args.repeat), 30)
    if "postgresql" in engines:
        name = f"pms_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)
            report("PostgreSQL", bench(url, args.rooms, args.repeat), 10)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
