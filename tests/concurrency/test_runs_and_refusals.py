"""Billing runs started at once, and what a client gets when the database refuses or is busy:
a constraint → 409, a lock wait that ran out → 503 with Retry-After; nothing half-written."""
from __future__ import annotations

import contextlib
import sqlite3

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from pms.billing.models import Bill, BillingRun, Payment
from pms.core import periods
from pms.core.db import make_engine
from tests.billing.helpers_payments import issue_bill, make_plan
from tests.concurrency.conftest import race, statuses

ROOM = "YJL-3-2-501"


def test_parallel_billing_runs_bill_each_room_once(server, world, db, audit_verify):
    make_plan(db, world.yjl, effective_from="2020-01")
    db.commit()
    token = server.token("finance")
    period = periods.period_of(periods.today())
    replies = race(10, lambda i: server.post("/api/v1/billing-runs", {"estate": "YJL", "period": period},
                                             token=token))
    assert statuses(replies) == [200] * 9 + [201]
    created = [r.body for r in replies if r.status == 201][0]
    assert created["bills_created"] == 2  # YJL has two rooms
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Bill)) == 2
    assert db.scalar(select(func.count()).select_from(BillingRun)) == 1
    audit_verify()


@pytest.fixture
def impatient(app):
    """The app with a one-second lock timeout."""
    app.extensions["pms_engine"].dispose()
    app.extensions["pms_engine"] = make_engine(app.config["DATABASE_URL"], lock_timeout=1)
    return app


@contextlib.contextmanager
def held_lock(app, room_id):
    """Another writer holding the room's lock (PostgreSQL) or the database's (SQLite) meanwhile."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None, timeout=1)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT id FROM room WHERE id = :id FOR UPDATE"), {"id": room_id})
                yield
                conn.rollback()
        finally:
            engine.dispose()


def test_a_lock_wait_that_runs_out_answers_503_and_writes_nothing(impatient, server, world, db):
    plan = make_plan(db, world.yjl, effective_from="2024-01")
    issue_bill(db, world.r501, "2024-01", 10000, plan=plan)
    db.commit()
    token = server.token("finance")
    body = {"room": ROOM, "amount_fen": 500, "channel": "cash", "reference": "", "idempotency_key": "busy-1"}
    with held_lock(impatient, world.r501.id):
        reply = server.post("/api/v1/payments", body, token=token)
    assert reply.status == 503
    assert reply.headers["Retry-After"] == "1"
    assert reply.body["error"]["code"] == "unavailable" and reply.body["error"]["fields"] == {}
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Payment)) == 0
    # Retried once the other writer is done, the same request goes through.
    assert server.post("/api/v1/payments", body, token=token).status == 201


def test_a_constraint_that_refuses_answers_409_on_flush_and_on_commit(app, server):
    """A UNIQUE violation that escapes a service (flushed inside the view, or found at commit)."""
    from pms.core.db import get_session
    from pms.estates.models import Company

    @app.post("/api/v1/_test/duplicate/<when>")
    def duplicate(when):
        session = get_session()
        session.add_all([Company(code="DUP", name="一"), Company(code="DUP", name="二")])
        if when == "flush":
            session.flush()
        return {}, 201

    for when in ("flush", "commit"):
        reply = server.post(f"/api/v1/_test/duplicate/{when}")
        assert reply.status == 409, when
        assert reply.body["error"]["code"] == "conflict"
