"""Elder care under real concurrency, on SQLite and PostgreSQL: one elder per person, one booking
per worker and window, the PIN lock-out counted exactly, and two schedulers generating and
sweeping at once create nothing twice."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from pms.core.db import unit_of_work
from pms.eldercare.models import Elder, Visit, VisitAlert
from pms.eldercare.services import alerts, plans
from tests.concurrency.conftest import race, statuses

N = 8
ELDER = {"room": "YJL-3-2-501", "name": "张三", "birth_date": "1940-05-10", "lives_alone": True,
         "emergency_contacts": [], "health_notes": "", "consent": True, "confirmation_pin": "2468"}


@pytest.fixture
def tokens(server, world, clock):
    tokens = {name: server.token(name) for name in ("manager", "carer")}
    race(N, lambda i: server.get("/api/v1/care-services", token=tokens["manager"]))
    return tokens


def count(db, model, *where) -> int:
    db.rollback()
    return db.scalar(select(func.count(model.id)).where(*where))


def test_parallel_registrations_of_one_person_one_wins(server, tokens, db, audit_verify):
    replies = race(N, lambda i: server.post("/api/v1/elders", ELDER, token=tokens["carer"]))
    assert statuses(replies) == [201] + [409] * (N - 1)
    assert count(db, Elder) == 1
    audit_verify()


@pytest.fixture
def elder(server, tokens):
    server.call("PUT", "/api/v1/care-services/CLEAN", {"kind": "cleaning", "name": "助洁", "price_fen": 4000,
                                                       "unit": "hour", "min_minutes": 0}, token=tokens["manager"])
    server.call("PUT", "/api/v1/care-services/VISIT", {"kind": "visit", "name": "探访", "price_fen": 0,
                                                       "unit": "visit", "min_minutes": 0}, token=tokens["manager"])
    reply = server.post("/api/v1/elders", ELDER, token=tokens["carer"])
    assert reply.status == 201, reply.body
    return reply.body


def test_parallel_bookings_of_one_worker_one_wins(server, tokens, elder, db):
    body = {"elder": elder["id"], "service": "CLEAN", "date": "2026-03-02", "start": "14:00", "end": "15:00",
            "worker": "carer"}
    replies = race(N, lambda i: server.post("/api/v1/visits", body, token=tokens["manager"]))
    assert statuses(replies) == [201] + [409] * (N - 1)
    assert count(db, Visit) == 1


def test_parallel_wrong_pins_are_each_counted_up_to_the_lock(server, tokens, elder, db):
    body = {"elder": elder["id"], "service": "CLEAN", "date": "2026-03-02", "start": "14:00", "end": "15:00",
            "worker": "carer"}
    visit = server.post("/api/v1/visits", body, token=tokens["manager"]).body["id"]
    server.post(f"/api/v1/visits/{visit}/check-in", {"home_code": elder["home_code"]}, token=tokens["carer"])
    server.post(f"/api/v1/visits/{visit}/check-out", {"outcome": "completed"}, token=tokens["carer"])
    replies = race(N, lambda i: server.post(f"/api/v1/visits/{visit}/confirmation", {"pin": "0000"},
                                            token=tokens["carer"]))
    assert statuses(replies) == [409] * (N - 5) + [422] * 5
    db.rollback()
    assert db.scalar(select(Visit.pin_failures).where(Visit.id == visit)) == 5
    assert server.post(f"/api/v1/visits/{visit}/confirmation", {"pin": "2468"}, token=tokens["carer"]).status == 409


def test_two_schedulers_generate_and_sweep_once(app, elder, db, clock):
    def generate(_i):
        with app.app_context(), unit_of_work() as session:
            return plans.generate_visits(session)

    created = race(4, generate)
    assert sum(created) == 7 and count(db, Visit) == 7  # the daily check-ins of a week
    clock.set(datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc))  # today's 09–11 window + 30 min has passed

    def sweep(_i):
        with app.app_context(), unit_of_work() as session:
            return alerts.sweep_missed(session)

    assert sum(race(4, sweep)) == 1 and count(db, VisitAlert) == 1
