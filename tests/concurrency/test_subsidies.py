"""Allocations under real concurrency, on SQLite and PostgreSQL: the budget rule (sum, compare,
insert) runs under the programme row's lock, so allocations that each fit but together exceed the
budget never all land — no fen allocated twice."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pms.subsidies.models import ProgramAllocation
from tests.concurrency.conftest import race, statuses

BODY = {"code": "TZ-1", "name": "先尝后买", "kind": "property_service", "budget_fen": 100000,
        "period_from": "2026-01-01", "period_to": "2026-12-31"}


@pytest.fixture
def officer(server, world, clock):
    token = server.token("officer")
    reply = server.post("/api/v1/programs", BODY, token=token)
    assert reply.status == 201, reply.body
    return token


def allocated(db) -> int:
    db.rollback()
    return db.scalar(select(func.coalesce(func.sum(ProgramAllocation.amount_fen), 0)))


def test_two_allocations_that_each_fit_cannot_both_land(server, officer, db, audit_verify):
    # 60000 fits the budget of 100000, 60000 + 60000 does not: exactly one lands.
    replies = race(2, lambda i: server.post("/api/v1/programs/TZ-1/allocations",
                                            {"estate": "YJL", "amount_fen": 60000}, token=officer))
    assert statuses(replies) == [201, 422]
    refused = next(r for r in replies if r.status == 422)
    assert refused.body["error"]["fields"]["amount_fen"] == ["Above the budget: 40000 fen (¥400.00) left to allocate."]
    assert allocated(db) == 60000
    audit_verify()


def test_many_allocations_fill_the_budget_exactly(server, officer, db):
    # 8 × 30000 against 100000: three land (90000), five are refused with 10000 left.
    replies = race(8, lambda i: server.post("/api/v1/programs/TZ-1/allocations",
                                            {"estate": "YJL", "amount_fen": 30000}, token=officer))
    assert statuses(replies) == [201] * 3 + [422] * 5
    assert allocated(db) == 90000
    left = server.get("/api/v1/programs/TZ-1", token=officer).body["unallocated_fen"]
    assert left == 10000
