"""Benchmark: the monthly billing run and the nightly late-charge accrual, on two shapes, each
beside its own floor measured in the same run (issue 15).

Synthetic: 100,000 rooms × 3 items (area, elevator share, fixed) in one estate of an empty
database, in-process. Per engine, the median of the full run (bills, lines, subsidies, numbering,
journal entries and lines, prepayments; committed), the second run of the same period, one
night's late-charge accrual over the runs' bills left unpaid past due and grace
(`late_fees.catch_up_late_fees_batch`), and the floor: a bare INSERT … SELECT of the same bill
lines into a table shaped like bill_line (same indexes and keys), plus the area lines alone.
Targets: full run ≤ 10 s (PostgreSQL) / ≤ 30 s (SQLite) and within 5× of the floor, second run
≤ 1 s, late charges ≤ 10 s.

Lived-in: the demo's many estates of ~500 households with months of history, each step a `pms`
process on a copy of it (benchmarks/lived_in.py, which prints its targets).

    .venv/bin/python benchmarks/billing_run.py [--shape synthetic|lived-in|both] [--rooms 100000]
        [--households 100000] [--repeat 3] [--engines sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import lived_in  # noqa: E402  (benchmarks/ is on the path: this script's folder)
from _common import create_table_like  # noqa: E402

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FLOORS, ROOMS_PER_FLOOR, ENTRANCES_PER_BUILDING = 6, 2, 4
WEIGHTS = {"1": 0, "2": 0, "3": 10, "4": 20, "5": 30, "6": 40}
PERIODS = ["2026-09", "2026-10", "2026-11", "2026-08", "2026-07"]
# The first night every period above is charged late: 2026-11 is due on the 15th, 30 days' grace.
LATE_NIGHT = date(2026, 12, 16)


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
                # A plan names at most 1,000 entrances per item: one elevator item per 1,000.
                *({"code": f"ELEVATOR{n or ''}", "name": "电梯运行费", "kind": "elevator_share",
                   "entrances": entrances[start:start + 1000], "monthly_cost_fen": 180007, "floor_weights": WEIGHTS}
                  for n, start in enumerate(range(0, len(entrances), 1000))),
                {"code": "TRASH", "name": "垃圾清运费", "kind": "fixed", "amount_fen": 1000}],
            "subsidies": [{"program": "TBB-2026", "item": "PROPERTY",
                           "percent_by_period": {p: 50 for p in PERIODS}}]}


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def bench(url: str, n_rooms: int, repeat: int) -> dict:
    from pms import create_app
    from pms.billing.services import late_fees, runs
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
        late, accruals = [], 0
        for night in range(repeat):  # one night each, as the 02:10 job after a normal day
            def accrue(day=LATE_NIGHT + timedelta(days=night)):
                with unit_of_work() as session:
                    return late_fees.catch_up_late_fees_batch(session, [estate_id], day)[0]
            seconds, done = timed(accrue)
            late.append(seconds)
            accruals = sum(r.accruals for r in done)
        engine = get_engine()
        with engine.begin() as conn:
            create_table_like(conn, BillLine, "bench_line")
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
                "WHERE je.source_type = 'billing_run' AND je.source_id = :run"), {"run": results[0].run_id}).scalar()
        engine.dispose()
    return dict(build_s=build_s, plan_s=plan_s, full=full, second=second, late=late, accruals=accruals,
                floor_all=floor_all,
                floor_area=floor_area, bills=results[0].bills_created, lines=lines, journal_lines=journal,
                total_fen=results[0].total_fen)


def _setup(builder, n_rooms):
    from pms.core.db import unit_of_work
    with unit_of_work() as session:
        estate, entrances = builder(session, n_rooms)
        return estate.id, entrances


def report(engine: str, r: dict, target: float) -> None:
    med = statistics.median
    full, second, late = med(r["full"]), med(r["second"]), med(r["late"])
    floor, floor_area = med(r["floor_all"]), med(r["floor_area"])

    def runs(values):
        return ", ".join(f"{v:.2f}" for v in values)

    print(f"{engine}, synthetic: one estate of {r['bills']:,} rooms in an empty database: {r['lines']:,} bill lines, "
          f"{r['journal_lines']:,} journal lines, ¥{r['total_fen'] / 100:,.2f} a run (set-up: rooms "
          f"{r['build_s']:.1f} s, fee plan {r['plan_s']:.2f} s); medians of {len(r['full'])}", flush=True)
    print(f"  {'floor':<14}{floor:7.3f} s  bare INSERT … SELECT of the run's {r['lines']:,} bill lines")
    print(f"  {'area floor':<14}{floor_area:7.3f} s  the area lines alone, computed from the rooms")
    ok = full <= target and full <= lived_in.FLOOR_TARGET * floor
    print(f"  {'billing run':<14}{full:7.2f} s = {full / floor:6.1f}× floor ({full / floor_area:.1f}× the area floor)"
          f"  (target ≤ {target:g} s and ≤ {lived_in.FLOOR_TARGET:g}× floor: {lived_in.verdict(ok)}); runs {runs(r['full'])}")
    print(f"  {'rerun':<14}{second:7.2f} s = {second / floor:6.1f}× floor  (target ≤ {lived_in.RERUN_TARGET_S:g} s: "
          f"{lived_in.verdict(second <= lived_in.RERUN_TARGET_S)}); runs {runs(r['second'])}")
    print(f"  {'late charges':<14}{late:7.2f} s = {late / floor:6.1f}× floor  (target ≤ {lived_in.LATE_TARGET_S:g} s: "
          f"{lived_in.verdict(late <= lived_in.LATE_TARGET_S)}); one night, {r['accruals']:,} unpaid bills accrued;"
          f" runs {runs(r['late'])}")


def synthetic(engine: str, rooms: int, repeat: int) -> None:
    """The synthetic shape on a fresh database of `engine`."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            report(engine, bench(f"sqlite:///{tmp}/bench.sqlite3", rooms, repeat), 30)
        return
    name = f"pms_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)
        report(engine, bench(url, rooms, repeat), 10)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("synthetic", "lived-in", "both"), default="both")
    parser.add_argument("--rooms", type=int, default=100_000, help="the synthetic estate's rooms")
    parser.add_argument("--households", type=int, default=100_000, help="the lived-in demo's households")
    parser.add_argument("--repeat", type=int, default=3, help=f"runs (synthetic: at most {len(PERIODS)}) and copies")
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        if args.shape in ("synthetic", "both"):
            synthetic(engine, args.rooms, args.repeat)
        if args.shape in ("lived-in", "both"):
            lived_in.report(lived_in.measure(engine, args.households, args.repeat))


if __name__ == "__main__":
    main()
