"""Race fixtures: the app served on a real socket with real threads, each request its own
connection to the test database (SQLite file or PostgreSQL), never the test client's one session.

`race(n, call)` releases n threads at once through a barrier; `http` speaks JSON over HTTP to the
live server; `audit_verify()` runs the real `pms audit verify`.
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from tests.browser_support import serving
from tests.factories import PASSWORD


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict


class Http:
    """A tiny JSON client for the live server (one connection per call, like separate users)."""

    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body=None, *, token: str | None = None,
             headers: dict | None = None, timeout: float = 60) -> Reply:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept-Language", "en")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw, status, hdrs = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, hdrs = error.read(), error.code, dict(error.headers)
        ctype = hdrs.get("Content-Type", "")
        return Reply(status, json.loads(raw) if raw and "json" in ctype else raw, hdrs)

    def post(self, path, body=None, **kw) -> Reply:
        return self.call("POST", path, body, **kw)

    def get(self, path, **kw) -> Reply:
        return self.call("GET", path, **kw)

    def token(self, username: str, password: str = PASSWORD) -> str:
        reply = self.post("/api/v1/auth/token", {"username": username, "password": password})
        assert reply.status == 200, reply.body
        return reply.body["token"]


@pytest.fixture
def server(app):
    """The app (test database) on a real socket, one thread per request."""
    with serving(app, name="race-server") as url:
        yield Http(url)


def race(n: int, call: Callable[[int], Any]) -> list:
    """Run call(0) … call(n-1) in n threads released together; their results in index order."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait(timeout=30)
        return call(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def statuses(replies: list[Reply]) -> list[int]:
    """The sorted status codes of a race's replies."""
    return sorted(r.status for r in replies)


@pytest.fixture
def audit_verify(runner):
    """Run `pms audit verify` and assert that every check passes."""
    def verify():
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert "FAIL" not in result.output
        return result.output
    return verify
