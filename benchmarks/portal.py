"""Benchmark: the auditor's portal (issue 13), server time in-process.

On the lived-in demo (`pms demo load --households N`, 100,000 households by default: 200 estates of
~500 rooms with months of bills, claims and visits) the demo auditor logs in through the login
form, then each portal request is timed with Flask's test client (no network, no gunicorn: the
time the server spends, queries and template included). Target: the district overview ≤ 300 ms.
The floor, measured in the same run: the seal-check page (login, scope, a template, no figures).

    .venv/bin/python benchmarks/portal.py [--engine postgresql|sqlite|both]
        [--households 100000] [--requests 15] [--database-url URL] [--queries]

`--database-url` reuses an already loaded demo (the audit report PDF seals the audit chain: the
only write).
"""
from __future__ import annotations

import argparse
import statistics

import _common  # noqa: F401  (sets sys.path)
from home_pages import _percentile, _query_timer, on_demo, print_slowest, sample

TARGET_MS = 300.0


def _pages(app) -> list[tuple[str, str]]:
    """(label, URL) of what is timed, with the demo's newest billed month and a programme."""
    from sqlalchemy import func, select

    from pms.core.db import new_session
    from pms.subsidies.models import Claim, Program

    with app.app_context():
        session = new_session(write=False)
        month = session.scalar(select(func.max(Claim.period)))
        program = session.scalar(select(Program.code).join(Claim, Claim.program_id == Program.id).limit(1))
        session.close()
    year = month[:4]
    return [("floor: seal-check page", "/reports/seal"),
            (f"overview, month {month}", f"/reports?period={month}"),
            (f"overview, year {year}", f"/reports?period={year}"),
            ("overview API, month", f"/api/v1/reports/overview?period={month}"),
            ("programme page, year", f"/reports/programs/{program}?period={year}"),
            ("claim lines, page 1", f"/reports/rows/claim_lines?period={year}&program={program}"),
            ("audit report PDF, month", f"/reports/programs/{program}/report.pdf?period={month}")]


def bench(engine_name: str, url: str, args) -> bool:
    """Time each portal page as the demo auditor; True when the overview meets the target."""
    from pms import create_app

    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "LOG_LEVEL": "WARNING"})
    timings = _query_timer(app.extensions["pms_engine"]) if args.queries else None
    client = app.test_client()
    assert client.post("/login", data={"username": "auditor", "password": "demo-auditor-2026"}).status_code == 302
    print(f"{engine_name}: the auditor's portal, {args.requests} requests each after 2 warm-up requests "
          f"(server time, in-process)")
    print(f"  {'page':28s} {'median ms':>10s} {'p95 ms':>8s} {'× floor':>8s}")
    ok, floor = True, None
    for label, path in _pages(app):
        count = args.requests if "PDF" not in label else max(3, args.requests // 5)
        samples = sample(client, path, count, warm_up=2, timings=timings)
        median, p95 = statistics.median(samples), _percentile(samples, 95)
        floor = floor or median
        verdict = ""
        if label.startswith("overview, month"):
            verdict = f"target ≤ {TARGET_MS:.0f} ms: " + ("ok" if median <= TARGET_MS else "SLOW")
            ok = median <= TARGET_MS
        print(f"  {label:28s} {median:10.1f} {p95:8.1f} {median / floor:8.1f}  {verdict}", flush=True)
        print_slowest(timings, 4)
    app.extensions["pms_engine"].dispose()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="postgresql")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--database-url", help="reuse this loaded demo database")
    parser.add_argument("--queries", action="store_true", help="print each page's slowest statements")
    raise SystemExit(0 if on_demo(bench, parser.parse_args()) else 1)


if __name__ == "__main__":
    main()
