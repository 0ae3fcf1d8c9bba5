"""Claims under real concurrency, on SQLite and PostgreSQL: two people building the same claim at
once get one claim; each piece of evidence is on one live line (the partial unique index)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pms.subsidies.models import Claim, ClaimLine
from tests.concurrency.conftest import race, statuses
from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.subsidies.test_claims import MARCH, PLAN

N = 6


@pytest.fixture
def march_billed(api, clock):  # noqa: F811
    from pms.core.db import get_session
    from pms.subsidies.services import create_program

    with api.client.application.app_context():
        s = get_session()
        create_program(s, "TBB-2026", "先尝后买", district_code="110112", kind="property_service")
        s.commit()
    assert api.put("manager", "/api/v1/estates/YJL/fee-plan", PLAN).status_code in (200, 201)
    clock.set_today(date(2026, 4, 1), hour=10)
    api._headers.clear()
    assert api.post("manager", "/api/v1/billing-runs", {"estate": "YJL", "period": "2026-03"}).status_code == 201


def test_parallel_builds_of_one_claim_make_one(server, march_billed, db, audit_verify):
    tokens = [server.token(name) for name in ("manager", "finance")]
    replies = race(N, lambda i: server.post("/api/v1/claims", MARCH, token=tokens[i % 2]))
    assert statuses(replies) == [201] + [409] * (N - 1), [r.body for r in replies]
    db.rollback()
    assert db.scalar(select(func.count(Claim.id))) == 1
    assert db.scalar(select(func.count(ClaimLine.id))) == 2
    assert db.scalar(select(func.sum(ClaimLine.amount_fen))) == 10386
    audit_verify()
