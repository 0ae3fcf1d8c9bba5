"""Benchmark: a room's account (API and page) with 36 months of history.

Builds, on a fresh database, an estate of one entrance (12 rooms) with a fee plan of three items
and a late-charge clause, bills 36 months with the real billing runs (2023-11 … 2026-10), records
a realistic payment history for the measured room (paid late, part payments, an overpayment that
later bills consume, a reversal), accrues late charges monthly, then times
`GET /api/v1/rooms/{room}/account` and the page `/rooms/{room}/account` through the Flask test
client (~50 requests each, after a warm-up) and prints the medians. Target: ≤ 50 ms.

    .venv/bin/python benchmarks/account_page.py [--requests 50] [--engines sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, time as dtime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SHANGHAI = ZoneInfo("Asia/Shanghai")
START, MONTHS = "2023-11", 36
ROOM = "BEN-1-1-501"
PASSWORD = "bench-password-1"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, dtime(hour), tzinfo=SHANGHAI).astimezone(timezone.utc)


def build(app) -> dict:
    """The estate, 36 months of bills, payments, a reversal and late charges; returns counts."""
    from pms.accounts.services import create_user
    from pms.billing.services.late_fees import accrue_late_fees
    from pms.billing.models import Bill, LateFeeAccrual, Payment, PaymentAllocation
    from pms.billing.services.payments import record_payment, reverse_payment
    from pms.billing.services.plans import apply_fee_plan
    from pms.billing.services.runs import run_billing
    from pms.core.auth import Principal, Scope
    from pms.core.db import unit_of_work
    from pms.core.periods import add_months, day_in_period, first_day
    from pms.estates.models import (Building, Company, District, Entrance, Estate, Ownership, Person,
                                    Room, Street)
    from sqlalchemy import func, select

    with app.test_request_context(), unit_of_work() as s:
        company, district = Company(code="BENCH", name="基准物业"), District(code="110112", name="通州区")
        s.add_all([company, district])
        s.flush()
        street = Street(district_id=district.id, name="基准街道")
        s.add(street)
        s.flush()
        estate = Estate(code="BEN", name="基准小区", district_id=district.id, street_id=street.id,
                        company_id=company.id)
        s.add(estate)
        s.flush()
        building = Building(estate_id=estate.id, code="1")
        s.add(building)
        s.flush()
        entrance = Entrance(estate_id=estate.id, building_id=building.id, code="1")
        s.add(entrance)
        s.flush()
        for floor in range(1, 7):
            for suffix in ("01", "02"):
                room = Room(estate_id=estate.id, building_id=building.id, entrance_id=entrance.id,
                            code=f"BEN-1-1-{floor}{suffix}", number=f"{floor}{suffix}", floor=floor,
                            area_centi_m2=8655, usage="residential")
                s.add(room)
                s.flush()
                person = Person(estate_id=estate.id, name=f"业主{floor}{suffix}", phone="13900000000")
                s.add(person)
                s.flush()
                s.add(Ownership(estate_id=estate.id, room_id=room.id, person_id=person.id))
        s.flush()
        apply_fee_plan(s, estate, {
            "estate": "BEN", "effective_from": START, "due_day": 15,
            "late_fee": {"daily_rate_per_10k": 5, "grace_days": 30, "cap_percent": 30},
            "items": [
                {"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 121},
                {"code": "ELEVATOR", "name": "电梯运行费", "kind": "elevator_share", "entrances": ["1-1"],
                 "monthly_cost_fen": 180000,
                 "floor_weights": {"1": 0, "2": 0, "3": 10, "4": 20, "5": 30, "6": 40}},
                {"code": "PARKING", "name": "停车费", "kind": "fixed", "amount_fen": 15000, "rooms": [ROOM]}],
            "subsidies": []})
        create_user(s, username="finance", password=PASSWORD, role="finance", company_code="BENCH")
        estate_id = estate.id

    desk = Principal(user_id=0, username="bench", role="finance", scope=Scope(all_estates=True))
    to_reverse = None
    for month in range(MONTHS):
        period = add_months(START, month)
        with app.test_request_context(), unit_of_work() as s:
            run_billing(s, s.get(Estate, estate_id), period, today=first_day(period))
            owed = s.scalar(select(Bill.payable_fen).where(Bill.period == period, Bill.room_id == s.scalar(
                select(Room.id).where(Room.code == ROOM))))
            # Paid late in two parts, some second parts missing, every sixth month an overpayment, one
            # mistaken payment (reversed at the end); the last half year only half paid.
            due = day_in_period(period, 15)
            record_payment(s, desk, room_code=ROOM, amount_fen=owed // 2, channel="wechat",
                           received_at=at(due.replace(day=20)))
            extra = owed // 3 if month % 6 == 5 else 0
            if month % 4 != 3 and month < MONTHS - 6:  # the last half year: only half paid
                record_payment(s, desk, room_code=ROOM, amount_fen=owed - owed // 2 + extra, channel="bank",
                               received_at=at(due.replace(day=27)))
            if month == 20:
                to_reverse = record_payment(s, desk, room_code=ROOM, amount_fen=12345, channel="cash",
                                            received_at=at(due.replace(day=21))).id
            accrue_late_fees(s, estate_id, first_day(period).replace(day=28))
    with app.test_request_context(), unit_of_work() as s:
        reverse_payment(s, desk, to_reverse, reason="entered twice")
    with app.app_context(), unit_of_work() as s:
        room_id = s.scalar(select(Room.id).where(Room.code == ROOM))
        return {"bills": s.scalar(select(func.count(Bill.id)).where(Bill.room_id == room_id)),
                "payments": s.scalar(select(func.count(Payment.id)).where(Payment.room_id == room_id)),
                "allocations": s.scalar(select(func.count(PaymentAllocation.id))
                                        .where(PaymentAllocation.room_id == room_id)),
                "late_fee_accruals": s.scalar(select(func.count(LateFeeAccrual.id))
                                              .where(LateFeeAccrual.room_id == room_id))}


def median_ms(fn, n: int) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench(url: str, requests: int) -> None:
    from pms import create_app
    from pms.core.migrate import upgrade

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    started = time.perf_counter()
    counts = build(app)
    print(f"  history built in {time.perf_counter() - started:.1f} s: {counts}")
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "finance", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/rooms/{ROOM}/account", headers=headers).get_json()
    print(f"  account today: balance {body['balance_fen']} fen, prepaid {body['prepaid_fen']}, "
          f"late fees {body['late_fee_fen']}, {len(body['arrears'])} bills in arrears")

    def api():
        assert client.get(f"/api/v1/rooms/{ROOM}/account", headers=headers).status_code == 200

    def api_as_of():
        assert client.get(f"/api/v1/rooms/{ROOM}/account?as_of=2025-06-30", headers=headers).status_code == 200

    page_client = app.test_client()
    page_client.post("/login", data={"username": "finance", "password": PASSWORD})

    def page():
        assert page_client.get(f"/rooms/{ROOM}/account").status_code == 200

    print(f"  GET /api/v1/rooms/{ROOM}/account           median {median_ms(api, requests):6.1f} ms")
    print(f"  GET /api/v1/rooms/{ROOM}/account?as_of=…   median {median_ms(api_as_of, requests):6.1f} ms")
    print(f"  GET /rooms/{ROOM}/account (page)           median {median_ms(page, requests):6.1f} ms")
    app.extensions["pms_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        if engine == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                print("SQLite:")
                bench(f"sqlite:///{tmp}/bench.sqlite3", args.requests)
        elif engine == "postgresql":
            name = f"pms_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(make_url(PG_BASE), isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception as exc:  # no server: say so and go on
                print(f"PostgreSQL: skipped ({exc.__class__.__name__})")
                continue
            try:
                print("PostgreSQL:")
                bench(make_url(PG_BASE).set(database=name).render_as_string(hide_password=False), args.requests)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
