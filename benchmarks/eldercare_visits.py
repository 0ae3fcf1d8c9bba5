"""Benchmark: elder-care visit generation and the missed-check-in sweep, on two shapes, each beside
its own floor measured in the same run (issue 15).

Synthetic: one estate of N rooms (--elders, 5,000) in an empty database, an elder in each with a
daily meal plan; a fresh database per repeat.
Lived-in: as many elders spread over --estates estates of 500 rooms (200: 100,000 rooms), one
company (as the demo), a care worker for each round of 20 meals, a fifth of the elders living alone
with a daily check-in instead of a plan, each with an emergency contact, and four weeks of history
up to yesterday: the visits made by the product's own generation, checked in and out as the
workers' check-ins leave them (90 % confirmed by the elder, 7 % awaiting it), the rest swept
missed night by night by the product's own sweep (alerts, notifications, e-mails, SMS), the alerts
acknowledged; then statistics as after a normal day (VACUUM ANALYZE; ANALYZE on SQLite). Built
once, copied per repeat (benchmarks/lived_in.py's copies). The history stops yesterday, so the
timed generation makes the same 7 days as on the synthetic shape.

Timed on each, one committed unit of work a step: generating the coming 7 days' visits (35,000
rows for 5,000 elders; target ≤ 2 s), the rerun that finds them all present (≤ 0.2 s), the sweep
over a day of 5,000 visits none of which was checked in (marks them missed, 5,000 alerts with
their notifications and messages; ≤ 0.5 s): targets on PostgreSQL. The floor: a bare
INSERT … SELECT of the generated visit rows into a table shaped like visit (same keys, indexes and
foreign keys). Medians.

    .venv/bin/python benchmarks/eldercare_visits.py [--shape synthetic|lived-in|both] [--elders 5000]
        [--estates 200] [--repeat 3] [--engines sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import random
import time as timer
from datetime import date, datetime, time, timedelta, timezone

from _common import Stopwatch, create_table_like, fresh_postgres, fresh_sqlite, median, migrate  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

import lived_in  # noqa: E402  (its databases that copy themselves)

DAY = date(2026, 3, 2)  # a Monday
LIVED_DAY = date(2026, 3, 30)  # a Monday after four weeks of history, all in one unbilled month
HISTORY_DAYS, ROOMS_PER_ESTATE, ROUND = 28, 500, 20  # a care worker's round: 20 meals, 10 minutes apart
TARGETS = {"generate": 2.0, "rerun": 0.2, "sweep": 0.5}  # seconds, on PostgreSQL


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


# --- the lived-in shape -----------------------------------------------------------------------

def build_lived_in(session, n: int, estates: int) -> None:
    """One company's `estates` estates of 500 rooms with `n` elders spread over them: plans,
    check-ins, contacts and care workers (the history is `live_history`'s)."""
    from pms.accounts.models import User
    from pms.eldercare.models import CarePlan, CareService, Elder, EmergencyContact
    from pms.estates.models import Building, Company, District, Entrance, Estate, Person, Room

    company, district = Company(code="BENCH", name="基准物业"), District(code="110112", name="通州区")
    session.add_all([company, district])
    session.flush()
    manager = User(username="bench_manager", password_hash="x", role="manager", company_id=company.id)
    meal = CareService(company_id=company.id, code="MEAL", kind="meal", name="助餐", price_fen=1500, unit="meal")
    visit = CareService(company_id=company.id, code="VISIT", kind="visit", name="探访", price_fen=0, unit="visit",
                        min_minutes=10)
    session.add_all([manager, meal, visit])
    session.flush()
    estate_ids = list(session.scalars(insert(Estate).returning(Estate.id, sort_by_parameter_order=True), [
        dict(code=f"E{e:03d}", name=f"基准{e}小区", district_id=district.id, company_id=company.id)
        for e in range(estates)]))
    buildings = [(e, b) for e in estate_ids for b in range(5)]  # 5 buildings of 100 rooms
    building_ids = list(session.scalars(insert(Building).returning(Building.id, sort_by_parameter_order=True), [
        dict(estate_id=e, code=str(b + 1)) for e, b in buildings]))
    entrance_ids = list(session.scalars(insert(Entrance).returning(Entrance.id, sort_by_parameter_order=True), [
        dict(estate_id=e, building_id=bid, code="1") for (e, _b), bid in zip(buildings, building_ids)]))
    rooms = [dict(estate_id=e, building_id=bid, entrance_id=eid, code=f"E{e}-{b + 1}-1-{k}", number=str(k),
                  floor=k // 4 + 1, area_centi_m2=5000 + (k * 37) % 7000, usage="residential")
             for (e, b), bid, eid in zip(buildings, building_ids, entrance_ids) for k in range(100)]
    room_ids = []
    for start in range(0, len(rooms), 20000):
        room_ids += session.scalars(insert(Room).returning(Room.id, sort_by_parameter_order=True),
                                    rooms[start:start + 20000]).all()
    # Elders spread evenly: the i-th lives in estate i % estates, in a room spaced along it.
    per_estate = -(-n // estates)
    chosen = [(i % estates, i // estates) for i in range(n)]
    homes = [(estate_ids[e], room_ids[e * ROOMS_PER_ESTATE + (k * ROOMS_PER_ESTATE // per_estate)])
             for e, k in chosen]
    person_ids = list(session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), [
        dict(estate_id=e, name=f"老人{i}", phone="") for i, (e, _r) in enumerate(homes)]))
    now = datetime.combine(LIVED_DAY - timedelta(days=HISTORY_DAYS + 7), time(2), tzinfo=timezone.utc)
    alone = [i % 5 == 0 for i in range(n)]
    elder_ids = list(session.scalars(insert(Elder).returning(Elder.id, sort_by_parameter_order=True), [
        dict(estate_id=e, room_id=r, person_id=p, name=f"老人{i}", birth_date=date(1940, 1, 1) + timedelta(days=i % 3000),
             lives_alone=alone[i], daily_check_in=alone[i], health_notes="", pin_hash="x", home_code_hash="x",
             home_code_issued_at=now, consent_by_id=manager.id, consent_at=now, created_at=now)
        for i, ((e, r), p) in enumerate(zip(homes, person_ids))]))
    session.execute(insert(EmergencyContact), [
        dict(elder_id=elder, estate_id=e, position=0, name="家属", phone=f"139{i:08d}", relation="女儿")
        for i, (elder, (e, _r)) in enumerate(zip(elder_ids, homes))])
    # Everyone else a daily meal, on a care worker's round of ROUND meals, one after another.
    planned = [(elder, e, r) for elder, (e, r), lone in zip(elder_ids, homes, alone) if not lone]
    by_estate: dict[int, list] = {}
    for row in planned:
        by_estate.setdefault(row[1], []).append(row)
    rounds = [(e, k // ROUND) for e, rows in by_estate.items() for k in range(0, len(rows), ROUND)]
    worker_ids = list(session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
        dict(username=f"carer_{e}_{w}", password_hash="x", role="care_worker", company_id=company.id,
             is_active=True) for e, w in rounds]))
    worker_of = dict(zip(rounds, worker_ids))
    plans = []
    for e, rows in by_estate.items():
        for k, (elder, _e, room) in enumerate(rows):
            start = datetime.combine(LIVED_DAY, time(10, 30)) + timedelta(minutes=10 * (k % ROUND))
            plans.append(dict(estate_id=e, room_id=room, elder_id=elder, service_id=meal.id, recurrence="daily",
                              weekdays=0, start_time=start.time(), end_time=(start + timedelta(minutes=10)).time(),
                              worker_id=worker_of[(e, k // ROUND)], starts_on=LIVED_DAY - timedelta(days=HISTORY_DAYS),
                              created_by_id=manager.id, created_at=now))
    session.execute(insert(CarePlan), plans)


def live_history(app, seed: int = 15) -> dict:
    """Four weeks up to yesterday, as the product leaves them: generated, checked in and out,
    confirmed or not, the rest swept missed each night, the alerts acknowledged."""
    from pms.accounts.models import User
    from pms.core import clock
    from pms.core.bulk import insert_rows, update_rows
    from pms.core.db import UTCDateTime, unit_of_work
    from pms.eldercare.models import Visit, VisitAlert
    from pms.eldercare.services import alerts, plans
    from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table

    rng = random.Random(seed)
    first = LIVED_DAY - timedelta(days=HISTORY_DAYS)
    try:
        clock.set_today(first - timedelta(days=1), 0, frozen=True)  # made before their days (created_at)
        with unit_of_work() as session:
            generated = plans.generate_visits(session, today=first, days=HISTORY_DAYS)
        # The workers' check-ins and check-outs and the elders' confirmations (as `visits` writes
        # them), set-based: the evidence rows bulk-loaded, then one UPDATE … FROM.
        evidence = Table("bench_evidence", MetaData(), Column("id", Integer, primary_key=True),
                         Column("status", String(16)), Column("worker_id", Integer),
                         Column("checked_in_at", UTCDateTime), Column("verified", Boolean),
                         Column("checked_out_at", UTCDateTime), Column("confirmed_at", UTCDateTime),
                         prefixes=["TEMPORARY"])
        with unit_of_work() as session:
            first_worker = dict(session.execute(  # who does an estate's daily check-ins
                select(Visit.estate_id, func.min(Visit.worker_id)).group_by(Visit.estate_id)).all())
            rows = []
            for visit_id, estate_id, worker_id, starts_at in session.execute(
                    select(Visit.id, Visit.estate_id, Visit.worker_id, Visit.starts_at).order_by(Visit.id)):
                roll = rng.random()
                if roll < 0.03:
                    continue  # never checked in: that night's sweep marks it missed
                started = starts_at + timedelta(minutes=rng.randint(-5, 10))
                done = started + timedelta(minutes=15 + rng.randint(0, 15))
                rows.append(dict(id=visit_id, status="confirmed" if roll < 0.93 else "checked_out",
                                 worker_id=worker_id or first_worker[estate_id], checked_in_at=started,
                                 verified=roll >= 0.031,  # a few checked in without the home code
                                 checked_out_at=done,
                                 confirmed_at=done if roll < 0.93 else None))
            evidence.create(session.connection())
            insert_rows(session, evidence, rows)
            session.execute(text(
                "UPDATE visit SET status = e.status, worker_id = e.worker_id, checked_in_at = e.checked_in_at,"
                " checked_in_by_id = e.worker_id, verified = e.verified, checked_out_at = e.checked_out_at,"
                " outcome = 'completed', confirmed_at = e.confirmed_at,"
                " confirmed_by_id = CASE WHEN e.confirmed_at IS NULL THEN NULL ELSE e.worker_id END"
                " FROM bench_evidence e WHERE visit.id = e.id"))
            evidence.drop(session.connection())
        missed = 0
        for offset in range(HISTORY_DAYS):  # each night's sweep, after the day's windows
            now = datetime.combine(first + timedelta(days=offset), time(23), tzinfo=clock.timezone())
            clock.set_today(first + timedelta(days=offset), 23, frozen=True)
            with unit_of_work() as session:
                missed += alerts.sweep_missed(session, now=now)
        with unit_of_work() as session:  # acknowledged within the hour by the manager
            manager = session.scalar(select(User.id).where(User.role == "manager"))
            update_rows(session, VisitAlert, [
                dict(id=alert_id, acknowledged_at=created + timedelta(minutes=rng.randint(5, 60)),
                     acknowledged_by_id=manager, finding="电话联系，老人在女儿家")
                for alert_id, created in session.execute(select(VisitAlert.id, VisitAlert.created_at))])
    finally:
        clock.reset()
    return dict(visits=generated, confirmed=sum(r["status"] == "confirmed" for r in rows), missed=missed)


# --- the steps and the floor, on either shape -------------------------------------------------

def time_steps(day: date, n: int) -> dict:
    """Generate the week from `day`, rerun, floor, sweep `day` (in an app context)."""
    from pms.core import clock
    from pms.core.db import get_engine, unit_of_work
    from pms.eldercare.models import Visit
    from pms.eldercare.services import alerts, plans

    try:
        clock.set_today(day, 8, frozen=True)
        with Stopwatch() as first, unit_of_work() as session:
            created = plans.generate_visits(session, today=day)
        with Stopwatch() as rerun, unit_of_work() as session:
            again = plans.generate_visits(session, today=day)
        assert again == 0, again
        floor = _floor(get_engine(), day)
        clock.set_today(day, 23, frozen=True)  # the whole day's windows and grace have passed
        with Stopwatch() as sweep, unit_of_work() as session:
            alerted = alerts.sweep_missed(session)
        with unit_of_work(write=False) as session:
            missed = session.scalar(select(func.count(Visit.id)).where(Visit.status == "missed", Visit.date == day))
        assert alerted == missed == n, (alerted, missed)
    finally:
        clock.reset()
    return dict(generate=first.seconds, rerun=rerun.seconds, sweep=sweep.seconds, floor=floor, created=created,
                alerted=alerted)


def _floor(engine, day: date) -> float:
    """A bare INSERT … SELECT of the week's generated visit rows into a table shaped like visit."""
    from pms.eldercare.models import Visit

    columns = ", ".join(c.name for c in Visit.__table__.columns if c.name != "id")
    with engine.begin() as conn:
        create_table_like(conn, Visit, "floor_visit")
    with engine.begin() as conn:
        started = timer.perf_counter()
        conn.execute(text(f"INSERT INTO floor_visit ({columns}) SELECT {columns} FROM visit "
                          "WHERE date BETWEEN :first AND :last AND slot IS NOT NULL"),
                     {"first": day, "last": day + timedelta(days=6)})
        seconds = timer.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE floor_visit"))
    return seconds


def _app(url: str):
    from pms import create_app

    return create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})


def synthetic(engine: str, n: int, repeat: int) -> None:
    from pms.core.db import unit_of_work

    results = []
    for _ in range(repeat):
        with (fresh_sqlite() if engine == "sqlite" else fresh_postgres()) as url:
            if url is None:
                return
            app = _app(url)
            with app.app_context():
                with unit_of_work() as session:
                    build(session, n)
                results.append(time_steps(DAY, n))
            app.extensions["pms_engine"].dispose()
    report(engine, f"synthetic: one estate of {n:,} rooms in an empty database, an elder in each with a daily "
                   f"meal plan; medians of {repeat} fresh databases", results)


def lived(engine: str, n: int, estates: int, repeat: int) -> None:
    from pms.core.db import unit_of_work

    db = lived_in.database(engine)
    try:
        started = timer.perf_counter()
        migrate(db.base_url())
        app = _app(db.base_url())
        with app.app_context():
            with unit_of_work() as session:
                build_lived_in(session, n, estates)
            history = live_history(app)
        app.extensions["pms_engine"].dispose()  # a PostgreSQL template takes no connections
        db.settle(db.base_url())
        built = timer.perf_counter() - started
        results = []
        for _ in range(repeat):
            url = db.copy()
            try:
                app = _app(url)
                with app.app_context():
                    results.append(time_steps(LIVED_DAY, n))
                app.extensions["pms_engine"].dispose()
            finally:
                db.drop(url)
    finally:
        db.close()
    report(engine, f"lived-in: {n:,} elders over {estates} estates of {ROOMS_PER_ESTATE} rooms, {HISTORY_DAYS} days "
                   f"of history ({history['visits']:,} visits, {history['confirmed']:,} confirmed, "
                   f"{history['missed']:,} missed with their alerts); built in {built:.0f} s; medians of {repeat} "
                   f"copies", results)


def report(engine: str, shape: str, results: list[dict]) -> None:
    def med(key):
        return median([r[key] for r in results])

    def target(step, seconds):
        goal = f"target ≤ {TARGETS[step]:g} s on PostgreSQL"
        return f"{goal}: {lived_in.verdict(seconds <= TARGETS[step])}" if engine == "postgresql" else goal

    def runs(key):
        return ", ".join(f"{r[key]:.3f}" for r in results)

    floor, created, alerted = med("floor"), results[0]["created"], results[0]["alerted"]
    print(f"{engine}, {shape}", flush=True)
    print(f"  {'floor':<10}{floor:7.3f} s  bare INSERT … SELECT of the {created:,} visit rows")
    for step, what in (("generate", f"the coming 7 days, {created:,} visits"), ("rerun", "all present"),
                       ("sweep", f"a day's {alerted:,} missed check-ins alerted")):
        seconds = med(step)
        print(f"  {step:<10}{seconds:7.3f} s = {seconds / floor:5.1f}× floor  {what} ({target(step, seconds)});"
              f" runs {runs(step)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("synthetic", "lived-in", "both"), default="both")
    parser.add_argument("--elders", type=int, default=5000)
    parser.add_argument("--estates", type=int, default=200, help="the lived-in shape's estates of 500 rooms")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        if args.shape in ("synthetic", "both"):
            synthetic(engine, args.elders, args.repeat)
        if args.shape in ("lived-in", "both"):
            lived(engine, args.elders, args.estates, args.repeat)


if __name__ == "__main__":
    main()
