"""POST/GET /api/v1/programs: officers register their own district's programmes, the platform any;
input refused naming the field; totals; every reader sees only their scope."""
import pytest
from sqlalchemy import select

from pms.core.models import AuditEntry
from tests.subsidies.helpers import BODY


def test_an_officer_registers_a_programme_of_their_district(api, db):
    reply = api.post("officer", "/api/v1/programs", {**BODY, "code": "TBB-2026"})
    assert reply.status_code == 201
    assert reply.get_json() == {"code": "TBB-2026", "name": "先尝后买", "kind": "property_service",
                                "district": "110112", "district_name": "通州区", "budget_fen": 100000,
                                "allocated_fen": 0, "unallocated_fen": 100000,
                                "period_from": "2026-01-01", "period_to": "2026-12-31",
                                "unit_fen": None, "percent": None}  # the contract's body: no rule of its own
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "program.create"))
    assert entry.actor == "officer" and '"district": "110112"' in entry.payload


def test_an_officer_names_no_other_district(api):
    reply = api.post("officer", "/api/v1/programs", {**BODY, "code": "X", "district": "110105"})
    assert reply.status_code == 422
    assert list(reply.get_json()["error"]["fields"]) == ["district"]
    assert api.post("officer", "/api/v1/programs", {**BODY, "code": "X", "district": "110112"}).status_code == 201


def test_the_platform_names_the_district(api):
    missing = api.post("admin", "/api/v1/programs", {**BODY, "code": "X"})
    assert missing.status_code == 422 and list(missing.get_json()["error"]["fields"]) == ["district"]
    made = api.post("admin", "/api/v1/programs", {**BODY, "code": "X", "district": "110101"})
    assert made.status_code == 201 and made.get_json()["district_name"] == "东城区"


@pytest.mark.parametrize("change,field", [
    ({"code": "has space"}, "code"), ({"code": ""}, "code"), ({"name": ""}, "name"),
    ({"kind": "party"}, "kind"), ({"budget_fen": -1}, "budget_fen"), ({"budget_fen": "100"}, "budget_fen"),
    ({"budget_fen": 1.5}, "budget_fen"), ({"budget_fen": 10**13 + 1}, "budget_fen"),
    ({"period_from": "2026-13-01"}, "period_from"), ({"period_to": None}, "period_to"),
    ({"period_from": "2027-01-01", "period_to": "2026-12-31"}, "period_to"),
])
def test_bad_input_is_422_naming_the_field(api, change, field):
    reply = api.post("officer", "/api/v1/programs", {**BODY, "code": "P1", **change})
    assert reply.status_code == 422, reply.get_json()
    assert field in reply.get_json()["error"]["fields"]


def test_a_period_of_one_day_is_fine(api):
    api.program("officer", "ONE", period_from="2026-05-01", period_to="2026-05-01")


def test_a_taken_code_is_409(api):
    api.program("officer", "TBB")
    again = api.post("other_officer", "/api/v1/programs", {**BODY, "code": "TBB"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("user,codes", [
    ("admin", ["CY-1", "DC-1", "TZ-1"]), ("officer", ["TZ-1"]), ("auditor", ["TZ-1"]),
    ("other_officer", ["CY-1"]), ("other_auditor", ["CY-1"]),
    ("manager", ["TZ-1"]), ("finance", ["TZ-1"]), ("tech", ["TZ-1"]), ("carer", ["TZ-1"]),
    ("other_manager", ["CY-1"]),
])
def test_each_reader_lists_their_scope(api, programmes, user, codes):
    api.program("admin", "DC-1", district="110101")  # 东城: no estate of either company
    reply = api.get(user, "/api/v1/programs")
    assert reply.status_code == 200
    assert [p["code"] for p in reply.get_json()["items"]] == codes


@pytest.mark.parametrize("user", ["resident", "other_resident"])
def test_residents_have_no_programmes(api, programmes, user):
    assert api.get(user, "/api/v1/programs").status_code == 403
    assert api.get(user, "/api/v1/programs/TZ-1").status_code == 403


def test_one_programme_with_its_totals(api, programmes):
    assert api.allocate("officer", "TZ-1", "YJL", 60000).status_code == 201
    assert api.allocate("officer", "TZ-1", "YJL", 15000).status_code == 201
    body = api.get("auditor", "/api/v1/programs/TZ-1").get_json()
    assert (body["budget_fen"], body["allocated_fen"], body["unallocated_fen"]) == (100000, 75000, 25000)
    assert body["allocations"] == [{"estate": "YJL", "estate_name": "云景里", "amount_fen": 75000}]
    # someone else's district: as if it did not exist
    assert api.get("other_auditor", "/api/v1/programs/TZ-1").status_code == 404
    assert api.get("other_manager", "/api/v1/programs/TZ-1").status_code == 404
    assert api.get("officer", "/api/v1/programs/NOPE").status_code == 404


def test_a_cli_programme_without_budget_or_period_reads_as_such(api, runner):
    result = runner.invoke(args=["programs", "create", "OLD", "旧项目", "--district", "110112", "--kind", "elevator"])
    assert result.exit_code == 0, result.output
    body = api.get("officer", "/api/v1/programs/OLD").get_json()
    assert (body["budget_fen"], body["unallocated_fen"], body["period_from"], body["period_to"]) == (None, None, None, None)


def test_anonymous_is_401(client, world):
    assert client.get("/api/v1/programs").status_code == 401
    assert client.post("/api/v1/programs", json=BODY).status_code == 401


def test_elevator_and_renovation_programmes_say_what_they_pay(api):
    """`unit_fen` per elevator certified, `percent` of a completed project's contract amount:
    optional, ≥ 0, each for its kind only (422 naming the field otherwise)."""
    lift = api.post("officer", "/api/v1/programs", {**BODY, "code": "DT-1", "kind": "elevator", "unit_fen": 20000000})
    assert lift.status_code == 201 and (lift.get_json()["unit_fen"], lift.get_json()["percent"]) == (20000000, None)
    works = api.post("officer", "/api/v1/programs", {**BODY, "code": "GZ-1", "kind": "renovation", "percent": 30})
    assert works.status_code == 201 and works.get_json()["percent"] == 30
    free = api.post("officer", "/api/v1/programs", {**BODY, "code": "DT-0", "kind": "elevator", "unit_fen": 0})
    assert free.status_code == 201  # 0 is a rule too (the programme pays nothing per elevator)
    for changes, field in [({"kind": "elevator", "unit_fen": -1}, "unit_fen"),
                           ({"kind": "elevator", "unit_fen": "12.5"}, "unit_fen"),
                           ({"kind": "renovation", "percent": 101}, "percent"),
                           ({"kind": "renovation", "percent": -1}, "percent"),
                           ({"kind": "property_service", "unit_fen": 100}, "unit_fen"),
                           ({"kind": "elevator", "percent": 30}, "percent")]:
        reply = api.post("officer", "/api/v1/programs", {**BODY, "code": "BAD", **changes})
        assert reply.status_code == 422 and list(reply.get_json()["error"]["fields"]) == [field], changes
    items = api.get("auditor", "/api/v1/programs").get_json()["items"]
    listed = {p["code"]: (p["unit_fen"], p["percent"]) for p in items}
    assert listed == {"DT-0": (0, None), "DT-1": (20000000, None), "GZ-1": (None, 30)}
