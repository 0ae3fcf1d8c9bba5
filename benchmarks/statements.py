"""Statement PDFs, measured side by side in one run on the demo data (`pms demo load`):

(a) one single-page statement rendered in Chinese (zh_CN labels, the demo's Chinese names and
    addresses) against the same template filled with Latin text only (English labels, every
    non-ASCII character of the data replaced by a Latin letter: same structure, same lengths),
    medians of --repeat renders each, interleaved, and the ratio (target ≤ 1.5×); the size of
    one page (target ≤ 40 KB);
(b) a print run of --statements statements (default 2,000) with 2 worker processes: statements
    per second (target ≥ 20/s), with a cProfile of one building rendered in-process (where the
    time goes: Jinja, WeasyPrint layout, write_pdf);
(c) peak resident memory of the parent and of the largest worker over a --large run (default
    10,000 statements) against the --statements run: flat means about the same (workers are
    recycled every few buildings). Each run is its own process, so each peak is its own;
(d) with --in URL[,URL…] instead: the same print run of --statements statements (the first estates'
    oldest month) in each of several demo databases already loaded (e.g. of 100,000 and 400,000
    households, `pms demo load`): peak RSS of the parent and the largest worker beside the
    database's households, to show that a print run's memory does not grow with the estates around
    it. Nothing is loaded or dropped; only the rendered files are written (to a temporary folder).

    .venv/bin/python benchmarks/statements.py [--statements 2000] [--large 10000] [--repeat 20]
        [--workers 2] [--engine sqlite|postgresql] [--no-profile]
    .venv/bin/python benchmarks/statements.py --in URL,URL [--statements 1000]

The demo is loaded once (households enough for --large statements: three billed months per
household) into a scratch SQLite file or PostgreSQL database, dropped afterwards. The lived-in
shape is the only one: a print run's time is rendering, per statement and per building, which one
big synthetic estate would not change, and its data read is printed beside it.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, fresh_postgres, fresh_sqlite

TARGET_RATIO, TARGET_RATE, TARGET_KB = 1.5, 20.0, 40


def _app(url: str):
    from pms import create_app

    return create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})


def load_demo(url: str, households: int) -> None:
    from pms.demo.loader import load

    with _app(url).app_context():
        load(households=households)


def plan_jobs(session, statements: int, sink):
    """Statements' building jobs of the demo's estates and periods until `statements` are planned."""
    from sqlalchemy import func, select

    from pms.billing.models import Bill
    from pms.estates.models import Estate
    from pms.statements import print_plans

    pairs = session.execute(select(Estate.code, Bill.period, func.count()).join(Estate, Estate.id == Bill.estate_id)
                            .group_by(Estate.code, Bill.period).order_by(Bill.period, Estate.code)).all()
    jobs = []
    for code, period, _count in pairs:
        for job in print_plans.plan_statements(session, code, period, sink):
            jobs.append(job)
            if sum(j.documents for j in jobs) >= statements:
                return _trim(jobs, statements)
    raise SystemExit(f"the demo has fewer than {statements} statements")


def _trim(jobs, statements):
    """Exactly `statements`: the last building cut short (its cover counts what it prints)."""
    from dataclasses import replace

    from pms.statements import services

    extra = sum(j.documents for j in jobs) - statements
    if extra:
        last = jobs[-1]
        kept = last.context["statements"][:-extra]
        context = {"statements": kept, "cover": services.building_summary(last.estate, last.label, last.building, kept)}
        jobs[-1] = replace(last, numbers=last.numbers[:-extra], context=context)
    return jobs


def latin(value):
    """The same data with every non-ASCII character replaced by a Latin letter (lengths kept)."""
    if isinstance(value, str):
        return "".join(c if ord(c) < 128 else "abcdefghijklmnopqrstuvwxyz"[ord(c) % 26] for c in value)
    if isinstance(value, dict):
        return {k: latin(v) for k, v in value.items()}
    if isinstance(value, list):
        return [latin(v) for v in value]
    return value


# --- (a) one page, Chinese against Latin ---------------------------------------------------

def single_page(url: str, repeat: int) -> dict:
    from sqlalchemy import select

    from pms.billing.models import Bill
    from pms.core import pdf
    from pms.core.db import unit_of_work
    from pms.statements import services

    app = _app(url)
    with app.app_context():
        with unit_of_work() as session:
            bill = session.scalar(select(Bill).where(Bill.subsidy_fen > 0).order_by(Bill.id).limit(1)) \
                or session.scalar(select(Bill).order_by(Bill.id).limit(1))
            chinese = services.statement_for_bill(session, bill, mask_owners=True)
        cases = {"zh": ({"statements": [chinese], "cover": None}, "zh_CN"),
                 "latin": ({"statements": [latin(chinese)], "cover": None}, "en"),
                 "zh data, en labels": ({"statements": [chinese], "cover": None}, "en")}
        sizes, pages = {}, {}
        for name, (context, locale) in cases.items():  # warm-up: fonts, stylesheet, templates
            document = pdf.render_document("statements.html", context, locale=locale)
            pages[name] = len(document.pages)
            sizes[name] = len(document.write_pdf())
        timings = {name: [] for name in cases}
        for _i in range(repeat):
            for name, (context, locale) in cases.items():
                started = time.process_time()
                pdf.render_pdf("statements.html", context, locale=locale)
                timings[name].append(time.process_time() - started)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    return {"medians_ms": {k: v * 1000 for k, v in medians.items()}, "sizes": sizes, "pages": pages,
            "ratio": medians["zh"] / medians["latin"], "ratio_data_only": medians["zh data, en labels"] / medians["latin"],
            "repeat": repeat}


# --- (b) and (c): a print run in its own process -------------------------------------------

def child_run(url: str, statements: int, workers: int, out: str) -> None:
    """Plan and print `statements` statements; print one JSON line (timings and memory)."""
    from pms.core.db import unit_of_work
    from pms.statements import printing

    app = _app(url)
    with app.app_context():
        started = time.perf_counter()
        with unit_of_work(write=False) as session:
            jobs = plan_jobs(session, statements, printing.Sink(directory=out))
        planned = time.perf_counter() - started
        parent_after_plan = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu_before = _cpu_seconds()
        result = printing.run_print(jobs, app_config=printing.worker_config(app), workers=workers)
        cpu = _cpu_seconds() - cpu_before  # the workers are reaped when the pool shuts down
    sizes = [Path(f).stat().st_size for f in result.files]
    print(json.dumps({"statements": result.documents, "buildings": result.buildings, "pages": result.pages,
                      "seconds": result.seconds, "plan_seconds": planned, "cpu_seconds": cpu, "bytes": sum(sizes),
                      "parent_peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "parent_after_plan_kib": parent_after_plan, "worker_peak_kib": result.worker_peak_kib}))


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def print_run(url: str, statements: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="pms-bench-print-") as out:
        env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{Path(__file__).parent}"}
        done = subprocess.run([sys.executable, __file__, "--child-run", str(statements), "--workers", str(workers),
                               "--url", url, "--out", out], capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"print run failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile_building(url: str) -> str:
    """cProfile of one 500-statement building rendered in this process: the top of the profile
    and the split between Jinja, layout and write_pdf."""
    from pms.core import pdf
    from pms.core.db import unit_of_work
    from pms.statements import printing

    app = _app(url)
    with app.app_context():
        with unit_of_work(write=False) as session:
            job = plan_jobs(session, 500, printing.Sink(directory=tempfile.gettempdir()))[0]
        pdf.render_pdf("statements.html", {"statements": job.context["statements"][:1], "cover": None})  # warm-up
        from flask_babel import force_locale
        from weasyprint import HTML

        profiler = cProfile.Profile()
        with printing.few_collections():  # as the print run renders
            profiler.enable()
            t0 = time.process_time()
            with force_locale(job.locale):
                html = pdf.render_html(job.template, job.context)
            t1 = time.process_time()
            document = HTML(string=html, base_url=str(pdf.TEMPLATE_DIR) + "/", url_fetcher=pdf.url_fetcher()).render(
                stylesheets=[pdf.base_stylesheet()], font_config=pdf.font_config())
            t2 = time.process_time()
            data = document.write_pdf()
            t3 = time.process_time()
            profiler.disable()
    n = job.documents
    lines = [f"  one building of {n} statements in-process: Jinja {1000 * (t1 - t0) / n:.1f} ms, "
             f"layout {1000 * (t2 - t1) / n:.1f} ms, write_pdf {1000 * (t3 - t2) / n:.1f} ms per statement "
             f"({len(data) / n / 1024:.1f} KiB per statement page)"]
    stream = _Capture()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(18)
    lines += ["  " + line for line in stream.text().splitlines() if re.search(r"\d+\.\d+", line)][:22]
    return "\n".join(lines)


def households(url: str) -> int:
    """The rooms of a loaded demo database (one household each)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM room")).scalar()
    engine.dispose()
    return count


def in_databases(urls: list[str], statements: int, workers: int) -> None:
    """(d): the same print run in each database; its peak memory beside the database's size."""
    for url in urls:
        size = households(url)
        run = print_run(url, statements, workers)
        print(f"(d) {size:,} households: print run of {run['statements']} statements ({run['buildings']} buildings) "
              f"with {workers} workers in {run['seconds']:.1f} s (data read {run['plan_seconds']:.1f} s); peak RSS "
              f"parent {run['parent_peak_kib'] / 1024:.0f} MiB, largest worker {run['worker_peak_kib'] / 1024:.0f} MiB",
              flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


class _Capture:
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def text(self):
        return "".join(self.parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--in", dest="databases", help="(d): loaded demo databases' URLs, comma-separated")
    parser.add_argument("--child-run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_run:
        child_run(args.url, args.child_run, args.workers, args.out)
        return
    if args.databases:
        in_databases(args.databases.split(","), args.statements, args.workers)
        return

    from pms.core import pdf

    households = max(args.large, args.statements) // 3 + 600
    with (fresh_sqlite() if args.engine == "sqlite" else fresh_postgres()) as url:
        if url is None:
            return
        started = time.perf_counter()
        load_demo(url, households)
        print(f"demo loaded ({households} households, {args.engine}) in {time.perf_counter() - started:.0f} s; "
              f"HarfBuzz subsetting: {pdf.harfbuzz_subset_available()}")
        one = single_page(url, args.repeat)
        ms = one["medians_ms"]
        print(f"(a) one-page statement, median CPU of {one['repeat']}: Chinese {ms['zh']:.1f} ms, Latin "
              f"{ms['latin']:.1f} ms → {one['ratio']:.2f}× (target ≤ {TARGET_RATIO}×); Chinese data with "
              f"English labels {ms['zh data, en labels']:.1f} ms ({one['ratio_data_only']:.2f}×); pages "
              f"{one['pages']['zh']}/{one['pages']['latin']}; size Chinese {one['sizes']['zh'] / 1024:.1f} KiB, "
              f"Latin {one['sizes']['latin'] / 1024:.1f} KiB (target ≤ {TARGET_KB} KB)")
        if not args.no_profile:
            print("(b) profile:")
            print(profile_building(url))
        runs = {}
        for statements in (args.statements, args.large):
            run = runs[statements] = print_run(url, statements, args.workers)
            rate = run["statements"] / run["seconds"]
            print(f"(b) print run of {run['statements']} statements ({run['buildings']} buildings, {run['pages']} "
                  f"pages) with {args.workers} workers: {run['seconds']:.1f} s = {rate:.1f} statements/s "
                  f"(target ≥ {TARGET_RATE}/s); CPU {1000 * run['cpu_seconds'] / run['statements']:.0f} ms a statement "
                  f"incl. worker start-up = {args.workers * run['statements'] / run['cpu_seconds']:.1f} statements/s on "
                  f"{args.workers} free cores; data read in {run['plan_seconds']:.1f} s, "
                  f"{run['bytes'] / run['pages'] / 1024:.1f} KiB per page")
        small, large = runs[args.statements], runs[args.large]
        print(f"(c) peak RSS: parent {small['parent_peak_kib'] / 1024:.0f} MiB ({args.statements}) vs "
              f"{large['parent_peak_kib'] / 1024:.0f} MiB ({args.large}); largest worker "
              f"{small['worker_peak_kib'] / 1024:.0f} MiB vs {large['worker_peak_kib'] / 1024:.0f} MiB "
              f"(workers recycled every few buildings)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
