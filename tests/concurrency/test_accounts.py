"""Logins under real concurrency (issue 8): the failure counter and the lock-out are exact, and a
burst of failed logins holds one connection each (never a second), so others are still served.

Since issue 9 every refused login reads the same (wrong password, locked account alike) and locks
are progressive, so the outcome is read from the database: the counter and the one lock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pms.accounts.models import User
from pms.core.models import AuditEntry
from tests.concurrency.conftest import race, statuses

REFUSED = "Wrong username or password, or the account is locked for a while after too many failed attempts."


def login(server, username, password):
    return server.post("/api/v1/auth/token", {"username": username, "password": password})


def test_parallel_wrong_passwords_lock_the_account_once(server, world, db, audit_verify, clock):
    replies = race(20, lambda i: login(server, "manager", f"wrong-{i}"))
    assert statuses(replies) == [401] * 20
    # Every refusal reads the same, whether it was counted or came after the lock.
    assert {r.body["error"]["message"] for r in replies} == {REFUSED}
    db.rollback()
    user = db.scalar(select(User).where(User.username == "manager"))
    # The limit is 5: exactly five were counted, the fifth set the (first, shortest) lock, and the
    # fifteen that came after it were not counted (no lost update, no double lock).
    assert user.failed_logins == 5
    assert user.locked_until - clock() == timedelta(minutes=1)
    locks = db.scalars(select(AuditEntry.action).where(AuditEntry.action == "user.locked",
                                                       AuditEntry.object_id == str(user.id))).all()
    assert locks == ["user.locked"]
    # Even the right password waits for the lock to end.
    assert login(server, "manager", "correct-horse-9").status == 401
    audit_verify()


def test_parallel_wrong_passwords_after_a_lock_ends_lock_again_once_and_longer(server, world, db, clock):
    race(5, lambda i: login(server, "tech", f"wrong-{i}"))
    clock.advance(minutes=1, seconds=1)  # the first lock (1 minute) is over
    race(10, lambda i: login(server, "tech", f"again-{i}"))
    db.rollback()
    user = db.scalar(select(User).where(User.username == "tech"))
    assert user.failed_logins == 6
    assert user.locked_until - clock() == timedelta(minutes=2)
    locks = db.scalars(select(AuditEntry.id).where(AuditEntry.action == "user.locked",
                                                   AuditEntry.object_id == str(user.id))).all()
    assert len(locks) == 2


def test_failed_logins_under_the_limit_are_all_counted(server, world, db):
    replies = race(4, lambda i: login(server, "finance", f"wrong-{i}"))
    assert [r.body["error"]["message"] for r in replies] == [REFUSED] * 4
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
