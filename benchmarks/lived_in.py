"""The monthly batches on the shape of a real deployment: many estates of ~500 households with
months of history (`pms demo load --households N`: 200 estates at 100,000), not one big estate in
an empty database.

Loads the demo once into a base database (its time and peak RSS printed), then per repeat copies it
(PostgreSQL: CREATE DATABASE … TEMPLATE; SQLite: a file copy), and in the copy, each as its own
`pms` process (wall time and peak RSS from GNU time):
  - `pms billing run --period NEXT` (every estate, in batches), then the same again (nothing to
    do: the rerun),
  - `pms late-fees accrue` (the nightly late-charge job over the same data),
  - before each of those, the start-up every such `pms` command pays (the console script's commands
    registered and its app built without the pages and the API, no work), sampled among the steps
    so that the machine's load drifts alike, and a bare Python importing the stack's libraries
    (flask, sqlmodel, psycopg, …): the start-up's own floor,
and the floor: a bare INSERT … SELECT of the current period's bill lines into a table shaped like
bill_line (its keys, indexes and foreign keys, as billing_run.py's synthetic floor), with the same
into a table of its columns alone printed beside it for comparison. Medians of the repeats; each step as wall time − start-up = its own work, and that own
work's ratio to the floor (an own work within the start-up's spread is noise, not a verdict).
Every `pms` runs with bytecode caches, as an installed one does.
Issue 15's targets (100,000 households), judged on the own work: billing run ≤ 10 s on
PostgreSQL (≤ 15 s on SQLite) and ≤ 5× the floor, rerun ≤ 1 s, late charges ≤ 10 s.

    .venv/bin/python benchmarks/lived_in.py [--households 100000] [--repeat 3] [--engine postgresql|sqlite]

benchmarks/billing_run.py prints the same beside its synthetic shape (`measure` and `report`).
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
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import create_table_like  # noqa: E402  (benchmarks/ is the script's folder)

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PMS = str(Path(sys.executable).parent / "pms")
GNU_TIME = shutil.which("time") or "/usr/bin/time"
BILLING_TARGET_S = {"postgresql": 10.0, "sqlite": 15.0}
RERUN_TARGET_S, LATE_TARGET_S, FLOOR_TARGET = 1.0, 10.0, 5.0


class Step(NamedTuple):
    seconds: float
    rss_kib: int
    out: str


def pms_env(instance: str) -> dict:
    """The environment of every `pms` process: no developer PMS_* settings, and bytecode caches
    allowed (this machine sets PYTHONDONTWRITEBYTECODE; an installed pms has its caches, while
    without them every start compiles the whole package)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMS_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PMS_INSTANCE_DIR=instance, PMS_LOG_LEVEL="WARNING")
    return env


def run_pms(env: dict, *args: str) -> Step:
    """Wall seconds, peak RSS (KiB) and output of one `pms` command."""
    proc = subprocess.run([GNU_TIME, "-f", "__time %e %M", PMS, *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"pms {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("__time ")][-1]
    _tag, seconds, rss = line.split()
    return Step(float(seconds), int(rss), proc.stdout)


# The libraries every `pms` process imports before any pms code runs: the part of the start-up
# that no change to pms can remove (the fixed stack's own import time on this machine).
STACK_IMPORTS = "import flask, flask_babel, marshmallow, psycopg, sqlalchemy.orm, sqlmodel"


# What `pms billing run` and every other non-web command do before their own work (pms.cli).
PMS_STARTUP = "import pms.cli; from pms import create_app; create_app(web=False)"


def python_step(env: dict, code: str) -> Step:
    """Wall seconds and peak RSS of a Python process that runs `code` and stops."""
    proc = subprocess.run([GNU_TIME, "-f", "__time %e %M", sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, check=True)
    _tag, seconds, rss = [ln for ln in proc.stderr.splitlines() if ln.startswith("__time ")][-1].split()
    return Step(float(seconds), int(rss), "")


def stack_import(env: dict) -> Step:
    """Wall seconds and peak RSS of a Python process that imports the stack and stops."""
    return python_step(env, STACK_IMPORTS)


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


def database(engine: str):
    """A base database of `engine` that copies itself (the caller closes it)."""
    return Postgres() if engine == "postgresql" else Sqlite()


FLOOR_COLUMNS = ("bill_id, estate_id, room_id, item_code, item_name, kind, amount_fen, subsidy_fen, program_id,"
                 " basis")


def floor_seconds(url: str, period: str) -> tuple[float, float, int]:
    """The floor: a bare INSERT … SELECT of the period's bill lines into an empty table shaped like
    bill_line, with its keys, indexes and foreign keys (as billing_run.py's synthetic floor since
    its first version); beside it the same into a table of the same columns with no key, index or
    constraint. Seconds of each, and the lines."""
    from sqlalchemy import create_engine, text

    from pms import import_models
    from pms.billing.models import BillLine

    import_models()  # the foreign keys' targets
    engine = create_engine(url)
    select_lines = (f"SELECT {', '.join('l.' + c for c in FLOOR_COLUMNS.split(', '))} FROM bill_line l"
                    " JOIN bill b ON b.id = l.bill_id WHERE b.period = :period")
    seconds = {}
    for shape in ("shaped", "bare"):
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS floor_line"))
            if shape == "shaped":
                create_table_like(conn, BillLine, "floor_line")
            else:
                conn.execute(text("CREATE TABLE floor_line AS SELECT * FROM bill_line WHERE 1 = 0"))
        with engine.begin() as conn:
            started = time.perf_counter()
            lines = conn.execute(text(f"INSERT INTO floor_line ({FLOOR_COLUMNS}) {select_lines}"),
                                 {"period": period}).rowcount
            seconds[shape] = time.perf_counter() - started
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE floor_line"))
    engine.dispose()
    return seconds["shaped"], seconds["bare"], lines


def measure(engine: str, households: int, repeat: int) -> dict:
    """Load the demo once, then per copy of it the floor and each step as its own `pms` process."""
    from pms.core import periods
    from pms.core.clock import today

    db = database(engine)
    instance = tempfile.mkdtemp(prefix="pms-lived-instance-")
    env = pms_env(instance)
    this_period = periods.period_of(today())
    period = periods.add_months(this_period, 1)
    steps: dict[str, list[Step]] = {name: [] for name in ("stack import", "pms start-up", "billing run", "rerun",
                                                          "late charges")}
    floors, bare_floors, lines = [], [], 0
    try:
        base = {**env, "PMS_DATABASE_URL": db.base_url()}
        upgrade = run_pms(base, "db", "upgrade")
        load = run_pms(base, "demo", "load", "--households", str(households))
        db.settle(db.base_url())
        for _ in range(repeat):
            url = db.copy()
            copy = {**env, "PMS_DATABASE_URL": url}
            try:
                shaped, bare, lines = floor_seconds(url, this_period)
                floors.append(shaped)
                bare_floors.append(bare)
                for name, args in (("billing run", ("billing", "run", "--period", period)),
                                   ("rerun", ("billing", "run", "--period", period)),
                                   ("late charges", ("late-fees", "accrue"))):
                    steps["stack import"].append(stack_import(copy))
                    steps["pms start-up"].append(python_step(copy, PMS_STARTUP))
                    steps[name].append(run_pms(copy, *args))
            finally:
                db.drop(url)
    finally:
        db.close()
        shutil.rmtree(instance, ignore_errors=True)
    return dict(engine=engine, households=households, period=period, floor_period=this_period, repeat=repeat,
                upgrade=upgrade, load=load, floors=floors, bare_floors=bare_floors, lines=lines, steps=steps)


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def report(r: dict) -> None:
    """The figures of `measure`, each step beside the start-up and the floor of the same run."""
    med = statistics.median
    steps = r["steps"]
    print(f"{r['engine']}, lived-in: demo load --households {r['households']}: {r['load'].seconds:.1f} s, peak RSS "
          f"{_mib(r['load'].rss_kib)} (db upgrade {r['upgrade'].seconds:.1f} s, {_mib(r['upgrade'].rss_kib)}); "
          f"billing {r['period']} over every estate, medians of {r['repeat']} copies", flush=True)
    starts = [s.seconds for s in steps["pms start-up"]]
    floor, start, spread = med(r["floors"]), med(starts), max(starts) - min(starts)
    bare = med(r["bare_floors"])
    print(f"  {'floor':<14}{floor:7.3f} s  bare INSERT … SELECT of {r['floor_period']}'s {r['lines']:,} bill lines into"
          " a table shaped like bill_line (its keys, indexes and foreign keys)")
    print(f"  {'bare table':<14}{bare:7.3f} s  the same into a table of its columns alone (no key, index or"
          " constraint): not the target's floor, printed for comparison")
    print(f"  {'pms start-up':<14}{start:7.2f} s  `{PMS_STARTUP}` (a command's start-up, no work) before each step: "
          f"{len(starts)} runs, {min(starts):.2f}–{max(starts):.2f} s; peak RSS "
          f"{_mib(med(s.rss_kib for s in steps['pms start-up']))}")
    stack = med(s.seconds for s in steps["stack import"])
    print(f"  {'stack import':<14}{stack:7.2f} s  `python -c \"{STACK_IMPORTS}\"`: of the start-up, what the fixed "
          f"stack's libraries take before any pms code runs")
    billing_target = BILLING_TARGET_S[r["engine"]]
    for name, target in (("billing run", billing_target), ("rerun", RERUN_TARGET_S), ("late charges", LATE_TARGET_S)):
        wall = med(s.seconds for s in steps[name])
        own = wall - start
        ok = own <= target and (name != "billing run" or own <= FLOOR_TARGET * floor)
        goal = f"≤ {target:g} s" + (f" and ≤ {FLOOR_TARGET:g}× floor" if name == "billing run" else "")
        judged = verdict(ok) if own > spread else "within the start-up's spread"
        print(f"  {name:<14}{wall:7.2f} s − start-up {start:.2f} s = own work {own:6.2f} s = {own / floor:6.1f}× floor"
              f"  (target {goal}: {judged}); peak RSS {_mib(med(s.rss_kib for s in steps[name]))};"
              f" runs {', '.join(f'{s.seconds:.2f}' for s in steps[name])}")
        if name == "billing run":
            print(f"  {'':<14}own work = {own / bare:.1f}× the bare table")
    for name, command in (("billing run", "pms billing run"), ("rerun", "pms billing run"),
                          ("late charges", "pms late-fees accrue")):
        said = steps[name][0].out.strip().splitlines()
        print(f"  {name:<14}`{command}` said: {said[-1] if said else '(nothing)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    report(measure(args.engine, args.households, args.repeat))


if __name__ == "__main__":
    main()
