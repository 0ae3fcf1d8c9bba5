"""Claims for a whole district at once (`POST /api/v1/claims/batch`, `pms claims build` without
`--estate`, the claims page's "every estate"): one draft per estate with unclaimed evidence, in one
unit of work; estates not billed are left out; nothing twice.

Hand-computed numbers: YJL as in tests/subsidies/test_claims.py (two rooms, 10386 fen of 先尝后买 in
March). TZB, a second estate of 通州 of the same company, has one room of 60.00 m² at 120 fen/m²
= 7200 fen, half of it subsidised: 3600. TZN, a third, is not billed for March."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pms.subsidies.models import Claim, ClaimLine
from tests import factories as f
from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.eldercare.test_billing import at, program, run  # noqa: F401  (fixtures)
from tests.subsidies.test_claims import PLAN, billed  # noqa: F401  (fixture)
from tests.web import logged_in

BATCH = {"program": "TBB-2026", "period": "2026-03"}


@pytest.fixture
def district(api, billed, db, world, clock):  # noqa: F811
    """YJL billed (the `billed` fixture), TZB billed, TZN not billed: all three of ACME in 通州."""
    acme, tongzhou = db.merge(world.acme), db.merge(world.tongzhou)
    for code, name in (("TZB", "通州北苑"), ("TZN", "通州南里")):
        estate = f.make_estate(db, code, name, acme, tongzhou)
        f.make_room(db, estate, "1", "1", "101", area_centi_m2=6000, owner=(f"{name}业主", "13700000000", None))
    db.commit()
    assert api.put("manager", "/api/v1/estates/TZB/fee-plan", {**PLAN, "estate": "TZB"}).status_code in (200, 201)
    at(api, clock, date(2026, 4, 1), 10)
    reply = api.post("manager", "/api/v1/billing-runs", {"estate": "TZB", "period": "2026-03"})
    assert reply.status_code in (200, 201), reply.get_json()


def test_one_draft_per_estate_with_evidence(api, district, db):
    reply = api.post("finance", "/api/v1/claims/batch", BATCH)
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    assert (body["claims"], body["total_fen"]) == (2, 10386 + 3600)
    assert [(c["estate"], c["total_fen"], c["status"]) for c in body["items"]] == [
        ("TZB", 3600, "draft"), ("YJL", 10386, "draft")]
    db.rollback()
    assert db.scalar(select(func.count(ClaimLine.id))) == 3
    tzb = api.get("finance", f"/api/v1/claims/{body['items'][0]['id']}").get_json()
    assert [(line["room"], line["amount_fen"], line["evidence"]["type"]) for line in tzb["lines"]] == [
        ("TZB-1-1-101", 3600, "bill_line")]
    again = api.post("finance", "/api/v1/claims/batch", BATCH)
    assert again.status_code == 409  # everything is on a live line


def test_the_estates_named_and_refusals(api, district, db):
    only = api.post("manager", "/api/v1/claims/batch", {**BATCH, "estates": ["YJL"]})
    assert only.status_code == 201 and [c["estate"] for c in only.get_json()["items"]] == ["YJL"]
    unknown = api.post("manager", "/api/v1/claims/batch", {**BATCH, "estates": ["TZB", "HXY"]})
    assert unknown.status_code == 422 and "HXY" in unknown.get_json()["error"]["fields"]["estates"][0]
    not_closed = api.post("manager", "/api/v1/claims/batch", {**BATCH, "period": "2026-04"})
    assert not_closed.status_code == 409
    assert api.post("manager", "/api/v1/claims/batch", {**BATCH, "program": "NOPE"}).status_code == 422
    for user, status in (("other_manager", 422), ("auditor", 403), ("officer", 403), ("resident", 403),
                         ("tech", 403)):
        assert api.post(user, "/api/v1/claims/batch", BATCH).status_code == status, user
    db.rollback()
    assert db.scalar(select(func.count(Claim.id))) == 1  # the refusals wrote nothing


def test_all_or_nothing_when_an_estate_s_evidence_is_taken_meanwhile(api, district, db, monkeypatch):
    """Between the totals and the INSERT, TZB's line is claimed (here in the same transaction, as a
    committed concurrent build would look under READ COMMITTED): TZB's claim would no longer add up
    to its total, so the whole batch is refused and nothing of it stays."""
    from pms.core.auth import system_principal
    from pms.subsidies.services import claims

    original, stolen = claims._other_candidates, []

    def steal(session, program, estates, period):  # runs after the totals were read
        if not stolen:
            stolen.append(True)
            claims.build_claim(session, system_principal(), program="TBB-2026", estate="TZB", period="2026-03")
        return original(session, program, estates, period)

    monkeypatch.setattr(claims, "_other_candidates", steal)
    reply = api.post("finance", "/api/v1/claims/batch", BATCH)
    assert reply.status_code == 409, reply.get_json()
    db.rollback()
    assert db.scalar(select(func.count(Claim.id))) == 0 and db.scalar(select(func.count(ClaimLine.id))) == 0


def test_the_cli_builds_the_district(api, district, runner):
    result = runner.invoke(args=["claims", "build", "--program", "TBB-2026", "--period", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "2 claims, 3 lines, ¥139.86" in result.output
    again = runner.invoke(args=["claims", "build", "--program", "TBB-2026", "--period", "2026-03"])
    assert again.exit_code != 0


def test_the_page_builds_every_estate(client, district):
    finance = logged_in(client.application.test_client(), "finance")
    form = finance.get("/claims?lang=en").text
    assert 'value="*"' in form
    done = finance.post("/claims", data={"program": "TBB-2026", "estate": "*", "period": "2026-03"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/claims")
    listing = finance.get("/claims").text
    assert "TZB" in listing and "YJL" in listing
