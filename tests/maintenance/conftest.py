"""Maintenance fixtures: a controlled clock and small helpers over the API."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.factories import bearer


class FakeClock:
    """The maintenance clock, set and advanced by the test."""

    def __init__(self, start: datetime):
        self.value = start

    def __call__(self) -> datetime:
        return self.value

    def set(self, value: datetime) -> None:
        self.value = value

    def advance(self, **delta) -> None:
        from datetime import timedelta

        self.value += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    """Time stands at 2026-03-02 01:00:00 UTC (09:00 in Beijing) until the test moves it."""
    from pms.maintenance import clock as maintenance_clock

    fake = FakeClock(datetime(2026, 3, 2, 1, 0, 0, tzinfo=timezone.utc))
    monkeypatch.setattr(maintenance_clock, "now", fake)
    return fake


class Api:
    """Bearer tokens per username, fetched once per test."""

    def __init__(self, client):
        self.client = client
        self._headers: dict[str, dict] = {}

    def headers(self, user: str) -> dict:
        if user not in self._headers:
            self._headers[user] = bearer(self.client, user)
        return self._headers[user]

    def post(self, user: str, url: str, json=None, **kw):
        return self.client.post(url, json=json, headers=self.headers(user), **kw)

    def get(self, user: str, url: str, **kw):
        return self.client.get(url, headers=self.headers(user), **kw)

    def put(self, user: str, url: str, json=None):
        return self.client.put(url, json=json, headers=self.headers(user))

    def file(self, user: str = "resident", **body) -> dict:
        payload = {"room": "YJL-3-2-501", "category": "plumbing", "description": "The kitchen pipe leaks",
                   "urgency": "normal", **body}
        if "location" in body:
            payload.pop("room", None)
        response = self.post(user, "/api/v1/tickets", payload)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def move(self, user: str, ticket_id: int, to: str, expect: int = 200, **extra):
        response = self.post(user, f"/api/v1/tickets/{ticket_id}/transitions", {"to": to, "note": "", **extra})
        assert response.status_code == expect, (user, to, response.get_json())
        return response.get_json()


@pytest.fixture
def api(client, world):
    return Api(client)
