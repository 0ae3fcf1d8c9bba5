"""Refused logins cannot tell usernames apart: the same message and the same work for an unknown
user, a wrong password, a locked and a disabled account (issue 9, "username discovery by timing")."""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from pms.accounts import services
from pms.accounts.models import User
from tests.factories import PASSWORD
from tests.web import text, web_login

REFUSED = "Wrong username or password, or the account is locked for a while after too many failed attempts."


def _lock(app, username, clock):
    from pms.core.db import get_session

    with app.app_context():
        s = get_session()
        s.execute(update(User).where(User.username == username).values(locked_until=clock() + timedelta(minutes=30)))
        s.commit()


def _disable(app, username):
    from pms.core.db import get_session

    with app.app_context():
        s = get_session()
        s.execute(update(User).where(User.username == username).values(is_active=False))
        s.commit()


def _refusals(app, clock):
    """(case, username, password) of every kind of refused login; `tech` is locked and `carer`
    disabled, both tried with their right password."""
    _lock(app, "tech", clock)
    _disable(app, "carer")
    return [("unknown user", "nobody-here", PASSWORD), ("wrong password", "manager", "wrong-password-1"),
            ("locked", "tech", PASSWORD), ("disabled", "carer", PASSWORD)]


def test_every_refusal_reads_the_same_on_the_login_page(client, world, clock):
    pages = {}
    for case, username, password in _refusals(client.application, clock):
        response = web_login(client, username, password, headers={"Accept-Language": "en"})
        assert response.status_code == 200, case
        pages[case] = text(response).replace(f'value="{username}"', 'value="…"')
    assert REFUSED in pages["unknown user"]
    assert len(set(pages.values())) == 1, {case: REFUSED in page for case, page in pages.items()}


def test_every_refusal_reads_the_same_on_the_token_endpoint(client, world, clock):
    replies = {}
    for case, username, password in _refusals(client.application, clock):
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password},
                               headers={"Accept-Language": "en"})
        replies[case] = (response.status_code, response.get_json())
    assert replies["unknown user"] == (401, {"error": {"code": "not_authenticated", "message": REFUSED,
                                                       "fields": {}}})
    assert len({repr(reply) for reply in replies.values()}) == 1, replies


@pytest.fixture
def production_hashes(app, world):
    """Passwords hashed as in production (scrypt): `alice` is an account with such a hash."""
    from pms.core.db import get_session

    app.config.pop("PASSWORD_HASH_METHOD")
    with app.app_context():
        s = get_session()
        services.create_user(s, username="alice", password=PASSWORD, role="admin")
        s.commit()
    return app


def test_every_attempt_checks_exactly_one_hash_made_like_the_real_ones(production_hashes, clock, monkeypatch):
    client = production_hashes.test_client()
    checked = []
    real_check = services.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])  # the method and its parameters, e.g. scrypt:32768:8:1
        return real_check(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    _lock(production_hashes, "tech", clock)
    _disable(production_hashes, "carer")
    from pms.core.db import get_session
    with production_hashes.app_context():
        s = get_session()
        # tech and carer get scrypt hashes too, so every case is checked against the same method.
        for name in ("tech", "carer"):
            s.execute(update(User).where(User.username == name).values(
                password_hash=services.generate_password_hash(PASSWORD, method="scrypt")))
        s.commit()
    for case, username, password in [("unknown user", "nobody-here", PASSWORD),
                                     ("wrong password", "alice", "wrong-password-1"),
                                     ("locked", "tech", PASSWORD), ("disabled", "carer", PASSWORD),
                                     ("success", "alice", PASSWORD)]:
        checked.clear()
        client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert checked == ["scrypt:32768:8:1"], case


def _median_seconds(client, username, password, rounds=5) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        client.post("/api/v1/auth/token", json={"username": username, "password": password})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_an_unknown_user_takes_as_long_as_a_wrong_password(production_hashes):
    """Was ~4.5 ms against ~110 ms. The medians of a few attempts, with a generous ratio: the hash
    check (scrypt, tens of ms) dominates both; only a difference of that size fails."""
    client = production_hashes.test_client()
    _median_seconds(client, "nobody-here", "warm-up-attempt", rounds=1)  # the dummy hash, made once
    unknown = _median_seconds(client, "nobody-here", "wrong-password-1")
    known = _median_seconds(client, "alice", "wrong-password-1")
    assert 0.33 < unknown / known < 3, (unknown, known)
