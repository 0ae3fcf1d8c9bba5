"""Maintenance fixtures: small helpers over the API (the `clock` fixture is in tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests.factories import bearer


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
