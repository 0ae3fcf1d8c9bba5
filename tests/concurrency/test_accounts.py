"""Logins under real concurrency (issue 8): the failure counter and the lock-out are exact, and a
burst of failed logins holds one connection each (never a second), so others are still served."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pms.accounts.models import User
from pms.core.models import AuditEntry
from tests.concurrency.conftest import race, statuses

WRONG = "Wrong username or password."
LOCKED = "Too many failed attempts"


def login(server, username, password):
    return server.post("/api/v1/auth/token", {"username": username, "password": password})


def test_parallel_wrong_passwords_lock_the_account_once(server, world, db, audit_verify):
    replies = race(20, lambda i: login(server, "manager", f"wrong-{i}"))
    assert statuses(replies) == [401] * 20
    messages = [r.body["error"]["message"] for r in replies]
    # The limit is 5: exactly five are told "wrong password", every later one "locked".
    assert messages.count(WRONG) == 5
    assert sum(m.startswith(LOCKED) for m in messages) == 15
    db.rollback()
    user = db.scalar(select(User).where(User.username == "manager"))
    assert user.locked_until is not None and user.failed_logins == 0
    locks = db.scalars(select(AuditEntry.action).where(AuditEntry.action == "user.locked",
                                                       AuditEntry.object_id == str(user.id))).all()
    assert locks == ["user.locked"]
    # Even the right password waits for the lock to end.
    assert login(server, "manager", "correct-horse-9").body["error"]["message"].startswith(LOCKED)
    audit_verify()


def test_failed_logins_under_the_limit_are_all_counted(server, world, db):
    replies = race(4, lambda i: login(server, "finance", f"wrong-{i}"))
    assert [r.body["error"]["message"] for r in replies] == [WRONG] * 4
    db.rollback()
    assert db.scalar(select(User.failed_logins).where(User.username == "finance")) == 4


@pytest.fixture
def small_pool(app):
    """The app with a pool of two connections and no overflow, so a request that held a second
    connection while waiting for it would starve the others."""
    from pms.core.db import make_engine

    app.extensions["pms_engine"].dispose()
    app.extensions["pms_engine"] = make_engine(app.config["DATABASE_URL"], pool_size=2, max_overflow=0)
    return app


def test_a_burst_of_failed_logins_does_not_starve_other_requests(small_pool, server, world):
    token = server.token("manager")

    def act(i):
        if i == 0:
            return server.get("/api/v1/me", token=token)
        return login(server, ["finance", "tech", "resident"][i % 3], f"wrong-{i}")

    replies = race(21, act)
    assert replies[0].status == 200
    assert statuses(replies[1:]) == [401] * 20
