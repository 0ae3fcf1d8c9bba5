"""Statement PDF timings: one single-page statement (median of 20) and a print run of ~500
statements (10 buildings × 50 rooms) with 1 and with 2 worker processes.

    .venv/bin/python benchmarks/statements.py [--statements 500] [--repeat 20]

Builds its own scratch SQLite database under a temp directory (removed unless --keep) and
prints the figures. On a loaded machine trust the CPU figures more than the wall-clock ones.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seed(session, statements: int, per_building: int = 50) -> None:
    """An estate with `statements` rooms (50 per building, 2 entrances, 6 floors), one bill each."""
    from pms.billing.models import Bill, BillingRun, BillLine, FeeItem, FeePlan
    from pms.estates.models import (Building, Company, District, Entrance, Estate, Ownership,
                                    Person, Room)
    from pms.subsidies.models import Program

    company = Company(code="ACME", name="安居物业服务有限公司")
    district = District(code="110112", name="通州区")
    session.add_all([company, district])
    session.flush()
    estate = Estate(code="YJL", name="云景里", company_id=company.id, district_id=district.id)
    session.add(estate)
    session.flush()
    program = Program(code="TBB-2026", name="老旧小区物业先尝后买补贴", district_id=district.id,
                      kind="property_service")
    plan = FeePlan(estate_id=estate.id, effective_from="2026-01", due_day=15, document="{}")
    session.add_all([program, plan])
    session.flush()
    items = [FeeItem(fee_plan_id=plan.id, estate_id=estate.id, position=i, code=code, name=name, kind=kind)
             for i, (code, name, kind) in enumerate([("PROPERTY", "物业服务费", "area"),
                                                     ("ELEVATOR", "电梯运行费", "elevator_share")])]
    session.add_all(items)
    run = BillingRun(estate_id=estate.id, period="2026-01", fee_plan_id=plan.id)
    session.add(run)
    session.flush()
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = ["秀英", "建国", "桂兰", "淑珍", "志强", "玉兰", "德明", "凤英", "国华", "海燕"]
    weights = {1: 0, 2: 0, 3: 10, 4: 20, 5: 30, 6: 40}
    for n in range(statements):
        b_index, r_index = divmod(n, per_building)
        building = Building(estate_id=estate.id, code=str(b_index + 1))
        if r_index == 0:
            session.add(building)
            session.flush()
            entrances = [Entrance(estate_id=estate.id, building_id=building.id, code=str(e)) for e in (1, 2)]
            session.add_all(entrances)
            session.flush()
        entrance = entrances[r_index % 2]
        floor = (r_index // 2) % 6 + 1
        number = f"{floor}{(r_index // 12) + 1:02d}"
        room = Room(estate_id=estate.id, building_id=entrance.building_id, entrance_id=entrance.id,
                    code=f"YJL-{b_index + 1}-{entrance.code}-{number}", number=number, floor=floor,
                    area_centi_m2=5000 + (n * 37) % 6000, usage="residential")
        person = Person(estate_id=estate.id, name=surnames[n % 20] + given[n % 10])
        session.add_all([room, person])
        session.flush()
        session.add(Ownership(estate_id=estate.id, room_id=room.id, person_id=person.id))
        area = (room.area_centi_m2 * 120 + 50) // 100
        subsidy = (area * 50 + 50) // 100
        elevator = 18000 * weights[floor] // 100
        bill = Bill(number=f"ACME-2026-{n + 1:06d}", company_id=company.id, year=2026, seq=n + 1,
                    estate_id=estate.id, room_id=room.id, billing_run_id=run.id, period="2026-01",
                    due_date=date(2026, 1, 15), total_fen=area + elevator, subsidy_fen=subsidy,
                    payable_fen=area + elevator - subsidy,
                    issued_at=datetime(2026, 1, 1, 1, tzinfo=timezone.utc))
        session.add(bill)
        session.flush()
        session.add(BillLine(bill_id=bill.id, estate_id=estate.id, room_id=room.id, fee_item_id=items[0].id,
                             item_code="PROPERTY", item_name="物业服务费", kind="area", amount_fen=area,
                             subsidy_fen=subsidy, program_id=program.id,
                             basis=json.dumps({"area_centi_m2": room.area_centi_m2, "rate_fen_per_m2": 120})))
        if elevator:
            session.add(BillLine(bill_id=bill.id, estate_id=estate.id, room_id=room.id,
                                 fee_item_id=items[1].id, item_code="ELEVATOR", item_name="电梯运行费",
                                 kind="elevator_share", amount_fen=elevator,
                                 basis=json.dumps({"floor": floor, "weight": weights[floor],
                                                   "weight_total": 100, "entrance_cost_fen": 18000})))


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and PDFs")
    args = parser.parse_args()

    from pms import create_app
    from pms.core import pdf
    from pms.core.db import unit_of_work
    from pms.core.migrate import upgrade
    from pms.statements import printing, services

    work = Path(tempfile.mkdtemp(prefix="pms-bench-statements-"))
    url = f"sqlite:///{work / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        print(f"CJK font: {pdf.cjk_font_available()}, HarfBuzz subsetting: {pdf.harfbuzz_subset_available()}")
        with unit_of_work() as session:
            seed(session, args.statements)
        with unit_of_work() as session:
            from pms.billing.models import Bill
            from sqlalchemy import select

            bill = session.scalar(select(Bill).order_by(Bill.id).limit(1))
            data = services.statement_for_bill(session, bill)
        context = {"statements": [data], "cover": None}
        started = time.perf_counter()
        pdf.render_pdf("statements.html", context)
        first = time.perf_counter() - started
        timings, cpu = [], []
        for _ in range(args.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            one = pdf.render_pdf("statements.html", context)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        print(f"single statement: first {first * 1000:.0f} ms (font set-up), then median "
              f"{statistics.median(timings) * 1000:.0f} ms wall / {statistics.median(cpu) * 1000:.0f} ms CPU "
              f"over {args.repeat} (min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}), "
              f"{len(one) // 1024} KiB")

        for workers in (1, 2):
            out = work / f"out-{workers}"
            with unit_of_work() as session:
                started = time.perf_counter()
                jobs = printing.plan_print(session, "YJL", "2026-01", out)
                planned = time.perf_counter() - started
            out.mkdir()
            before = _cpu_seconds()
            result = printing.run_print(jobs, app_config=printing.worker_config(app), workers=workers)
            cpu_ms = (_cpu_seconds() - before) * 1000 / result.pages
            size = sum(Path(f).stat().st_size for f in result.files) / 1024 / 1024
            print(f"print run, {workers} worker(s): {result.summary()}; {result.pages} pages "
                  f"({result.pages / result.seconds:.1f} pages/s, {cpu_ms:.0f} ms CPU/page incl. "
                  f"worker start-up, data read in {planned:.2f} s, {size:.1f} MiB)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.keep:
        print(f"scratch files in {work}")
    else:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
