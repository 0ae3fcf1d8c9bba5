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


def test_parallel_payments_never_pass_what_was_approved(server, march_billed, app, world, db, audit_verify):
    """Eight payments of 3000 on 8193 approved: two land (6000), the rest are refused with what is
    left — the claim row's lock takes them one at a time."""
    from pms.core.db import get_session
    from pms.subsidies.models import Disbursement
    from tests import factories as f

    with app.app_context():
        s = get_session()
        f.make_user(s, "officer2", "officer", district=world.tongzhou)
        s.commit()
    finance, officer, payer = (server.token(name) for name in ("finance", "officer", "officer2"))
    claim = server.post("/api/v1/claims", MARCH, token=finance).body
    assert server.post(f"/api/v1/claims/{claim['id']}/submit", token=finance).status == 200
    lines = [{"id": line["id"], "approved_fen": amount, "reason": "核减"}
             for line, amount in zip(claim["lines"], (5193, 3000))]
    assert server.post(f"/api/v1/claims/{claim['id']}/review", {"lines": lines}, token=officer).status == 200
    pay = {"amount_fen": 3000, "date": "2026-04-01", "reference": "ICBC"}
    replies = race(8, lambda i: server.post(f"/api/v1/claims/{claim['id']}/disbursements", pay, token=payer))
    assert statuses(replies) == [201, 201] + [422] * 6, [r.body for r in replies]
    db.rollback()
    assert db.scalar(select(func.sum(Disbursement.amount_fen))) == 6000
    audit_verify()


def test_parallel_district_builds_make_each_claim_once(server, march_billed, db, audit_verify):
    """The "every estate" build at once from six clients, racing single-estate builds too: every
    piece of evidence lands on one live line, and each refused build wrote nothing."""
    tokens = [server.token(name) for name in ("manager", "finance")]
    batch = {"program": MARCH["program"], "period": MARCH["period"]}
    replies = race(N, lambda i: server.post("/api/v1/claims/batch" if i % 2 else "/api/v1/claims",
                                            batch if i % 2 else MARCH, token=tokens[i % 2]))
    assert sorted(statuses(replies)) == [201] + [409] * (N - 1), [r.body for r in replies]
    db.rollback()
    assert db.scalar(select(func.count(Claim.id))) == 1
    assert db.scalar(select(func.count(ClaimLine.id))) == 2
    assert db.scalar(select(func.sum(ClaimLine.amount_fen))) == 10386
    audit_verify()
