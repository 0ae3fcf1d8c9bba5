"""Every role of the `world` fixture against elders and visits: foreign ids answer 404, health
notes and emergency contacts only for care workers, managers and the room's own residents."""
import pytest

ALL = ["admin", "manager", "finance", "tech", "carer", "resident", "auditor",
       "other_manager", "other_resident", "other_auditor", "officer", "other_officer"]
# Elders: A in YJL-3-2-501 (the resident's room), C in YJL-3-2-502, B in HXY-1-1-101 (the other company).
SEES = {
    "admin": {"A", "B", "C"}, "manager": {"A", "C"}, "finance": {"A", "C"}, "tech": {"A", "C"},
    "carer": {"A", "C"}, "resident": {"A"}, "auditor": {"A", "C"}, "other_manager": {"B"},
    "other_resident": {"B"}, "other_auditor": {"B"}, "officer": {"A", "C"}, "other_officer": {"B"},
}
# (user, status of GET /elders/A, whether the answer holds the private fields)
ELDER_READ = [
    ("admin", 200, True), ("manager", 200, True), ("finance", 200, False), ("tech", 200, False),
    ("carer", 200, True), ("resident", 200, True), ("auditor", 200, False), ("other_manager", 404, False),
    ("other_resident", 404, False), ("other_auditor", 404, False), ("officer", 200, False),
    ("other_officer", 404, False),
]
# (user, status of GET /visits/<a visit of A>): technicians have no business with visits.
VISIT_READ = [
    ("admin", 200), ("manager", 200), ("finance", 200), ("tech", 403), ("carer", 200), ("resident", 200),
    ("auditor", 200), ("other_manager", 404), ("other_resident", 404), ("other_auditor", 404),
    ("officer", 200), ("other_officer", 404),
]


@pytest.fixture
def elders(api):
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    ids = {"A": api.register()["id"],
           "C": api.register(room="YJL-3-2-502", name="李四")["id"],
           "B": api.register("other_manager", room="HXY-1-1-101", name="王五")["id"]}
    visit = api.book(ids["A"])["id"]
    return ids, visit


@pytest.mark.parametrize("user, status, private", ELDER_READ)
def test_reading_an_elder(api, elders, user, status, private):
    ids, _visit = elders
    r = api.get(user, f"/api/v1/elders/{ids['A']}")
    assert r.status_code == status, r.get_json()
    body = r.get_json()
    if status == 200:
        assert ("health_notes" in body) == private and ("emergency_contacts" in body) == private
        assert body["name"] == "张三" and "home_code" not in body
        if private:
            assert body["emergency_contacts"] == [{"name": "张小红", "phone": "13911112222", "relation": "女儿"}]
    else:
        assert body["error"]["code"] == "not_found" and "张三" not in r.get_data(as_text=True)


@pytest.mark.parametrize("user", ALL)
def test_every_elder_is_seen_only_in_scope(api, elders, user):
    ids, _visit = elders
    for key in "ABC":
        expected = 200 if key in SEES[user] else 404
        assert api.get(user, f"/api/v1/elders/{ids[key]}").status_code == expected, (user, key)
        assert api.get(user, f"/api/v1/elders/{ids[key]}/eligibility").status_code == expected, (user, key)
    assert api.get(user, "/api/v1/elders/999999").status_code == 404
    listed = api.get(user, "/api/v1/elders").get_json()
    assert {e["id"] for e in listed["items"]} == {ids[k] for k in SEES[user]} and listed["total"] == len(SEES[user])
    assert all("health_notes" not in e for e in listed["items"])


@pytest.mark.parametrize("user, status", VISIT_READ)
def test_reading_a_visit(api, elders, user, status):
    _ids, visit = elders
    r = api.get(user, f"/api/v1/visits/{visit}")
    assert r.status_code == status, r.get_json()
    listed = api.get(user, "/api/v1/visits", query_string={"date": "2026-03-02"})
    if status == 403:
        assert listed.status_code == 403
    else:
        assert [v["id"] for v in listed.get_json()["items"]] == ([visit] if status == 200 else [])


def test_anonymous_is_401(client, elders):
    ids, visit = elders
    assert client.get(f"/api/v1/elders/{ids['A']}").status_code == 401
    assert client.get(f"/api/v1/visits/{visit}").status_code == 401
    assert client.post("/api/v1/elders", json={}).status_code == 401
