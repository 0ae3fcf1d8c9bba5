"""Claims built from evidence that is no bill: elevators' inspection certificates (elevator
programmes pay their `unit_fen` per elevator certified in the period) and completed renovation
projects (renovation programmes pay their `percent` of the contract amount of a project accepted
in the period, half-up to the fen). Each piece of evidence on one live line; the anomaly rules
with a flagged and a close not-flagged case each; the ledger on submit and review.

Hand-computed numbers. Today (business clock) 2026-03-02, so February is closed; nothing is
billed (these programmes do not wait for billing).
- DT-2026 pays 200,000 yuan (20,000,000 fen) per elevator. Elevator A (YJL-3-2) certified
  2026-02-10, elevator B (YJL-3-1) 2026-02-20: February's claim 2 × 20,000,000 = 40,000,000.
- GZ-2026 pays 30 %: works P1 of 12,345.65 yuan (1,234,565 fen) accepted 2026-02-15 →
  1,234,565 × 30 / 100 = 370,369.5 → 370,370 (half-up); works P2 of 1,000,000 fen accepted
  2026-02-28 (the month's last day) → 300,000; P3 without a contract amount is not claimed; P4
  accepted 2026-03-01 belongs to March. February's claim 370,370 + 300,000 = 670,370.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from jobs.subsidies import check_claims
from pms.billing.models import JournalEntry, JournalLine
from pms.core.db import get_session

FEB = {"estate": "YJL", "period": "2026-02"}


def sql(app, statement: str, **params) -> None:
    with app.app_context():
        s = get_session()
        s.execute(text(statement), params)
        s.commit()


def open_rules(api, claim_id: int) -> set[tuple[str, int | None]]:
    items = api.get("auditor", f"/api/v1/claims/{claim_id}/anomalies").get_json()["items"]
    return {(f["rule"], f["line"]) for f in items}


@pytest.fixture
def elevators(app, world, api, clock):
    """Elevators A (YJL-3-2) and B (YJL-3-1, a second entrance) with their February certificates."""
    from tests import factories as f

    with app.app_context():
        s = get_session()
        f.make_room(s, s.merge(world.yjl), "3", "1", "101", owner=("赵六", "13600000000", None))
        s.commit()
    ids = {}
    for name, entrance, issued in (("A", "2", "2026-02-10"), ("B", "1", "2026-02-20")):
        r = api.post("manager", "/api/v1/elevators", {"estate": "YJL", "building": "3", "entrance": entrance,
                                                       "registration_number": f"T-{name}", "accepted_on": "2025-12-01"})
        assert r.status_code == 201, r.get_json()
        ids[name] = r.get_json()["id"]
        c = api.post("tech", f"/api/v1/elevators/{ids[name]}/certificates",
                     {"number": f"JY-{name}1", "issued_on": issued, "issuer": "北京市特种设备检验检测研究院"})
        assert c.status_code == 201, c.get_json()
        ids[f"{name}1"] = c.get_json()["id"]
    api.program("officer", "DT-2026", name="加装电梯补贴", kind="elevator", budget_fen=10**9, unit_fen=20_000_000)
    assert api.allocate("officer", "DT-2026", "YJL", 10**8).status_code == 201
    return ids


@pytest.fixture
def works(api, world, clock):
    """Renovation projects P1–P4 of YJL and the 30 % programme GZ-2026."""
    ids = {}
    for name, accepted, contract in (("P1", "2026-02-15", 1_234_565), ("P2", "2026-02-28", 1_000_000),
                                     ("P3", "2026-02-20", None), ("P4", "2026-03-01", 5_000_000)):
        r = api.post("manager", "/api/v1/renovation-projects", {
            "estate": "YJL", "name": name, "contractor": "北京城建修缮工程有限公司", "accepted_on": accepted,
            "contract_fen": contract, "components": [{"kind": "roof_waterproofing"}]})
        assert r.status_code == 201, r.get_json()
        ids[name] = r.get_json()["id"]
    api.program("officer", "GZ-2026", name="老旧小区综合整治", kind="renovation", budget_fen=10**9, percent=30)
    assert api.allocate("officer", "GZ-2026", "YJL", 10**7).status_code == 201
    return ids


def build(api, program, user="finance", **body):
    return api.post(user, "/api/v1/claims", {**FEB, "program": program, **body})


def test_an_elevator_claim_has_a_line_per_elevator_certified_in_the_period(api, elevators, clock):
    r = build(api, "DT-2026")
    assert r.status_code == 201, r.get_json()
    claim = r.get_json()
    assert claim["total_fen"] == 40_000_000
    lines = sorted(claim["lines"], key=lambda line: line["evidence"]["certificate"]["number"])
    assert [(line["amount_fen"], line["room"], line["evidence"]["type"], line["evidence"]["ref"])
            for line in lines] == [
        (20_000_000, None, "certificate", f"certificate:{elevators['A1']}"),
        (20_000_000, None, "certificate", f"certificate:{elevators['B1']}")]
    first = lines[0]["evidence"]
    assert first["certificate"] == {"id": elevators["A1"], "number": "JY-A1", "issued_on": "2026-02-10",
                                    "issuer": "北京市特种设备检验检测研究院", "valid_until": None,
                                    "equipment": {"id": elevators["A"], "registration_number": "T-A",
                                                  "place": "YJL-3-2"}}
    assert (first["place"], first["bill"], first["room"], first["work"]) == ("YJL-3-2", None, None, None)
    assert api.get("officer", f"/api/v1/claims/{claim['id']}").get_json() == claim
    # Building again: every certificate of February is on a live line.
    again = build(api, "DT-2026")
    assert again.status_code == 409 and f"#{claim['id']}" in again.get_json()["error"]["message"]
    # March: A's re-inspection certificate is no new evidence (A is paid by this programme), and
    # March has not ended yet.
    assert build(api, "DT-2026", period="2026-03").status_code == 409
    clock.set(datetime(2026, 4, 1, 1, tzinfo=timezone.utc))
    api._headers.clear()
    assert api.post("manager", f"/api/v1/elevators/{elevators['A']}/certificates",
                    {"number": "JY-A2", "issued_on": "2026-03-05", "issuer": "检验院"}).status_code == 201
    march = build(api, "DT-2026", period="2026-03")
    assert march.status_code == 409 and "unclaimed" in march.get_json()["error"]["message"]


def test_without_its_amount_an_elevator_programme_claims_no_certificate(api, elevators):
    api.program("officer", "DT-X", kind="elevator")
    r = build(api, "DT-X")
    assert r.status_code == 409 and "no amount per elevator" in r.get_json()["error"]["message"]


def test_a_renovation_claim_pays_its_percent_of_the_works_accepted_in_the_period(api, works, app):
    r = build(api, "GZ-2026")
    assert r.status_code == 201, r.get_json()
    claim = r.get_json()
    assert claim["total_fen"] == 670_370
    assert [(line["amount_fen"], line["evidence"]["type"], line["evidence"]["ref"], line["evidence"]["work"]["name"],
             line["evidence"]["work"]["accepted_on"], line["evidence"]["place"]) for line in claim["lines"]] == [
        (370_370, "work", f"work:{works['P1']}", "P1", "2026-02-15", "YJL"),
        (300_000, "work", f"work:{works['P2']}", "P2", "2026-02-28", "YJL")]
    assert claim["lines"][0]["evidence"]["work"]["contract_fen"] == 1_234_565
    assert build(api, "GZ-2026").status_code == 409  # each work once
    # The database refuses a second live line on the same work; a rejected line frees it.
    with app.app_context():
        s = get_session()
        values = dict(claim=claim["id"], work=works["P1"])
        insert = ("INSERT INTO claim_line (claim_id, estate_id, room_id, evidence_type, evidence_id, bill_line_id, "
                  "visit_id, amount_fen, status, reason) SELECT id, estate_id, NULL, 'work', :work, NULL, NULL, 1, "
                  ":status, '' FROM claim WHERE id = :claim")
        with pytest.raises(IntegrityError):
            with s.begin_nested():
                s.execute(text(insert), {**values, "status": "claimed"})
        with s.begin_nested():
            s.execute(text(insert), {**values, "status": "rejected"})
        s.rollback()


def test_submit_and_review_post_the_unbilled_evidence(api, elevators, app):
    claim = build(api, "DT-2026").get_json()
    assert api.post("finance", f"/api/v1/claims/{claim['id']}/submit", None).status_code == 200
    lines = [{"id": line["id"], "approved_fen": fen, "reason": "" if fen else "证书与电梯不符"}
             for line, fen in zip(claim["lines"], (20_000_000, 0))]
    reviewed = api.post("officer", f"/api/v1/claims/{claim['id']}/review", {"lines": lines})
    assert reviewed.status_code == 200 and reviewed.get_json()["status"] == "partly_approved"
    with app.app_context():
        s = get_session()
        balances = dict(s.execute(
            select(JournalLine.account, func.sum(JournalLine.amount_fen))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalEntry.source_type == "claim", JournalEntry.source_id == claim["id"])
            .group_by(JournalLine.account)).all())
    # Never billed: the programme owed nothing on bills, so submitting recognises the income.
    assert balances == {"subsidy_revenue": -40_000_000, "subsidy_claimed": 0, "subsidy_approved": 20_000_000,
                        "subsidy_shortfall": 20_000_000}
    # The rejected line's certificate may be claimed again (after correction).
    again = build(api, "DT-2026")
    assert again.status_code == 201 and again.get_json()["total_fen"] == 20_000_000


def test_certificate_rules_flagged_and_close_cases(api, elevators, app, clock):
    claim = build(api, "DT-2026").get_json()
    line = {l["evidence"]["certificate"]["number"]: l["id"] for l in claim["lines"]}
    assert open_rules(api, claim["id"]) == set()
    # outside_period: A's certificate dated the day before February; B's the 1st (inside).
    sql(app, "UPDATE equipment_certificate SET issued_on = :day WHERE number = 'JY-A1'", day=date(2026, 1, 31))
    sql(app, "UPDATE equipment_certificate SET issued_on = :day WHERE number = 'JY-B1'", day=date(2026, 2, 1))
    check_claims(app)
    assert open_rules(api, claim["id"]) == {("outside_period", line["JY-A1"])}
    # missing_evidence: B's certificate gone; A's still there.
    sql(app, "UPDATE equipment_certificate SET issued_on = :day WHERE number = 'JY-A1'", day=date(2026, 2, 10))
    sql(app, "DELETE FROM equipment_certificate WHERE number = 'JY-B1'")
    check_claims(app)
    assert open_rules(api, claim["id"]) == {("missing_evidence", line["JY-B1"])}
    # amount_changed: the programme's amount per elevator now differs from what was claimed.
    sql(app, "UPDATE program SET unit_fen = 19000000 WHERE code = 'DT-2026'")
    check_claims(app)
    assert ("amount_changed", line["JY-A1"]) in open_rules(api, claim["id"])
    sql(app, "UPDATE program SET unit_fen = 20000000 WHERE code = 'DT-2026'")
    check_claims(app)
    assert ("amount_changed", line["JY-A1"]) not in open_rules(api, claim["id"])


def test_the_same_elevator_paid_twice_is_flagged(api, elevators, app, clock):
    """A second elevator programme pays A again on A's re-inspection certificate: both lines
    flagged; B (one certificate, one line) is not."""
    first = build(api, "DT-2026").get_json()
    mine = {l["evidence"]["certificate"]["number"]: l["id"] for l in first["lines"]}
    api.program("officer", "DT-CITY", kind="elevator", budget_fen=10**9, unit_fen=5_000_000)
    assert api.allocate("officer", "DT-CITY", "YJL", 10**8).status_code == 201
    assert api.post("manager", f"/api/v1/elevators/{elevators['A']}/certificates",
                    {"number": "JY-A2", "issued_on": "2026-02-25", "issuer": "检验院"}).status_code == 201
    second = build(api, "DT-CITY").get_json()
    theirs = {l["evidence"]["certificate"]["number"]: l["id"] for l in second["lines"]}
    assert set(theirs) == {"JY-A2"}  # B1 is on DT-2026's live line already; A1 too
    check_claims(app)
    assert open_rules(api, second["id"]) == {("same_elevator", theirs["JY-A2"])}
    assert ("same_elevator", mine["JY-A1"]) in open_rules(api, first["id"])
    assert ("same_elevator", mine["JY-B1"]) not in open_rules(api, first["id"])


def test_work_rules_flagged_and_close_cases(api, works, app):
    claim = build(api, "GZ-2026").get_json()
    line = {l["evidence"]["work"]["name"]: l["id"] for l in claim["lines"]}
    assert open_rules(api, claim["id"]) == set()
    # outside_period: P1 accepted on 1 March; P2 on 28 February (the last day: inside).
    sql(app, "UPDATE renovation_project SET accepted_on = :day WHERE name = 'P1'", day=date(2026, 3, 1))
    check_claims(app)
    assert open_rules(api, claim["id"]) == {("outside_period", line["P1"])}
    # missing_evidence: P2's contract amount erased; P1's kept.
    sql(app, "UPDATE renovation_project SET accepted_on = :day WHERE name = 'P1'", day=date(2026, 2, 15))
    sql(app, "UPDATE renovation_project SET contract_fen = NULL WHERE name = 'P2'")
    check_claims(app)
    assert open_rules(api, claim["id"]) == {("missing_evidence", line["P2"])}
    # subsidy_above_line: a line above its works' contract amount; P1 claimed at most its amount.
    sql(app, "UPDATE renovation_project SET contract_fen = 1000000 WHERE name = 'P2'")
    sql(app, "UPDATE claim_line SET amount_fen = 1000001 WHERE id = :id", id=line["P2"])
    check_claims(app)
    found = open_rules(api, claim["id"])
    assert ("subsidy_above_line", line["P2"]) in found and ("subsidy_above_line", line["P1"]) not in found
    assert ("amount_changed", line["P2"]) in found and ("amount_changed", line["P1"]) not in found


def test_the_claim_page_drills_to_the_certificate_and_the_works(client, api, elevators, works):
    from tests.web import logged_in, text as page_text

    elevator_claim = build(api, "DT-2026").get_json()["id"]
    works_claim = build(api, "GZ-2026").get_json()["id"]
    officer = logged_in(client.application.test_client(), "officer")
    officer.get("/?lang=en")
    html = page_text(officer.get(f"/claims/{elevator_claim}"))
    assert "Inspection certificate JY-A1, issued 2026-02-10 by 北京市特种设备检验检测研究院" in html
    assert f'href="/maintenance/elevators?elevator={elevators["A"]}#elevator-{elevators["A"]}"' in html and "YJL-3-2" in html
    html = page_text(officer.get(f"/claims/{works_claim}"))
    assert "Renovation project P1 by 北京城建修缮工程有限公司, accepted 2026-02-15" in html and "¥12,345.65" in html
    assert officer.get("/maintenance/elevators").status_code == 200


def test_the_portal_lists_certificate_and_work_lines_with_their_place(api, elevators, works):
    """Lines that stand on no room show the elevator's entrance or the estate and the evidence's name."""
    for program in ("DT-2026", "GZ-2026"):
        claim = build(api, program).get_json()
        assert api.post("finance", f"/api/v1/claims/{claim['id']}/submit", {}).status_code == 200
    rows = api.get("auditor", "/api/v1/reports/rows/claim_lines?period=2026-02").get_json()
    assert sorted((r["program"], r["evidence_type"], r["room"], r["evidence"], r["amount_fen"])
                  for r in rows["items"]) == [
        ("DT-2026", "certificate", "YJL-3-1", "JY-B1", 20_000_000),
        ("DT-2026", "certificate", "YJL-3-2", "JY-A1", 20_000_000),
        ("GZ-2026", "work", "YJL", "P1", 370_370), ("GZ-2026", "work", "YJL", "P2", 300_000)]
    overview = api.get("auditor", "/api/v1/reports/overview?period=2026-02").get_json()
    assert {p["program"]: p["claimed_fen"] for p in overview["programs"]} == {"DT-2026": 40_000_000,
                                                                              "GZ-2026": 670_370}
