"""Benchmark: `pms demo load --households 100000` on a fresh SQLite file and a fresh PostgreSQL
database, run as the real console script (start-up and password hashing included). Target: ≤ 2
minutes with the billing step (fee plans, three billed months, payments); the steps before billing
(estates, accounts) were held to < 60 s on their own.

    .venv/bin/python benchmarks/demo_load.py [--households 100000] [--repeat 1] [--engine sqlite|postgresql|both]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from _common import ROOT, Stopwatch, fresh_postgres, fresh_sqlite, median

TARGET_SECONDS = 120
PMS = str(Path(sys.executable).with_name("pms"))


def run_once(url: str, households: int) -> tuple[float, str]:
    env = {**os.environ, "PMS_DATABASE_URL": url, "PMS_LOG_LEVEL": "WARNING"}
    with Stopwatch() as watch:
        done = subprocess.run([PMS, "demo", "load", "--households", str(households)], cwd=ROOT, env=env,
                              capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pms demo load failed:\n{done.stdout}\n{done.stderr}")
    summary = next(line for line in done.stdout.splitlines() if line.startswith("estates "))
    steps = ", ".join(line.removeprefix("step ") for line in done.stderr.splitlines() if line.startswith("step "))
    return watch.seconds, f"{summary}; {steps}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    for engine in engines:
        times, detail = [], ""
        for _i in range(args.repeat):
            with (fresh_sqlite() if engine == "sqlite" else fresh_postgres()) as url:
                if url is None:
                    break
                seconds, detail = run_once(url, args.households)
                times.append(seconds)
        if not times:
            print(f"{engine:10s}  skipped")
            continue
        verdict = "ok" if median(times) <= TARGET_SECONDS else f"OVER the target of {TARGET_SECONDS} s"
        print(f"{engine:10s}  demo load --households {args.households}: {median(times):6.1f} s ({verdict}) — {detail}")


if __name__ == "__main__":
    main()
