"""Benchmark: elder-care visit generation and the missed-check-in sweep.

5,000 elders with a daily plan each: generating the coming 7 days' visits (35,000 rows; target
≤ 2 s on PostgreSQL), the rerun that finds them all present (≤ 0.2 s), and the sweep over a day of
5,000 visits none of which was checked in (marks them missed, 5,000 alerts with their in-app
notifications and e-mails to the manager; ≤ 0.5 s). Each step is one committed unit of work on a
fresh database per repeat; medians are printed.

    .venv/bin/python benchmarks/eldercare_visits.py [--elders 5000] [--repeat 3] [--engines sqlite,postgresql]
"""
from __future__ import annotations

import argparse
from datetime import date, datetime, time, timezone

from _common import Stopwatch, fresh_postgres, fresh_sqlite, median  # noqa: E402  (sets sys.path)
from sqlalchemy import func, insert, select  # noqa: E402

DAY = date(2026, 3, 2)  # a Monday


def build(session, n: int) -> None:
    """A company with one estate of `n` rooms, an elder in each with a daily meal plan."""
    from pms.accounts.models import User
    from pms.eldercare.models import CarePlan, CareService, Elder
    from pms.estates.models import Building, Company, District, Entrance, Estate, Person, Room

    company, district = Company(code="BENCH", name="基准物业"), District(code="110112", name="通州区")
    session.add_all([company, district])
    session.flush()
    estate = Estate(code="BEN", name="基准小区", district_id=district.id, company_id=company.id)
    session.add(estate)
    session.flush()
    building = Building(estate_id=estate.id, code="1")
    session.add(building)
    session.flush()
    entrance = Entrance(estate_id=estate.id, building_id=building.id, code="1")
    manager = User(username="bench_manager", password_hash="x", role="manager", company_id=company.id)
    service = CareService(company_id=company.id, code="MEAL", kind="meal", name="助餐", price_fen=1500, unit="meal")
    session.add_all([entrance, manager, service])
    session.flush()
    room_ids = list(session.scalars(insert(Room).returning(Room.id, sort_by_parameter_order=True), [
        dict(estate_id=estate.id, building_id=building.id, entrance_id=entrance.id, code=f"BEN-1-1-{i}",
             number=str(i), floor=1, area_centi_m2=6000, usage="residential") for i in range(n)]))
    person_ids = list(session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), [
        dict(estate_id=estate.id, name=f"老人{i}", phone="") for i in range(n)]))
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    elder_ids = list(session.scalars(insert(Elder).returning(Elder.id, sort_by_parameter_order=True), [
        dict(estate_id=estate.id, room_id=r, person_id=p, name="老人", birth_date=date(1940, 1, 1), lives_alone=False,
             daily_check_in=False, health_notes="", pin_hash="x", home_code_hash="x", home_code_issued_at=now,
             consent_by_id=manager.id, consent_at=now, created_at=now) for r, p in zip(room_ids, person_ids)]))
    session.execute(insert(CarePlan), [
        dict(estate_id=estate.id, room_id=r, elder_id=e, service_id=service.id, recurrence="daily", weekdays=0,
             start_time=time(11, 30), end_time=time(12, 0), starts_on=DAY, created_at=now)
        for r, e in zip(room_ids, elder_ids)])


def run_once(url: str, n: int) -> tuple[float, float, float, int, int]:
    from pms import create_app
    from pms.core import clock
    from pms.core.db import unit_of_work
    from pms.eldercare.models import Visit
    from pms.eldercare.services import alerts, plans

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        with unit_of_work() as session:
            build(session, n)
        try:
            clock.set_today(DAY, 8, frozen=True)
            with Stopwatch() as first, unit_of_work() as session:
                created = plans.generate_visits(session, today=DAY)
            with Stopwatch() as rerun, unit_of_work() as session:
                again = plans.generate_visits(session, today=DAY)
            assert again == 0, again
            clock.set_today(DAY, 23, frozen=True)  # the whole day's windows and grace have passed
            with Stopwatch() as sweep, unit_of_work() as session:
                alerted = alerts.sweep_missed(session)
            with unit_of_work(write=False) as session:
                missed = session.scalar(select(func.count(Visit.id)).where(Visit.status == "missed"))
            assert alerted == missed == n, (alerted, missed)
        finally:
            clock.reset()
        app.extensions["pms_engine"].dispose()
    return first.seconds, rerun.seconds, sweep.seconds, created, alerted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elders", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        results = []
        for _ in range(args.repeat):
            with (fresh_sqlite() if engine == "sqlite" else fresh_postgres()) as url:
                if url is None:
                    break
                results.append(run_once(url, args.elders))
        if not results:
            continue
        created, alerted = results[0][3], results[0][4]
        print(f"{engine:<10} {args.elders} elders: generate 7 days ({created} visits) "
              f"{median([r[0] for r in results]):.3f} s (target ≤ 2 s on PostgreSQL) · rerun "
              f"{median([r[1] for r in results]):.3f} s (≤ 0.2 s) · sweep a day ({alerted} missed) "
              f"{median([r[2] for r in results]):.3f} s (≤ 0.5 s)   [median of {len(results)}]")


if __name__ == "__main__":
    main()
