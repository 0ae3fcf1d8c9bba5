"""Refused logins throttled per client address with Flask-Limiter: in memory per process, or in
Redis shared by every worker (issue 9, "lockout abuse"). The rest of the suite runs with the
throttle off (tests/conftest.py); these tests turn it on."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from limits.storage import MemoryStorage, RedisStorage

from pms import create_app
from pms.accounts import throttle
from pms.config import ConfigError, load_config
from tests.factories import PASSWORD
from tests.web import text

LIMIT = "3/minute"


def throttled(app, **config):
    """Turn the throttle on for `app` (before its first request), with a small limit."""
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT=LIMIT, **config)
    throttle.init_app(app)
    return app


@pytest.fixture
def limited(app):
    return throttled(app)


def refuse(client, address="10.0.0.1", username="nobody", endpoint="page"):
    environ = {"REMOTE_ADDR": address}
    if endpoint == "page":
        return client.post("/login", data={"username": username, "password": "wrong-password-1"},
                           environ_base=environ)
    return client.post("/api/v1/auth/token", json={"username": username, "password": "wrong-password-1"},
                       environ_base=environ)


def test_the_suite_runs_without_the_throttle(app):
    assert "pms_limiter" not in app.extensions


def test_memory_storage_without_redis(limited):
    assert isinstance(limited.extensions["pms_limiter"].storage, MemoryStorage)


def test_refused_logins_from_one_address_are_throttled(limited, world):
    client = limited.test_client()
    assert [refuse(client).status_code for _ in range(3)] == [200, 200, 200]
    blocked = refuse(client)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed login attempts" in text(client.post(
        "/login?lang=en", data={"username": "x", "password": "y"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}))
    # The token endpoint shares the bucket, and answers in the error shape.
    api = refuse(client, endpoint="api")
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "too_many_requests"
    # Even the right password waits: the address is throttled, not the account.
    assert client.post("/api/v1/auth/token", json={"username": "manager", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    # Another address is not affected; nor are other pages.
    assert refuse(client, address="10.0.0.2").status_code == 200
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200


def test_successful_logins_do_not_count(limited, world):
    client = limited.test_client()
    for _ in range(6):
        response = client.post("/api/v1/auth/token", json={"username": "manager", "password": PASSWORD},
                               environ_base={"REMOTE_ADDR": "10.0.0.3"})
        assert response.status_code == 200
    assert refuse(client, address="10.0.0.3").status_code == 200


def test_a_throttled_address_does_not_lock_accounts_further(limited, world):
    """Once throttled, attempts stop before the password is checked: a fuzzer behind one address
    cannot push an account's lock longer and longer."""
    from tests.accounts.test_lockout import user_row

    client = limited.test_client()
    for _ in range(10):
        refuse(client, address="10.0.0.4", username="tech", endpoint="api")
    assert user_row(limited, "tech").failed_logins == 3


def test_the_limit_is_a_setting():
    assert load_config({"PMS_LOGIN_RATE_LIMIT": "5/minute"})["LOGIN_RATE_LIMIT"] == "5/minute"
    assert load_config({})["LOGIN_RATE_LIMIT"] == "10/minute;100/hour"
    with pytest.raises(ConfigError):
        load_config({"PMS_LOGIN_RATE_LIMIT": "lots"})
    assert load_config({"PMS_REDIS_URL": "redis://127.0.0.1:6379/0"})["REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_an_unreachable_redis_falls_back_to_memory(app, world):
    # Nothing listens on port 1: every call to Redis fails at once.
    limited = throttled(app, REDIS_URL="redis://127.0.0.1:1/0")
    assert isinstance(limited.extensions["pms_limiter"].storage, RedisStorage)
    client = limited.test_client()
    assert [refuse(client).status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of this test's own, on a Unix socket (skipped where redis-server is missing)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    sock = tmp_path / "redis.sock"
    process = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(sock), "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis+unix://{sock}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_redis_counts_for_every_worker(app, world, redis_url, database_url, tmp_path):
    """Two apps stand for two gunicorn workers: with Redis they share one count per address."""
    first = throttled(app, REDIS_URL=redis_url)
    second = throttled(create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                                   "INSTANCE_DIR": str(tmp_path / "instance"), "PMS_ENV": "testing",
                                   "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False}),
                       REDIS_URL=redis_url)
    try:
        assert isinstance(second.extensions["pms_limiter"].storage, RedisStorage)
        a, b = first.test_client(), second.test_client()
        assert [refuse(a).status_code, refuse(b).status_code, refuse(a).status_code] == [200, 200, 200]
        assert refuse(b).status_code == 429
        assert refuse(a).status_code == 429
    finally:
        second.extensions["pms_engine"].dispose()


def test_memory_counts_per_worker(app, world, database_url, tmp_path):
    """Without Redis each worker counts on its own: N workers let an address try N times the limit
    (what README says)."""
    first = throttled(app)
    second = throttled(create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                                   "INSTANCE_DIR": str(tmp_path / "instance"), "PMS_ENV": "testing",
                                   "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False}))
    try:
        a, b = first.test_client(), second.test_client()
        assert [refuse(a).status_code for _ in range(3)] == [200] * 3
        assert refuse(a).status_code == 429
        assert refuse(b).status_code == 200
    finally:
        second.extensions["pms_engine"].dispose()


@pytest.mark.parametrize("web", [True, False])
def test_the_limiter_comes_with_the_login_pages(database_url, tmp_path, web):
    """An app with the pages gets the limiter; a `pms` command's app (no pages) has nothing to
    throttle and does without it."""
    built = create_app({"DATABASE_URL": database_url, "TESTING": True, "INSTANCE_DIR": str(tmp_path / "instance"),
                        "PMS_ENV": "testing", "RATELIMIT_ENABLED": True}, web=web)
    try:
        assert ("pms_limiter" in built.extensions) is web
    finally:
        built.extensions["pms_engine"].dispose()
