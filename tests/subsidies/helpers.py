"""Programmes of the test world's two districts, through the real API."""
from __future__ import annotations

from tests.factories import bearer

BODY = {"name": "先尝后买", "kind": "property_service", "budget_fen": 100000,
        "period_from": "2026-01-01", "period_to": "2026-12-31"}


class Api:
    """A JSON client with one bearer token per user of the world."""

    def __init__(self, client):
        self.client = client
        self._headers: dict[str, dict] = {}

    def headers(self, user: str) -> dict:
        if user not in self._headers:
            # A script asking in English (the messages the tests compare are the English msgids).
            self._headers[user] = {**bearer(self.client, user), "Accept-Language": "en"}
        return self._headers[user]

    def get(self, user, path):
        return self.client.get(path, headers=self.headers(user))

    def post(self, user, path, body):
        return self.client.post(path, json=body, headers=self.headers(user))

    def program(self, user: str, code: str, **changes):
        reply = self.post(user, "/api/v1/programs", {**BODY, "code": code, **changes})
        assert reply.status_code == 201, reply.get_json()
        return reply.get_json()

    def allocate(self, user: str, code: str, estate: str, amount_fen: int):
        return self.post(user, f"/api/v1/programs/{code}/allocations", {"estate": estate, "amount_fen": amount_fen})
