"""Renovation projects and warranty routing with a controlled clock."""
from datetime import datetime, timezone

import pytest


def _project(api, accepted_on="2024-06-30", components=None, name="Roof and pipes 2024", user="manager"):
    components = components if components is not None else [
        {"kind": "roof_waterproofing", "building": "3"},                 # 5 y → 2029-06-30
        {"kind": "water_pipes", "building": "3", "entrance": "2"},       # 2 y → 2026-06-30
        {"kind": "heating"},                                              # → 2026-03-15
        {"kind": "electrical", "building": "3", "entrance": "1"},        # another entrance
        {"kind": "exterior_wall"},                                        # estate level
    ]
    return api.post(user, "/api/v1/renovation-projects", {
        "estate": "YJL", "name": name, "contractor": "北京建工修缮", "contractor_phone": "010-88886666",
        "accepted_on": accepted_on, "components": components})


@pytest.fixture
def project(api, world, app):
    from tests import factories as f

    with app.app_context():
        from pms.core.db import get_session

        s = get_session()
        f.make_room(s, world.yjl, "3", "1", "101", owner=None)
        s.commit()
    response = _project(api)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_components_listed_with_statutory_ends(api, clock, project):
    items = api.get("manager", "/api/v1/warranty-components?estate=YJL").get_json()["items"]
    ends = {(i["kind"], i["place"]): (i["warranty_ends_on"], i["in_warranty"]) for i in items}
    assert ends == {("roof_waterproofing", "YJL-3"): ("2029-06-30", True),
                    ("water_pipes", "YJL-3-2"): ("2026-06-30", True),
                    ("heating", "YJL"): ("2026-03-15", True),
                    ("electrical", "YJL-3-1"): ("2026-06-30", True),
                    ("exterior_wall", "YJL"): ("2029-06-30", True)}
    assert api.get("auditor", "/api/v1/warranty-components").status_code == 200
    assert api.get("other_manager", "/api/v1/warranty-components").get_json()["items"] == []


def test_room_request_on_a_component_under_warranty(api, clock, project):
    tid = api.file(category="plumbing")["id"]
    body = api.get("resident", f"/api/v1/tickets/{tid}").get_json()
    assert body["in_warranty"] is True and body["payer"] == "warranty"
    assert body["warranty"] == {"component": "给水管道", "kind": "water_pipes", "place": "YJL-3-2",
                                "contractor": "北京建工修缮", "contractor_phone": "010-88886666",
                                "project": "Roof and pipes 2024", "warranty_ends_on": "2026-06-30"}
    # owner and fund may never pay warranty work: 422 on resolve and on setting the payer
    api.post("manager", f"/api/v1/tickets/{tid}/assign", {"technician": "tech"})
    api.move("tech", tid, "in_progress")
    for payer in ("owner", "fund"):
        r = api.post("tech", f"/api/v1/tickets/{tid}/transitions", {"to": "resolved", "payer": payer})
        assert r.status_code == 422 and "payer" in r.get_json()["error"]["fields"]
        r = api.post("manager", f"/api/v1/tickets/{tid}/payer", {"payer": payer, "amount_fen": 100})
        assert r.status_code == 422
    body = api.get("manager", f"/api/v1/tickets/{tid}").get_json()
    assert (body["status"], body["payer"], body["amount_fen"]) == ("in_progress", "warranty", 0)
    assert api.post("tech", f"/api/v1/tickets/{tid}/transitions",
                    {"to": "resolved", "payer": "warranty", "amount_fen": 500}).status_code == 422
    body = api.move("tech", tid, "resolved")
    assert (body["payer"], body["amount_fen"]) == ("warranty", 0)


MATCHES = [
    ({"category": "roof_leak"}, "roof_waterproofing"),                     # building level covers the room
    ({"category": "heating"}, "heating"),                                  # estate level covers everything
    ({"category": "exterior_wall", "location": "YJL-3"}, "exterior_wall"),  # estate level for a building
    ({"category": "roof_leak", "location": "YJL-3"}, "roof_waterproofing"),
    ({"category": "roof_leak", "location": "YJL-3-2"}, "roof_waterproofing"),
    ({"category": "plumbing", "location": "YJL-3-2"}, "water_pipes"),
    ({"category": "electrical"}, None),                                    # electrical is entrance 1 only
    ({"category": "electrical", "location": "YJL-3-1"}, "electrical"),
    ({"category": "public_lighting", "location": "YJL-3-1"}, "electrical"),
    ({"category": "plumbing", "location": "YJL-3"}, None),                 # entrance-level pipes ≠ whole building
    ({"category": "roof_leak", "location": "YJL"}, None),                  # building-level roof ≠ estate area
    ({"category": "greenery", "location": "YJL"}, None),
    ({"category": "elevator"}, None),
]


def test_location_matching(api, clock, project):
    for body, component in MATCHES:
        tid = api.file(**body)["id"]
        got = api.get("manager", f"/api/v1/tickets/{tid}").get_json()
        assert got["in_warranty"] is (component is not None), body
        assert (got["warranty"] or {}).get("kind") == component, body


def test_warranty_end_is_inclusive_and_evaluated_at_submission(api, clock, project):
    # heating: last covered day 2026-03-15 (Beijing date)
    clock.set(datetime(2026, 3, 15, 15, 59, tzinfo=timezone.utc))  # 23:59 on 15 March in Beijing
    inside = api.file(category="heating")["id"]
    clock.set(datetime(2026, 3, 15, 16, 0, tzinfo=timezone.utc))   # 00:00 on 16 March in Beijing
    outside = api.file(category="heating")["id"]
    assert api.get("manager", f"/api/v1/tickets/{inside}").get_json()["in_warranty"] is True
    out = api.get("manager", f"/api/v1/tickets/{outside}").get_json()
    assert out["in_warranty"] is False and out["payer"] is None
    # after the warranty, the fund may pay (via the payer endpoint)
    api.post("manager", f"/api/v1/tickets/{outside}/assign", {"technician": "tech"})
    assert api.post("manager", f"/api/v1/tickets/{outside}/payer", {"payer": "fund"}).status_code == 200
    # a request filed before the acceptance day is not under warranty
    clock.set(datetime(2024, 6, 29, 4, 0, tzinfo=timezone.utc))
    early = api.file(category="roof_leak")["id"]
    assert api.get("manager", f"/api/v1/tickets/{early}").get_json()["in_warranty"] is False


def test_override_per_component(api, clock, world):
    r = _project(api, accepted_on="2025-01-10", name="Pipes", components=[
        {"kind": "water_pipes", "building": "3", "warranty_ends_on": "2025-12-31"}])
    assert r.status_code == 422  # shorter than the statute (2027-01-10)
    assert "components.0.warranty_ends_on" in r.get_json()["error"]["fields"]
    r = _project(api, accepted_on="2025-01-10", name="Pipes", components=[
        {"kind": "water_pipes", "building": "3", "warranty_ends_on": "2030-01-10", "note": "contract §7"}])
    assert r.status_code == 201
    items = api.get("manager", "/api/v1/warranty-components").get_json()["items"]
    assert [(i["warranty_ends_on"], i["overridden"]) for i in items] == [("2030-01-10", True)]


BAD_PROJECTS = [
    ({"components": []}, "components"),
    ({"components": [{"kind": "moat"}]}, "components.0.kind"),
    ({"components": [{"kind": "roof_waterproofing", "building": "9"}]}, "components.0"),
    ({"components": [{"kind": "roof_waterproofing", "entrance": "2"}]}, "components.0"),
    ({"accepted_on": "2024-13-01"}, "accepted_on"),
    ({"contractor": ""}, "contractor"),
]


def test_bad_projects(api, clock, world):
    for change, field in BAD_PROJECTS:
        body = {"estate": "YJL", "name": "P", "contractor": "C", "accepted_on": "2024-01-01",
                "components": [{"kind": "roof_waterproofing"}], **change}
        r = api.post("manager", "/api/v1/renovation-projects", body)
        assert r.status_code == 422, (change, r.get_json())
        assert field in r.get_json()["error"]["fields"], change
    assert api.get("manager", "/api/v1/warranty-components").get_json()["items"] == []


def test_project_roles(api, clock, world):
    roof = [{"kind": "roof_waterproofing", "building": "3"}]
    assert _project(api, user="tech", components=roof).status_code == 403
    assert _project(api, user="auditor", components=roof).status_code == 403
    assert _project(api, user="other_manager", components=roof).status_code == 404
    assert _project(api, components=roof).status_code == 201
    assert _project(api, components=roof).status_code == 409  # same name twice
