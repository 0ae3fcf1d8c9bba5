"""Claims built from evidence (CONTRACT.md "Subsidies"): lines from the subsidised bill lines of a
closed, billed period and from confirmed elder-care visits; no evidence claimed twice; submit
freezes; findings; who may do what.

Hand-computed numbers: rooms YJL-3-2-501 and -502 have 86.55 m²; property service at 120 fen/m²
is 10386 fen a room (86.55 × 120 = 10386.0); 先尝后买 (TBB-2026) pays 50 % in March 2026: 5193 a
room, 10386 for the estate. The 81-year-old elder's meals cost 1500 fen; the elder-care programme
(YL-2026) pays 500 fen a day (data/allowances.json, age 80–89): three days of meals, 1500."""
from __future__ import annotations

from datetime import date

import pytest

from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.eldercare.test_billing import at, deliver, program, run  # noqa: F401  (fixtures)

PLAN = {"estate": "YJL", "effective_from": "2026-01", "due_day": 15,
        "items": [{"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 120}],
        "subsidies": [{"program": "TBB-2026", "item": "PROPERTY", "percent_by_period": {"2026-03": 50}}]}
MARCH = {"program": "TBB-2026", "estate": "YJL", "period": "2026-03"}


@pytest.fixture
def billed(api, program, clock):  # noqa: F811
    """March 2026 billed with the 先尝后买 subsidy and three confirmed, verified meals."""
    assert api.put("manager", "/api/v1/estates/YJL/fee-plan", PLAN).status_code in (200, 201)
    api.service("MEAL", program=program, min_minutes=30)
    elder = api.register(birth_date="1945-01-15")
    meals = [deliver(api, clock, elder, date(2026, 3, d)) for d in (2, 3, 4)]
    run(api, clock, "2026-03", date(2026, 4, 1))
    return meals


def build(api, user="finance", **body):
    return api.post(user, "/api/v1/claims", {**MARCH, **body})


def test_a_property_subsidy_claim_has_a_line_per_subsidised_bill_line(api, billed):
    r = build(api)
    assert r.status_code == 201, r.get_json()
    claim = r.get_json()
    assert (claim["status"], claim["total_fen"], claim["program"], claim["estate"]) == \
        ("draft", 10386, "TBB-2026", "YJL")
    assert sorted((line["room"], line["amount_fen"], line["evidence"]["type"]) for line in claim["lines"]) == [
        ("YJL-3-2-501", 5193, "bill_line"), ("YJL-3-2-502", 5193, "bill_line")]
    assert all(line["evidence"]["ref"].endswith(":PROPERTY") for line in claim["lines"])
    assert api.get("auditor", f"/api/v1/claims/{claim['id']}").get_json() == claim


def test_an_eldercare_claim_has_a_line_per_confirmed_visit_with_its_evidence(api, billed):
    r = build(api, program="YL-2026")
    assert r.status_code == 201, r.get_json()
    claim = r.get_json()
    assert claim["total_fen"] == 1500
    assert [(line["amount_fen"], line["evidence"]["type"], line["evidence"]["ref"]) for line in claim["lines"]] == [
        (500, "visit", f"visit:{v}") for v in billed]
    visit = claim["lines"][0]["evidence"]["visit"]
    assert visit["verified"] is True and visit["service"] == "MEAL" and visit["date"] == "2026-03-02"
    assert visit["checked_in_at"] and visit["checked_out_at"] and visit["confirmed_at"]


def test_evidence_is_claimed_once_and_submitting_freezes_the_claim(api, billed):
    claim = build(api).get_json()
    again = build(api)
    assert again.status_code == 409 and f"#{claim['id']}" in again.get_json()["error"]["message"]
    submitted = api.post("manager", f"/api/v1/claims/{claim['id']}/submit")
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert (body["status"], body["submitted_by"], body["lines"]) == ("submitted", "manager", claim["lines"])
    assert api.post("finance", f"/api/v1/claims/{claim['id']}/submit").status_code == 409
    assert build(api).status_code == 409  # still claimed: a submitted line is live


def test_a_period_not_closed_or_not_billed_is_refused(api, billed, clock):
    at(api, clock, date(2026, 3, 31), 12)
    assert build(api).status_code == 409  # March has not ended
    at(api, clock, date(2026, 4, 1), 12)
    unbilled = build(api, period="2026-02")
    assert unbilled.status_code == 409 and "2026-02" in unbilled.get_json()["error"]["message"]


def test_bad_input_names_the_field_and_writes_nothing(api, billed, app):
    from pms.core.db import get_session
    from pms.subsidies.services import create_program

    with app.app_context():
        s = get_session()
        create_program(s, "CY-2026", "朝阳补贴", district_code="110105", kind="property_service")
        s.commit()
    for body, field in [({"program": "CY-2026"}, "program"), ({"program": "NOPE"}, "program"),
                        ({"period": "2026-13"}, "period"), ({"estate": ""}, "estate")]:
        r = build(api, **body)
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (body, r.get_json())
    assert api.get("finance", "/api/v1/claims").get_json() == {"items": []}


def test_who_may_build_read_and_submit(api, billed):
    # Roles that build no claims are refused before anything is looked up; a company's manager
    # does not see another company's estate.
    for user, status in [("tech", 403), ("carer", 403), ("resident", 403), ("other_manager", 404),
                         ("auditor", 403), ("officer", 403)]:
        assert build(api, user).status_code == status, user
    claim = build(api, "manager").get_json()["id"]
    for user, status in [("finance", 200), ("auditor", 200), ("officer", 200), ("other_manager", 404),
                         ("other_auditor", 404), ("other_officer", 404), ("resident", 404), ("other_resident", 404),
                         ("tech", 403), ("carer", 403)]:
        assert api.get(user, f"/api/v1/claims/{claim}").status_code == status, user
        assert api.get(user, f"/api/v1/claims/{claim}/anomalies").status_code == status, user
    listed = {u: [c["id"] for c in api.get(u, "/api/v1/claims").get_json().get("items", [])]
              for u in ("finance", "auditor", "officer", "other_manager", "other_auditor", "other_officer")}
    assert listed == {"finance": [claim], "auditor": [claim], "officer": [claim], "other_manager": [],
                      "other_auditor": [], "other_officer": []}
    for user, status in [("auditor", 403), ("officer", 403), ("other_manager", 404), ("resident", 404),
                         ("tech", 403)]:
        assert api.post(user, f"/api/v1/claims/{claim}/submit").status_code == status, user


def test_findings_short_visits_budget_allocation_and_period(api, billed, app):
    """Findings are stored when the claim is built and again by the nightly check (jobs/subsidies.py)."""
    from datetime import date as day

    from sqlalchemy import update

    from jobs.subsidies import check_claims
    from pms.core.db import get_session
    from pms.subsidies.models import Program

    def rules():
        items = api.get("auditor", f"/api/v1/claims/{claim['id']}/anomalies").get_json()["items"]
        return sorted((f["rule"], f["line"]) for f in items), {f["rule"]: f["detail"] for f in items}

    def change(**values):
        with app.app_context():
            s = get_session()
            s.execute(update(Program).where(Program.code == "YL-2026").values(**values))
            s.commit()
        check_claims(app)

    claim = build(api, program="YL-2026").get_json()
    short = [("short_visit", line["id"]) for line in claim["lines"]]
    # The meals were checked in and out at the same minute: 0 of the service's 30 minutes.
    assert rules()[0] == short
    change(budget_fen=1499)  # 1500 claimed: over the budget, and nothing allocated to YJL
    found, details = rules()
    assert found == sorted(short + [("over_allocation", None), ("over_budget", None)])
    assert "1500" in details["over_budget"] and "1499" in details["over_budget"]
    assert "1500" in details["over_allocation"]
    change(budget_fen=100000, period_from=day(2026, 4, 1), period_to=day(2026, 12, 31))
    allocated = api.post("officer", "/api/v1/programs/YL-2026/allocations", {"estate": "YJL", "amount_fen": 1500})
    assert allocated.status_code == 201, allocated.get_json()
    check_claims(app)
    found, details = rules()  # the budget and allocation findings cleared; each visit is outside the programme
    assert found == sorted(short + [("outside_period", line["id"]) for line in claim["lines"]])
    assert "2026-04-01" in details["outside_period"]


def test_cli_builds_and_submits_and_refuses_with_the_field(api, billed, runner):
    bad = runner.invoke(args=["claims", "build", "--program", "TBB-2026", "--estate", "YJL", "--period", "2026-3"])
    assert bad.exit_code == 1 and "period" in bad.output
    built = runner.invoke(args=["claims", "build", "--program", "TBB-2026", "--estate", "YJL", "--period", "2026-03"])
    assert built.exit_code == 0, built.output
    claim = int(built.output.split("#")[1].split()[0])
    assert "2" in built.output and "103.86" in built.output
    assert runner.invoke(args=["claims", "submit", str(claim)]).exit_code == 0
    assert api.get("finance", f"/api/v1/claims/{claim}").get_json()["status"] == "submitted"
    again = runner.invoke(args=["claims", "submit", str(claim)])
    assert again.exit_code == 1 and f"#{claim}" in again.output
