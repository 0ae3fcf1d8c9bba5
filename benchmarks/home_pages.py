"""Benchmark: every role's home page (`/`), server time in-process (issue 11).

On the lived-in demo (`pms demo load --households N`, 100,000 households by default) each demo
user logs in through the login form, then `GET /` is timed with Flask's test client (no network,
no gunicorn: the time the server spends, queries and template included). Target: median and p95
≤ 100 ms for every home on PostgreSQL. The resident's account page (their first room's
`/rooms/<code>/account`, the page a resident opens most after the home) is timed the same way,
target ≤ 50 ms (issue 15).

    .venv/bin/python benchmarks/home_pages.py [--engine postgresql|sqlite|both]
        [--households 100000] [--requests 30] [--database-url URL] [--queries]

`--database-url` reuses an already loaded demo database instead of loading a fresh one (it is only
read: the homes write nothing). `--queries` also prints each home's slowest SQL statements.
`--links N` also times every page one tap away (each link on the home, N requests each): no target,
it shows which page behind a count grows with the city.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import time

from _common import ROOT, fresh_postgres, fresh_sqlite
from concurrent_payments import load_demo

TARGET_MS = 100.0
ACCOUNT_TARGET_MS = 50.0
_HREF = re.compile(r'href="(/[^"#]*)"')


def _percentile(values: list[float], pct: int) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-pct * len(ordered) // 100) - 1)]


def _query_timer(engine):
    """Collect (milliseconds, statement) of every SQL statement run on `engine`."""
    from sqlalchemy import event

    timings: list[tuple[float, str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, parameters, context, executemany):
        started = conn.info["bench_started"].pop()
        timings.append(((time.perf_counter() - started) * 1000, " ".join(statement.split())[:160]))

    return timings


def sample(client, path: str, count: int, *, warm_up: int, timings=None) -> list[float]:
    """Milliseconds of `count` GETs of `path` after `warm_up` untimed ones (each must answer 200);
    the query timings, if collected, cover the timed ones only."""
    for _ in range(warm_up):
        assert client.get(path).status_code == 200, path
    if timings is not None:
        timings.clear()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return samples


def print_slowest(timings, count: int) -> None:
    """The `count` statements with the highest median time, if timings were collected."""
    if not timings:
        return
    per_statement: dict[str, list[float]] = {}
    for ms, statement in timings:
        per_statement.setdefault(statement, []).append(ms)
    for statement, values in sorted(per_statement.items(), key=lambda kv: -statistics.median(kv[1]))[:count]:
        print(f"      {statistics.median(values):7.2f} ms  {statement}")


def settle(url: str) -> None:
    """VACUUM ANALYZE a freshly loaded PostgreSQL demo, as autovacuum does soon after a bulk load:
    index-only scans need the visibility map a fresh load has not set yet."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def bench(engine_name: str, url: str, args) -> bool:
    """Time every demo user's home; True when all meet the target."""
    from pms import create_app
    from pms.demo.loader import DEMO_USERS

    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "LOG_LEVEL": "WARNING"})
    timings = _query_timer(app.extensions["pms_engine"]) if args.queries else None
    print(f"{engine_name}: home pages, {args.requests} requests each after 3 warm-up requests (server time, "
          f"in-process)")
    print(f"  {'user':12s} {'role':12s} {'median ms':>10s} {'p95 ms':>8s} {'max ms':>8s}  target ≤ {TARGET_MS:.0f} ms")
    ok = True
    for username, role, password, _name in DEMO_USERS:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, (username, response.status_code)
        samples = sample(client, "/", args.requests, warm_up=3, timings=timings)
        median, p95 = statistics.median(samples), _percentile(samples, 95)
        verdict = "ok" if p95 <= TARGET_MS else "SLOW"
        ok = ok and verdict == "ok"
        print(f"  {username:12s} {role:12s} {median:10.1f} {p95:8.1f} {max(samples):8.1f}  {verdict}", flush=True)
        print_slowest(timings, 5)
        if role == "resident":
            ok = account_page(app, client, args, timings) and ok
        if args.links:
            one_tap_away(client, args, timings)
    app.extensions["pms_engine"].dispose()
    return ok


def one_tap_away(client, args, timings) -> None:
    """Time each page the home links to (not the static files, PDFs or logging out)."""
    home = client.get("/").get_data(as_text=True)
    main = home[home.index("<main"):home.index("</main>")]
    links = sorted({h.replace("&amp;", "&") for h in _HREF.findall(main)
                    if not h.startswith("/static/") and not h.endswith(".pdf") and h != "/logout"})
    for path in links:
        samples = sample(client, path, args.links, warm_up=1, timings=timings)
        print(f"  {'':12s} {'→ ' + path:<58s} {statistics.median(samples):8.1f} ms median, "
              f"max {max(samples):.1f}", flush=True)
        print_slowest(timings, 3)


def account_page(app, client, args, timings) -> bool:
    """Time the logged-in resident's account page of their first room; True when within target."""
    from sqlalchemy import text

    with app.extensions["pms_engine"].connect() as conn:
        room = conn.execute(text(
            "SELECT r.code FROM room r JOIN user_room ur ON ur.room_id = r.id JOIN user_account u ON u.id = ur.user_id"
            " WHERE u.username = 'resident' ORDER BY r.code LIMIT 1")).scalar_one()
    path = f"/rooms/{room}/account"
    samples = sample(client, path, args.requests, warm_up=3, timings=timings)
    median, p95 = statistics.median(samples), _percentile(samples, 95)
    verdict = "ok" if p95 <= ACCOUNT_TARGET_MS else "SLOW"
    print(f"  {'':12s} {path:12s} {median:10.1f} {p95:8.1f} {max(samples):8.1f}  {verdict} (target ≤ "
          f"{ACCOUNT_TARGET_MS:.0f} ms)", flush=True)
    print_slowest(timings, 5)
    return verdict == "ok"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="postgresql")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", help="reuse this loaded demo database (read only)")
    parser.add_argument("--queries", action="store_true", help="print each home's slowest statements")
    parser.add_argument("--links", type=int, default=0, metavar="N",
                        help="also time each page the home links to, N requests each")
    raise SystemExit(0 if on_demo(bench, parser.parse_args()) else 1)


def on_demo(bench, args) -> bool:
    """Run `bench(engine, url, args)` on `--database-url`, or on a freshly loaded and settled demo
    of `--households` per engine of `--engine`; True when every run met its target."""
    # `pms demo load` runs as a console script: make it load this checkout's code and migrations.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    if args.database_url:
        return bench(args.database_url.split("+")[0].split(":")[0], args.database_url, args)
    ok = True
    for engine in (("postgresql", "sqlite") if args.engine == "both" else (args.engine,)):
        with (fresh_sqlite() if engine == "sqlite" else fresh_postgres()) as url:
            if url is None:
                print(f"{engine}: skipped (not reachable)")
                continue
            load_demo(url, args.households)
            settle(url)
            ok = bench(engine, url, args) and ok
    return ok


if __name__ == "__main__":
    main()
