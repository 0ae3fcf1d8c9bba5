"""The monthly batches on the shape of a real deployment: many estates of ~500 households with
months of history (`pms demo load --households N`: 200 estates at 100,000), not one big estate in
an empty database.

Loads the demo once into a base database (its time and peak RSS printed), then per repeat copies it
(PostgreSQL: CREATE DATABASE … TEMPLATE; SQLite: a file copy), and in the copy, each as its own
`pms` process (wall time and peak RSS from GNU time):
  - `pms billing run --period NEXT` (every estate, one unit of work each), then the same again
    (nothing to do: the rerun),
  - `pms late-fees accrue` (the nightly late-charge job over the same data),
and the floor: a bare INSERT … SELECT of the same bill lines into a table shaped like bill_line.
Medians of the repeats and each step's ratio to the floor. Issue 15's targets (PostgreSQL, 100,000
households): billing run ≤ 10 s and ≤ 5× the floor, rerun ≤ 1 s, late charges ≤ 10 s.

    .venv/bin/python benchmarks/lived_in.py [--households 100000] [--repeat 3] [--engine postgresql|sqlite]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PMS = str(Path(sys.executable).parent / "pms")
GNU_TIME = shutil.which("time") or "/usr/bin/time"


def run_pms(env: dict, *args: str) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and output of one `pms` command."""
    proc = subprocess.run([GNU_TIME, "-f", "__time %e %M", PMS, *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"pms {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("__time ")][-1]
    _tag, seconds, rss = line.split()
    return float(seconds), int(rss), proc.stdout


class Postgres:
    name = "postgresql"

    def __init__(self):
        from sqlalchemy import create_engine

        self.admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
        self.base = f"pms_lived_{uuid.uuid4().hex[:8]}"
        self._sql(f'CREATE DATABASE "{self.base}"')

    def _sql(self, statement: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(statement))

    def url(self, name: str) -> str:
        return ADMIN.rsplit("/", 1)[0] + f"/{name}"

    def base_url(self) -> str:
        return self.url(self.base)

    def settle(self, url: str) -> None:
        """Statistics as after a normal day (autovacuum would have run)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()

    def copy(self) -> str:
        name = f"{self.base}_c{uuid.uuid4().hex[:6]}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.base}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self.base_url())
        self.admin.dispose()


class Sqlite:
    name = "sqlite"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pms-lived-")

    def base_url(self) -> str:
        return f"sqlite:///{self.dir}/base.sqlite3"

    def settle(self, url: str) -> None:
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("ANALYZE")
        conn.close()

    def copy(self) -> str:
        target = f"{self.dir}/copy-{uuid.uuid4().hex[:6]}.sqlite3"
        shutil.copyfile(self.base_url().removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def floor_seconds(url: str, period: str) -> float:
    """A bare INSERT … SELECT of the period's bill lines into an empty table shaped like bill_line."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    pg = url.startswith("postgresql")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS floor_line"))
        conn.execute(text("CREATE TABLE floor_line (LIKE bill_line INCLUDING ALL)" if pg else
                          "CREATE TABLE floor_line AS SELECT * FROM bill_line WHERE 0"))
    with engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(text(
            "INSERT INTO floor_line (bill_id, estate_id, room_id, item_code, item_name, kind, amount_fen,"
            " subsidy_fen, program_id, basis) SELECT l.bill_id, l.estate_id, l.room_id, l.item_code, l.item_name,"
            " l.kind, l.amount_fen, l.subsidy_fen, l.program_id, l.basis FROM bill_line l"
            " JOIN bill b ON b.id = l.bill_id WHERE b.period = :period"), {"period": period})
        seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE floor_line"))
    engine.dispose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    from pms.core import periods
    from pms.core.clock import today

    db = Postgres() if args.engine == "postgresql" else Sqlite()
    instance = tempfile.mkdtemp(prefix="pms-lived-instance-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMS_")}
    env.update(PMS_INSTANCE_DIR=instance, PMS_LOG_LEVEL="WARNING")
    try:
        base = {**env, "PMS_DATABASE_URL": db.base_url()}
        run_pms(base, "db", "upgrade")
        load_s, load_rss, _out = run_pms(base, "demo", "load", "--households", str(args.households))
        db.settle(db.base_url())
        period = periods.add_months(periods.period_of(today()), 1)
        print(f"{db.name}: demo load --households {args.households}: {load_s:.1f} s, peak RSS {load_rss / 1024:.0f} MiB;"
              f" billing {period} over every estate, {args.repeat} copies")
        rows: dict[str, list] = {"billing run": [], "rerun": [], "late charges": [], "floor": [],
                                 "pms start-up": []}
        rss: dict[str, list] = {"billing run": [], "late charges": []}
        for _ in range(args.repeat):
            url = db.copy()
            copy = {**env, "PMS_DATABASE_URL": url}
            try:
                rows["floor"].append(floor_seconds(url, periods.period_of(today())))
                rows["pms start-up"].append(run_pms(copy, "routes")[0])  # the app built, no work
                seconds, peak, _out = run_pms(copy, "billing", "run", "--period", period)
                rows["billing run"].append(seconds)
                rss["billing run"].append(peak)
                rows["rerun"].append(run_pms(copy, "billing", "run", "--period", period)[0])
                seconds, peak, _out = run_pms(copy, "late-fees", "accrue")
                rows["late charges"].append(seconds)
                rss["late charges"].append(peak)
            finally:
                db.drop(url)
        floor, start = statistics.median(rows["floor"]), statistics.median(rows["pms start-up"])
        print(f"  floor         median {floor:7.2f} s  (bare INSERT … SELECT of the period's bill lines)")
        print(f"  pms start-up  median {start:7.2f} s  (`pms routes`: the app built, no work)")
        for step in ("billing run", "rerun", "late charges"):
            values = rows[step]
            median = statistics.median(values)
            net = median - start
            peak = f"  peak RSS {statistics.median(rss[step]) / 1024:.0f} MiB" if step in rss else ""
            print(f"  {step:<13} median {median:7.2f} s, less start-up {net:7.2f} s ({net / floor:6.1f}× floor)"
                  f"  runs {', '.join(f'{v:.2f}' for v in values)}{peak}")
    finally:
        db.close()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
