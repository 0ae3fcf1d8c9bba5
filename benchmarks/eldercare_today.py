"""Benchmark: the care worker's "today" page among an estate of 5,000 elders with daily plans.

On a fresh database: 5,000 elders with a daily plan each (the build of eldercare_visits.py), the
coming 7 days' visits generated (35,000), a dozen of today's assigned to one care worker. Times,
through the Flask test client after a warm-up, the care worker's `/eldercare/today` (target
≤ 50 ms), the manager's page filtered to that worker, and the manager's unfiltered page (5,000
visits today; the page shows the first 200 and asks for a worker). Medians are printed.

    .venv/bin/python benchmarks/eldercare_today.py [--elders 5000] [--requests 30] [--engines sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import time

from _common import fresh_postgres, fresh_sqlite, median  # noqa: E402  (sets sys.path)
from eldercare_visits import DAY, build  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

PASSWORD = "bench-password-1"
ASSIGNED = 12


def median_ms(call, requests: int) -> float:
    call()  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


def run(url: str, n: int, requests: int) -> tuple[float, float, float]:
    from pms import create_app
    from pms.accounts.services import create_user
    from pms.core import clock
    from pms.core.db import unit_of_work
    from pms.eldercare.models import Visit
    from pms.eldercare.services import plans

    app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    try:
        with app.test_request_context():
            with unit_of_work() as session:
                build(session, n)
            clock.set_today(DAY, 10, frozen=True)
            with unit_of_work() as session:
                carer = create_user(session, username="bench_carer", password=PASSWORD, role="care_worker",
                                    company_code="BENCH")
                others = create_user(session, username="bench_others", password=PASSWORD, role="care_worker",
                                     company_code="BENCH")
                create_user(session, username="bench_boss", password=PASSWORD, role="manager", company_code="BENCH")
                plans.generate_visits(session, today=DAY)
                # The build's plans name no worker: today's visits go to colleagues, a dozen to ours
                # (a care worker's page shows their own and the unassigned ones).
                session.execute(update(Visit).where(Visit.date == DAY).values(worker_id=others.id))
                ids = session.scalars(select(Visit.id).where(Visit.date == DAY).order_by(Visit.id).limit(ASSIGNED)).all()
                session.execute(update(Visit).where(Visit.id.in_(ids)).values(worker_id=carer.id))
        worker, manager = app.test_client(), app.test_client()
        worker.post("/login", data={"username": "bench_carer", "password": PASSWORD})
        manager.post("/login", data={"username": "bench_boss", "password": PASSWORD})

        def page(client, path, cards):
            def call():
                response = client.get(path)
                assert response.status_code == 200 and response.get_data(as_text=True).count('class="card visit ') == cards
            return call

        return (median_ms(page(worker, "/eldercare/today", ASSIGNED), requests),
                median_ms(page(manager, "/eldercare/today?worker=bench_carer", ASSIGNED), requests),
                median_ms(page(manager, "/eldercare/today", 200), requests))
    finally:
        clock.reset()
        app.extensions["pms_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elders", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        with (fresh_sqlite() if engine == "sqlite" else fresh_postgres()) as url:
            if url is None:
                continue
            own, filtered, whole = run(url, args.elders, args.requests)
        print(f"{engine:<10} {args.elders} elders: care worker's today ({ASSIGNED} visits) {own:.1f} ms (target "
              f"≤ 50 ms) · manager filtered to that worker {filtered:.1f} ms · manager unfiltered (first 200 of "
              f"{args.elders}) {whole:.1f} ms   [median of {args.requests}]")


if __name__ == "__main__":
    main()
