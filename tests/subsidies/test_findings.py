"""Each anomaly rule with a case that must be flagged and a close case that must not
(pms/subsidies/services/findings.py). The evidence is changed behind the claim's back with plain
SQL — as a careless import or a later correction would — and the nightly check runs again.

The March claims of tests/subsidies/test_claims.py: 先尝后买 (TBB-2026) has one bill line per room
(501 and 502, 5193 fen each); the elder-care claim (YL-2026) one line per confirmed meal."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from jobs.subsidies import check_claims
from pms.core.db import get_session
from tests.eldercare.conftest import api  # noqa: F401  (fixture)
from tests.eldercare.test_billing import program  # noqa: F401  (fixture)
from tests.subsidies.test_claims import billed, build  # noqa: F401  (fixture)
from tests.subsidies.test_reviews import PARTLY, review, second_officer  # noqa: F401  (fixture)


def sql(app, statement: str, **params) -> None:
    with app.app_context():
        s = get_session()
        s.execute(text(statement), params)
        s.commit()


def open_rules(api, claim_id: int) -> set[tuple[str, int | None]]:
    return {(f["rule"], f["line"]) for f in api.get("auditor", f"/api/v1/claims/{claim_id}/anomalies").get_json()["items"]}


def lines_by_room(claim: dict) -> dict[str, int]:
    return {line["room"]: line["id"] for line in claim["lines"]}


@pytest.fixture
def tbb(api, billed):  # noqa: F811
    return build(api).get_json()


@pytest.fixture
def meals(api, billed):  # noqa: F811
    return build(api, program="YL-2026").get_json()


def test_vacant_room_flagged_only_without_owner_or_resident(api, app, tbb):
    rooms = lines_by_room(tbb)
    assert not {r for r, _l in open_rules(api, tbb["id"]) if r == "vacant_room"}
    sql(app, "DELETE FROM ownership WHERE room_id = (SELECT id FROM room WHERE code = 'YJL-3-2-502')")
    check_claims(app)
    assert ("vacant_room", rooms["YJL-3-2-502"]) in open_rules(api, tbb["id"])
    assert ("vacant_room", rooms["YJL-3-2-501"]) not in open_rules(api, tbb["id"])  # still owned


def test_same_person_owning_two_subsidised_rooms(api, app, tbb):
    rooms = lines_by_room(tbb)
    # 501's owner has ID number 11010519491231002X; 502's owner gets the same number (one household).
    sql(app, "UPDATE person SET id_number = '11010519491231002X' WHERE name = '李四'")
    check_claims(app)
    found = open_rules(api, tbb["id"])
    assert {("same_person", rooms["YJL-3-2-501"]), ("same_person", rooms["YJL-3-2-502"])} <= found
    # Close case: another number (a namesake is not the same person).
    sql(app, "UPDATE person SET id_number = '110105194912310024' WHERE name = '李四'")
    check_claims(app)
    assert not {r for r, _l in open_rules(api, tbb["id"]) if r == "same_person"}


def test_subsidy_above_the_line_it_offsets(api, app, tbb):
    rooms = lines_by_room(tbb)
    sql(app, "UPDATE claim_line SET amount_fen = 10387 WHERE id = :id", id=rooms["YJL-3-2-501"])  # line: 10386
    sql(app, "UPDATE claim_line SET amount_fen = 10386 WHERE id = :id", id=rooms["YJL-3-2-502"])  # equal: fine
    check_claims(app)
    found = open_rules(api, tbb["id"])
    assert ("subsidy_above_line", rooms["YJL-3-2-501"]) in found
    assert ("subsidy_above_line", rooms["YJL-3-2-502"]) not in found


def test_missing_evidence_on_a_visit_line(api, app, meals):
    first, second = (line["id"] for line in meals["lines"][:2])
    # A line pointing at a visit that was never confirmed (as a bad import would write it).
    sql(app, "UPDATE visit SET price_fen = NULL, subsidy_fen = NULL, bill_line_id = NULL, status = 'checked_out', "
             "confirmed_at = NULL WHERE id = (SELECT visit_id FROM claim_line WHERE id = :id)", id=first)
    check_claims(app)
    found = open_rules(api, meals["id"])
    assert ("missing_evidence", first) in found and ("missing_evidence", second) not in found


def test_an_elder_not_eligible_on_the_visit_day(api, app, meals):
    first = meals["lines"][0]
    assert ("ineligible_elder", first["id"]) not in open_rules(api, meals["id"])  # 81 on 2 March: eligible
    # Born on 3 March 1946 the elder turns 80 on 3 March 2026: not eligible on 2 March, eligible on 3 March.
    sql(app, "UPDATE elder SET birth_date = :born", born=date(1946, 3, 3))
    check_claims(app)
    found = open_rules(api, meals["id"])
    assert ("ineligible_elder", meals["lines"][0]["id"]) in found  # 2 March: the day before the birthday
    assert ("ineligible_elder", meals["lines"][1]["id"]) not in found  # 3 March: the birthday itself


def test_a_line_outside_the_claim_period(api, app, meals):
    first, second = meals["lines"][0]["id"], meals["lines"][1]["id"]
    sql(app, "UPDATE visit SET date = :day WHERE id = (SELECT visit_id FROM claim_line WHERE id = :id)",
        day=date(2026, 2, 28), id=first)
    sql(app, "UPDATE visit SET date = :day WHERE id = (SELECT visit_id FROM claim_line WHERE id = :id)",
        day=date(2026, 3, 1), id=second)  # the period's first day: inside
    check_claims(app)
    found = open_rules(api, meals["id"])
    assert ("outside_period", first) in found and ("outside_period", second) not in found


def test_idle_money_after_60_days(api, app, tbb, clock, second_officer):  # noqa: F811
    assert api.post("finance", f"/api/v1/claims/{tbb['id']}/submit").status_code == 200
    assert review(api, tbb, PARTLY).status_code == 200
    reviewed = datetime(2026, 4, 1, 2, tzinfo=timezone.utc)
    clock.set(reviewed + timedelta(days=59, hours=23))
    check_claims(app)
    assert ("idle_money", None) not in open_rules(api, tbb["id"])
    clock.set(reviewed + timedelta(days=60))
    check_claims(app)
    assert ("idle_money", None) in open_rules(api, tbb["id"])
    api._headers.clear()
    paid = api.post("officer2", f"/api/v1/claims/{tbb['id']}/disbursements",
                    {"amount_fen": 8193, "date": clock.today().isoformat(), "reference": "ICBC-9"})
    assert paid.status_code == 201
    check_claims(app)
    assert ("idle_money", None) not in open_rules(api, tbb["id"])  # paid: cleared


def test_a_finding_is_dismissed_only_with_a_reason_by_an_officer(api, app, tbb):
    sql(app, "DELETE FROM ownership WHERE room_id = (SELECT id FROM room WHERE code = 'YJL-3-2-502')")
    check_claims(app)
    finding = next(f for f in api.get("auditor", f"/api/v1/claims/{tbb['id']}/anomalies").get_json()["items"]
                   if f["rule"] == "vacant_room")
    url = f"/api/v1/claims/{tbb['id']}/findings/{finding['id']}/dismissal"
    assert api.post("officer", url, {"reason": ""}).status_code == 422
    assert api.post("manager", url, {"reason": "x"}).status_code == 403
    assert api.post("other_officer", url, {"reason": "x"}).status_code == 404
    done = api.post("officer", url, {"reason": "房屋在售，业主信息待补录（附街道证明）"})
    assert done.status_code == 200 and done.get_json()["dismissed_by"] == "officer"
    assert api.post("officer", url, {"reason": "again"}).status_code == 409
    check_claims(app)  # still holds, but dismissed: not open again
    assert not {r for r, _l in open_rules(api, tbb["id"]) if r == "vacant_room"}
