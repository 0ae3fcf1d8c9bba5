"""Repair requests through the API: filing, SLA deadlines, the workflow and who may do what."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from pms.maintenance.models import Ticket, TicketEvent


def test_create_contract_shape_and_sla_defaults(api, clock):
    # 2026-03-02 01:00:00 UTC; normal = 24 h / 7 days
    body = api.file(urgency="normal")
    assert set(body) == {"id", "status", "respond_by", "resolve_by"}
    assert body["status"] == "submitted"
    assert body["respond_by"] == "2026-03-03T01:00:00Z"
    assert body["resolve_by"] == "2026-03-09T01:00:00Z"


SLA_CASES = [
    ("emergency", "2026-03-02T01:30:00Z", "2026-03-03T01:00:00Z"),
    ("urgent", "2026-03-02T03:00:00Z", "2026-03-05T01:00:00Z"),
    ("normal", "2026-03-03T01:00:00Z", "2026-03-09T01:00:00Z"),
]


def test_sla_per_urgency(api, clock):
    for urgency, respond, resolve in SLA_CASES:
        body = api.file(urgency=urgency)
        assert (body["respond_by"], body["resolve_by"]) == (respond, resolve), urgency


def test_sla_override_per_estate(api, clock):
    response = api.put("manager", "/api/v1/estates/YJL/maintenance/sla",
                       {"emergency": {"respond_minutes": 15, "resolve_minutes": 240}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["emergency"] == {"respond_minutes": 15, "resolve_minutes": 240}
    assert response.get_json()["normal"] == {"respond_minutes": 1440, "resolve_minutes": 10080}
    clock.set(datetime(2026, 3, 2, 23, 55, 30, 123456, tzinfo=timezone.utc))
    body = api.file(urgency="emergency")
    # the submit time is kept to the second
    assert (body["respond_by"], body["resolve_by"]) == ("2026-03-03T00:10:30Z", "2026-03-03T03:55:30Z")
    # other estates keep the defaults; other roles may not change it
    assert api.put("other_manager", "/api/v1/estates/YJL/maintenance/sla",
                   {"normal": {"respond_minutes": 1, "resolve_minutes": 2}}).status_code == 404
    for user in ("tech", "finance", "resident"):
        assert api.put(user, "/api/v1/estates/YJL/maintenance/sla",
                       {"normal": {"respond_minutes": 1, "resolve_minutes": 2}}).status_code == 403
    assert api.put("manager", "/api/v1/estates/YJL/maintenance/sla",
                   {"normal": {"respond_minutes": 100, "resolve_minutes": 50}}).status_code == 422


def test_get_ticket_detail(api, clock):
    tid = api.file(urgency="urgent", description="Water from the ceiling")["id"]
    body = api.get("resident", f"/api/v1/tickets/{tid}").get_json()
    assert body["id"] == tid and body["status"] == "submitted" and body["room"] == "YJL-3-2-501"
    assert body["category"] == "plumbing" and body["urgency"] == "urgent" and body["channel"] == "app"
    assert body["submitted_at"] == "2026-03-02T01:00:00Z"
    assert body["sla"] == {"respond": {"state": "pending", "minutes_left": 120},
                           "resolve": {"state": "pending", "minutes_left": 4320}}
    assert body["events"] == [{"at": "2026-03-02T01:00:00Z", "actor": "resident", "kind": "transition",
                               "from": None, "to": "submitted", "note": ""}]
    assert body["allowed_moves"] == ["cancelled"]
    assert api.get("manager", f"/api/v1/tickets/{tid}").get_json()["allowed_moves"] == ["accepted"]


PLACES = [("YJL", "YJL"), ("YJL-3", "YJL-3"), ("YJL-3-2", "YJL-3-2"),
          ({"estate": "YJL", "building": "3", "entrance": "2"}, "YJL-3-2"), ({"estate": "YJL"}, "YJL")]


def test_common_place_forms(api, clock):
    for location, label in PLACES:
        tid = api.file(location=location, category="public_lighting", place="north gate")["id"]
        body = api.get("resident", f"/api/v1/tickets/{tid}").get_json()
        assert body["location"] == label and body["room"] is None and body["place"] == "north gate", location


BAD_BODIES = [
    ({"room": "YJL-9-9-999"}, "room"),                  # unknown room
    ({"room": "YJL-3-2-502"}, "room"),                  # a neighbour's room
    ({"room": "HXY-1-1-101"}, "room"),                  # another company's room
    ({"location": "HXY"}, "location"),                  # an estate that is not theirs
    ({"location": "YJL-7"}, "location"),                # unknown building
    ({"location": "YJL-3-9"}, "location"),              # unknown entrance
    ({"location": "YJL--2"}, "location"),
    ({"location": {"estate": "YJL", "entrance": "2"}}, "location"),
    ({"location": 5}, "location"),
    ({"room": "YJL-3-2-501", "location": "YJL"}, "room"),  # both
    ({}, "room"),                                       # neither
    ({"room": "YJL-3-2-501", "category": "roof"}, "category"),
    ({"room": "YJL-3-2-501", "urgency": "asap"}, "urgency"),
    ({"room": "YJL-3-2-501", "description": "  "}, "description"),
    ({"room": "YJL-3-2-501", "colour": "red"}, "colour"),
]


def test_bad_requests_are_422_and_save_nothing(api, clock, app):
    for body, field in BAD_BODIES:
        payload = {"category": "plumbing", "description": "leak", "urgency": "normal", **body}
        response = api.post("resident", "/api/v1/tickets", payload)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], body
    with app.app_context():
        from pms.core.db import get_session

        assert get_session().scalar(select(func.count(Ticket.id))) == 0


def test_staff_files_on_behalf_and_records_the_channel(api, clock):
    tid = api.file("manager", room="YJL-3-2-502", channel="phone", reporter_name="李四",
                   reporter_phone="13800000000")["id"]
    body = api.get("manager", f"/api/v1/tickets/{tid}").get_json()
    assert body["channel"] == "phone" and body["reporter_name"] == "李四"
    assert body["events"][0]["note"]  # "Filed by phone call"
    # default channel for staff is a phone call; residents are always 'app'
    tid2 = api.file("carer", room="YJL-3-2-501")["id"]
    assert api.get("manager", f"/api/v1/tickets/{tid2}").get_json()["channel"] == "phone"
    tid3 = api.file("resident", channel="phone")["id"]
    assert api.get("manager", f"/api/v1/tickets/{tid3}").get_json()["channel"] == "app"
    # the resident of 501 sees the staff-filed ticket of their room, not 502's
    assert api.get("resident", f"/api/v1/tickets/{tid2}").status_code == 200
    assert api.get("resident", f"/api/v1/tickets/{tid}").status_code == 404
    assert api.get("auditor", f"/api/v1/tickets/{tid}").get_json()["reporter_phone"] == "138****0000"
    # staff of another company cannot file here; an auditor never files
    assert api.post("other_manager", "/api/v1/tickets", {"room": "YJL-3-2-501", "category": "other",
                    "description": "x", "urgency": "normal"}).status_code == 422
    assert api.post("auditor", "/api/v1/tickets", {"room": "YJL-3-2-501", "category": "other",
                    "description": "x", "urgency": "normal"}).status_code == 403


def test_full_workflow_records_every_move(api, clock, app):
    tid = api.file(urgency="urgent")["id"]
    clock.advance(minutes=10)
    api.move("manager", tid, "accepted", note="on it")
    clock.advance(minutes=5)
    body = api.move("manager", tid, "assigned", technician="tech")
    assert body["assignee"]["username"] == "tech"
    clock.advance(minutes=30)
    api.move("tech", tid, "in_progress")
    clock.advance(hours=2)
    body = api.move("tech", tid, "resolved", note="replaced the seal", payer="owner", amount_fen=4500)
    assert (body["payer"], body["amount_fen"]) == ("owner", 4500)
    clock.advance(hours=1)
    body = api.move("resident", tid, "closed", rating=4, comment="quick")
    assert body["status"] == "closed" and body["rating"] == 4 and body["rating_comment"] == "quick"
    assert body["responded_at"] == "2026-03-02T01:10:00Z"
    assert body["resolved_at"] == "2026-03-02T03:45:00Z"
    assert body["sla"] == {"respond": {"state": "met", "minutes_left": None},
                           "resolve": {"state": "met", "minutes_left": None}}
    moves = [(e["actor"], e["from"], e["to"], e["note"], e["at"]) for e in body["events"] if e["kind"] == "transition"]
    assert moves == [
        ("resident", None, "submitted", "", "2026-03-02T01:00:00Z"),
        ("manager", "submitted", "accepted", "on it", "2026-03-02T01:10:00Z"),
        ("manager", "accepted", "assigned", "", "2026-03-02T01:15:00Z"),
        ("tech", "assigned", "in_progress", "", "2026-03-02T01:45:00Z"),
        ("tech", "in_progress", "resolved", "replaced the seal", "2026-03-02T03:45:00Z"),
        ("resident", "resolved", "closed", "", "2026-03-02T04:45:00Z"),
    ]
    assert body["allowed_moves"] == []


def test_reopen_and_rework(api, clock):
    tid = api.file()["id"]
    api.post("manager", f"/api/v1/tickets/{tid}/assign", {"technician": "tech"})
    api.move("tech", tid, "in_progress")
    api.move("tech", tid, "resolved")
    body = api.move("resident", tid, "reopened", note="still dripping")
    assert body["reopen_count"] == 1 and body["resolved_at"] is None
    api.move("manager", tid, "reopened", expect=409)  # already reopened
    body = api.move("tech", tid, "in_progress")
    assert body["assignee"]["username"] == "tech"
    api.move("tech", tid, "resolved")
    api.move("resident", tid, "reopened")
    body = api.move("manager", tid, "assigned")  # keeps the technician
    assert body["assignee"]["username"] == "tech" and body["reopen_count"] == 2


ILLEGAL = [("submitted", "assigned"), ("submitted", "in_progress"), ("submitted", "resolved"),
           ("submitted", "closed"), ("submitted", "reopened"), ("submitted", "submitted"),
           ("accepted", "accepted"), ("accepted", "resolved"), ("accepted", "closed"),
           ("assigned", "cancelled"), ("assigned", "resolved"), ("assigned", "closed"),
           ("in_progress", "cancelled"), ("in_progress", "closed"), ("in_progress", "assigned"),
           ("resolved", "in_progress"), ("resolved", "cancelled"), ("closed", "reopened"),
           ("closed", "cancelled"), ("cancelled", "accepted"), ("cancelled", "submitted")]


def _bring_to(api, status):
    tid = api.file()["id"]
    path = {"submitted": [], "accepted": [("manager", "accepted", {})],
            "assigned": [("manager", "accepted", {}), ("manager", "assigned", {"technician": "tech"})],
            "cancelled": [("resident", "cancelled", {})]}
    path["in_progress"] = path["assigned"] + [("tech", "in_progress", {})]
    path["resolved"] = path["in_progress"] + [("tech", "resolved", {})]
    path["closed"] = path["resolved"] + [("resident", "closed", {})]
    for user, to, extra in path[status]:
        api.move(user, tid, to, **extra)
    return tid


def test_illegal_moves_are_409_with_the_error_shape(api, clock):
    at = {status: _bring_to(api, status) for status in {frm for frm, _to in ILLEGAL}}
    for frm, to in ILLEGAL:
        tid = at[frm]
        response = api.post("admin", f"/api/v1/tickets/{tid}/transitions", {"to": to, "note": "x"})
        assert response.status_code == 409, (frm, to)
        assert response.get_json()["error"]["code"] == "conflict"
        assert set(response.get_json()["error"]) == {"code", "message", "fields"}
        assert api.get("admin", f"/api/v1/tickets/{tid}").get_json()["status"] == frm


# (status, to, users allowed, users refused with 403)
ROLE_RULES = [
    ("submitted", "accepted", ["manager", "admin"], ["tech", "finance", "carer", "resident"]),
    ("submitted", "cancelled", ["resident", "admin"], ["manager", "tech", "finance", "carer"]),
    ("accepted", "cancelled", ["resident"], ["manager", "tech"]),
    ("assigned", "in_progress", ["tech", "manager"], ["resident", "finance", "carer"]),
    ("in_progress", "resolved", ["tech", "manager"], ["resident", "finance", "carer"]),
    ("resolved", "closed", ["resident", "manager"], ["tech", "finance", "carer"]),
    ("resolved", "reopened", ["resident", "admin"], ["manager", "tech", "finance", "carer"]),
]


def test_who_may_make_each_move(api, clock):
    for status, to, allowed, refused in ROLE_RULES:
        tid = _bring_to(api, status)
        for user in refused:
            response = api.post(user, f"/api/v1/tickets/{tid}/transitions", {"to": to, "note": ""})
            assert response.status_code == 403, (status, to, user, response.get_json())
        assert api.post("auditor", f"/api/v1/tickets/{tid}/transitions", {"to": to}).status_code == 403
        for user in ("other_manager", "other_resident"):
            assert api.post(user, f"/api/v1/tickets/{tid}/transitions", {"to": to}).status_code == 404
        # Auditors are read-only everywhere: 403 whatever the ticket.
        assert api.post("other_auditor", f"/api/v1/tickets/{tid}/transitions", {"to": to}).status_code == 403
        for user in ("officer", "other_officer"):  # officers change no company data either
            assert api.post(user, f"/api/v1/tickets/{tid}/transitions", {"to": to}).status_code == 403
        for user in allowed:
            tid = _bring_to(api, status)
            api.move(user, tid, to)


def _add_user(app, username, role, company):
    from tests import factories as f

    with app.app_context():
        from pms.core.db import get_session

        s = get_session()
        f.make_user(s, username, role, company=company)
        s.commit()


def test_only_the_assigned_technician_works_on_it(api, clock, app, world):
    _add_user(app, "tech2", "technician", world.acme)
    tid = _bring_to(api, "assigned")
    assert api.post("tech2", f"/api/v1/tickets/{tid}/transitions", {"to": "in_progress"}).status_code == 403
    # a technician may take an accepted request themselves, but not hand it to someone else
    tid2 = _bring_to(api, "accepted")
    assert api.post("tech2", f"/api/v1/tickets/{tid2}/transitions",
                    {"to": "assigned", "technician": "tech"}).status_code == 403
    assert api.move("tech2", tid2, "assigned")["assignee"]["username"] == "tech2"


def test_assign_rules(api, clock, app, world):
    _add_user(app, "other_tech", "technician", world.other)
    tid = api.file()["id"]
    response = api.post("manager", f"/api/v1/tickets/{tid}/assign", {"technician": "other_tech"})
    assert response.status_code == 422 and "technician" in response.get_json()["error"]["fields"]
    assert api.post("manager", f"/api/v1/tickets/{tid}/assign", {"technician": "nobody"}).status_code == 404
    assert api.post("manager", f"/api/v1/tickets/{tid}/assign", {"technician": "finance"}).status_code == 422
    response = api.post("manager", f"/api/v1/tickets/{tid}/transitions",
                        {"to": "accepted"})
    assert response.status_code == 200
    assert api.post("manager", f"/api/v1/tickets/{tid}/transitions",
                    {"to": "assigned", "technician": "other_tech"}).status_code == 422
    assert api.post("manager", f"/api/v1/tickets/{tid}/transitions", {"to": "assigned"}).status_code == 422
    body = api.get("manager", f"/api/v1/tickets/{tid}").get_json()
    assert body["status"] == "accepted" and body["assignee"] is None and len(body["events"]) == 2
    assert api.post("tech", f"/api/v1/tickets/{tid}/assign", {"technician": "tech"}).status_code == 403
    # assigning a submitted request accepts it first; reassigning keeps the status
    tid2 = api.file()["id"]
    body = api.post("manager", f"/api/v1/tickets/{tid2}/assign", {"technician": "tech"}).get_json()
    assert body["status"] == "assigned" and [e["to"] for e in body["events"]] == ["submitted", "accepted", "assigned"]


def test_ratings(api, clock):
    tid = _bring_to(api, "resolved")
    for bad in (0, 6, -1, 2.5, "5"):
        response = api.post("resident", f"/api/v1/tickets/{tid}/transitions", {"to": "closed", "rating": bad})
        assert response.status_code == 422 and "rating" in response.get_json()["error"]["fields"], bad
    assert api.get("resident", f"/api/v1/tickets/{tid}").get_json()["status"] == "resolved"
    # a rating belongs to the confirmation only
    assert api.post("manager", f"/api/v1/tickets/{tid}/transitions",
                    {"to": "closed", "rating": 5}).status_code == 403
    api.move("resident", tid, "closed")
    assert api.post("resident", f"/api/v1/tickets/{tid}/rating", {"rating": 9}).status_code == 422
    body = api.post("resident", f"/api/v1/tickets/{tid}/rating", {"rating": 3, "comment": "ok"}).get_json()
    assert body["rating"] == 3
    assert api.post("resident", f"/api/v1/tickets/{tid}/rating", {"rating": 5}).status_code == 409
    tid2 = _bring_to(api, "in_progress")
    assert api.post("resident", f"/api/v1/tickets/{tid2}/rating", {"rating": 5}).status_code == 409
    assert api.post("resident", f"/api/v1/tickets/{tid2}/transitions",
                    {"to": "reopened", "rating": 5}).status_code in (409, 422)


def test_costs_payer_and_labour_rounding(api, clock):
    tid = _bring_to(api, "in_progress")
    r = api.post("tech", f"/api/v1/tickets/{tid}/costs",
                 {"kind": "material", "description": "PPR elbow", "quantity": 3, "unit_price_fen": 250})
    assert r.status_code == 201
    # labour: 50 minutes at ¥80.00/h = 6666.67 fen → 6667 (half-up)
    r = api.post("tech", f"/api/v1/tickets/{tid}/costs",
                 {"kind": "labour", "description": "fitting", "quantity": 50, "unit_price_fen": 8000})
    assert [c["amount_fen"] for c in r.get_json()["costs"]] == [750, 6667]
    body = api.move("tech", tid, "resolved")
    assert (body["payer"], body["amount_fen"]) == ("owner", 7417)  # default: the owner pays the costs
    body = api.post("manager", f"/api/v1/tickets/{tid}/payer", {"payer": "fund", "amount_fen": 7000}).get_json()
    assert (body["payer"], body["amount_fen"]) == ("fund", 7000)
    assert api.post("resident", f"/api/v1/tickets/{tid}/payer", {"payer": "common"}).status_code == 403
    assert api.post("manager", f"/api/v1/tickets/{tid}/payer", {"payer": "nobody"}).status_code == 422
    common = api.file(location="YJL-3-2", category="public_lighting")["id"]
    assert api.post("manager", f"/api/v1/tickets/{common}/payer", {"payer": "owner"}).status_code == 422


def test_a_cost_above_a_million_yuan_is_refused_by_field(api, clock):
    """Quantity and unit price are each bounded; their product must be too (it was a 500 on PostgreSQL)."""
    tid = _bring_to(api, "in_progress")
    # 100,000 × ¥1,000.01 = ¥100,001,000 (fen 10,000,100,000 > 2^31): refused, nothing written.
    r = api.post("tech", f"/api/v1/tickets/{tid}/costs",
                 {"kind": "material", "description": "pipe", "quantity": 100_000, "unit_price_fen": 100_001})
    assert r.status_code == 422 and "quantity" in r.get_json()["error"]["fields"]
    # Exactly ¥1,000,000 is allowed: 100,000 × ¥10.00.
    r = api.post("tech", f"/api/v1/tickets/{tid}/costs",
                 {"kind": "material", "description": "pipe", "quantity": 100_000, "unit_price_fen": 1_000})
    assert r.status_code == 201 and [c["amount_fen"] for c in r.get_json()["costs"]] == [100_000_000]


def test_list_and_queue(api, clock):
    a = api.file(urgency="normal")["id"]
    b = api.file(urgency="emergency")["id"]
    c = api.file("manager", room="YJL-3-2-502")["id"]
    api.post("resident", f"/api/v1/tickets/{a}/transitions", {"to": "cancelled"})
    queue = api.get("manager", "/api/v1/tickets?open=true").get_json()
    assert [t["id"] for t in queue["items"]] == [b, c]  # earliest resolve-by first
    assert queue["total"] == 2
    assert {t["id"] for t in api.get("resident", "/api/v1/tickets").get_json()["items"]} == {a, b}
    assert api.get("other_manager", "/api/v1/tickets").get_json()["items"] == []
    assert api.get("manager", "/api/v1/tickets?estate=HXY").status_code == 404
    api.post("manager", f"/api/v1/tickets/{b}/assign", {"technician": "tech"})
    assert [t["id"] for t in api.get("tech", "/api/v1/tickets?mine=true").get_json()["items"]] == [b]


def test_complaint_flag(api, clock):
    tid = api.file(complaint=True)["id"]
    assert api.get("manager", f"/api/v1/tickets/{tid}").get_json()["complaint"] is True
    body = api.post("manager", f"/api/v1/tickets/{tid}/complaint", {"complaint": False}).get_json()
    assert body["complaint"] is False
    assert api.post("tech", f"/api/v1/tickets/{tid}/complaint", {"complaint": True}).status_code == 403


def test_events_are_stored(api, clock, app):
    tid = _bring_to(api, "closed")
    with app.app_context():
        from pms.core.db import get_session

        rows = get_session().scalars(select(TicketEvent).where(TicketEvent.ticket_id == tid)
                                     .order_by(TicketEvent.id)).all()
        assert [(r.from_status, r.to_status) for r in rows] == [
            (None, "submitted"), ("submitted", "accepted"), ("accepted", "assigned"),
            ("assigned", "in_progress"), ("in_progress", "resolved"), ("resolved", "closed")]
        assert all(r.actor_id for r in rows)


def test_openapi_documents_the_ticket_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/tickets"] and "get" in paths["/api/v1/tickets"]
    assert "get" in paths["/api/v1/tickets/{id}"]
    assert "post" in paths["/api/v1/tickets/{id}/transitions"]
    for p in ("/api/v1/tickets/{id}/photos", "/api/v1/tickets/{id}/assign", "/api/v1/planned-works",
              "/api/v1/elevators", "/api/v1/renovation-projects", "/api/v1/estates/{estate}/maintenance/kpis"):
        assert p in paths, p
