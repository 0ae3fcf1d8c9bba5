"""Benchmark: import a 100,000-room registry CSV into a fresh SQLite file and a fresh PostgreSQL
database; prints rows/s (target ≥ 5,000 on both) and the time of a second, unchanged import.

    .venv/bin/python benchmarks/registry_import.py [--rooms 100000] [--repeat 1] [--engine sqlite|postgresql|both]

Each repetition uses a new database; with --repeat > 1 the figures are medians. The timed part
is what `pms registry import` does after start-up: read and check the file, import, commit.
"""
from __future__ import annotations

import argparse
import csv
import io
import logging
import random

from _common import Stopwatch, fresh_postgres, fresh_sqlite, median

from pms import create_app
from pms.core.db import unit_of_work
from pms.demo.loader import generate_rows
from pms.estates import services
from pms.estates.registry.importing import import_file
from pms.estates.registry.rows import COLUMNS

TARGET_ROWS_PER_S = 5000


def registry_csv(rooms: int, seed: int = 1) -> bytes:
    """A registry file of `rooms` rooms (estates of ~500 rooms in district 110112), UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    usage = {"residential": "住宅", "commercial": "commercial"}
    for r in generate_rows(random.Random(seed), rooms):
        writer.writerow([r.district_code, r.district_name, r.street, r.estate_code, r.estate_name, r.building,
                         r.entrance, r.floor, r.room, f"{r.area_centi_m2 // 100}.{r.area_centi_m2 % 100:02d}",
                         usage[r.usage], r.owner_name, r.owner_phone, r.owner_id_number or ""])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def run_once(url: str, data: bytes) -> tuple[float, float, str, str]:
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    try:
        with app.app_context():
            with unit_of_work() as session:
                services.create_company(session, "BENCH", "基准物业")
            with Stopwatch() as first, unit_of_work() as session:
                result = import_file(session, services.find_company(session, "BENCH"), data, actor="bench")
            with Stopwatch() as second, unit_of_work() as session:
                again = import_file(session, services.find_company(session, "BENCH"), data, actor="bench")
        return first.seconds, second.seconds, result.summary, again.summary
    finally:
        app.extensions["pms_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    data = registry_csv(args.rooms)
    print(f"registry file: {args.rooms} rooms, {len(data) / 1024 / 1024:.1f} MB")
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    for engine in engines:
        firsts, seconds = [], []
        for _i in range(args.repeat):
            with (fresh_sqlite() if engine == "sqlite" else fresh_postgres()) as url:
                if url is None:
                    break
                first, second, summary, again = run_once(url, data)
                firsts.append(first)
                seconds.append(second)
        if not firsts:
            print(f"{engine:10s}  skipped")
            continue
        rate = args.rooms / median(firsts)
        verdict = "ok" if rate >= TARGET_ROWS_PER_S else f"BELOW the target of {TARGET_ROWS_PER_S}"
        print(f"{engine:10s}  first import {median(firsts):6.2f} s = {rate:8,.0f} rows/s ({verdict}; {summary})")
        print(f"{engine:10s}  second import (unchanged) {median(seconds):6.2f} s = "
              f"{args.rooms / median(seconds):8,.0f} rows/s ({again})")


if __name__ == "__main__":
    main()
