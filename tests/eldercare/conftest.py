"""Elder-care fixtures: API helpers over the `world` (tests/conftest.py); the clock is frozen at
2026-03-02 09:00 in Beijing by the `clock` fixture."""
from __future__ import annotations

import pytest

from tests.factories import bearer

PIN = "2468"


class Api:
    """Bearer tokens per username, fetched once per test, and the elder-care calls tests repeat."""

    def __init__(self, client):
        self.client = client
        self._headers: dict[str, dict] = {}

    def headers(self, user: str) -> dict:
        if user not in self._headers:
            self._headers[user] = bearer(self.client, user)
        return self._headers[user]

    def post(self, user: str, url: str, json=None):
        return self.client.post(url, json=json, headers=self.headers(user))

    def get(self, user: str, url: str, **kw):
        return self.client.get(url, headers=self.headers(user), **kw)

    def put(self, user: str, url: str, json=None):
        return self.client.put(url, json=json, headers=self.headers(user))

    def register(self, user: str = "carer", expect: int = 201, **body) -> dict:
        payload = {"room": "YJL-3-2-501", "name": "张三", "birth_date": "1940-05-10", "lives_alone": True,
                   "disability_tier": None, "hardship": None,
                   "emergency_contacts": [{"name": "张小红", "phone": "13911112222", "relation": "女儿"}],
                   "health_notes": "高血压，每天早上服药", "consent": True, "confirmation_pin": PIN, **body}
        response = self.post(user, "/api/v1/elders", payload)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def service(self, code: str = "MEAL", user: str = "manager", expect: int = 201, **body) -> dict:
        payload = {"kind": "meal", "name": "助餐", "price_fen": 1500, "unit": "meal", "min_minutes": 0, **body}
        response = self.put(user, f"/api/v1/care-services/{code}", payload)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def book(self, elder: int, user: str = "manager", expect: int = 201, **body) -> dict:
        payload = {"elder": elder, "service": "CLEAN", "date": "2026-03-02", "start": "14:00", "end": "15:00",
                   "worker": "carer", **body}
        response = self.post(user, "/api/v1/visits", payload)
        assert response.status_code == expect, response.get_json()
        return response.get_json()


@pytest.fixture
def api(client, world, clock):
    return Api(client)
