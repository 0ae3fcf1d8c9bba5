"""Estates API: the role × resource matrix and masking."""
import pytest

from tests.estates.matrix import ALL, ESTATES, ROLE, ROOMS, may
from tests.factories import bearer


@pytest.mark.parametrize("user", ALL)
def test_estate_list_is_scoped(client, world, user):
    response = client.get("/api/v1/estates", headers=bearer(client, user))
    assert response.status_code == 200
    assert {e["code"] for e in response.get_json()["items"]} == ESTATES[user]


@pytest.mark.parametrize("user", ALL)
@pytest.mark.parametrize("estate", ["YJL", "HXY", "NOPE"])
def test_estate_lookup_answers_404_outside_scope(client, world, user, estate):
    response = client.get(f"/api/v1/estates/{estate}", headers=bearer(client, user))
    if estate in ESTATES[user]:
        assert response.status_code == 200
        assert response.get_json()["code"] == estate
    else:
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("user", ALL)
@pytest.mark.parametrize("room", ["YJL-3-2-501", "YJL-3-2-502", "HXY-1-1-101", "YJL-9-9-999"])
def test_room_lookup_matrix(client, world, user, room):
    response = client.get(f"/api/v1/rooms/{room}", headers=bearer(client, user))
    assert response.status_code == (200 if room in ROOMS[user] else 404)


@pytest.mark.parametrize("user", ALL)
def test_room_list_is_scoped(client, world, user):
    response = client.get("/api/v1/rooms", headers=bearer(client, user))
    assert response.status_code == 200
    assert {r["code"] for r in response.get_json()["items"]} == ROOMS[user]


@pytest.mark.parametrize("user", ["resident", "auditor", "other_manager", "other_resident"])
def test_buildings_of_foreign_or_resident_scope(client, world, user):
    response = client.get("/api/v1/estates/YJL/buildings", headers=bearer(client, user))
    if user in ("auditor", "resident"):
        assert response.status_code == 200
        # A resident sees the estate but not its building tree; an auditor sees all of it.
        codes = [b["code"] for b in response.get_json()["items"]]
        assert codes == ([] if user == "resident" else ["3"])
    else:
        assert response.status_code == 404


def test_id_numbers_masked_for_auditor_and_resident(client, world):
    for user, expected in [("manager", "11010519491231002X"), ("admin", "11010519491231002X"),
                           ("auditor", "110105********002X"), ("resident", "110105********002X")]:
        body = client.get("/api/v1/rooms/YJL-3-2-501", headers=bearer(client, user)).get_json()
        assert body["owners"][0]["id_number"] == expected, user
    body = client.get("/api/v1/rooms/YJL-3-2-501", headers=bearer(client, "auditor")).get_json()
    assert body["owners"][0]["phone"] == "139****5678"


@pytest.mark.parametrize("user", [u for u in ALL if "YJL-3-2-501" in ROOMS[u]])
def test_id_numbers_and_phones_as_the_permission_table_says(client, world, user):
    """Unmasked ID numbers: the owning company's (ACME's) staff, or who may see any company's."""
    body = client.get("/api/v1/rooms/YJL-3-2-501", headers=bearer(client, user)).get_json()
    acme_staff = ROLE[user] != "admin" and user in ("manager", "finance", "tech", "carer")
    unmasked_id = may(user, "id_numbers.unmasked_any_company") or (
        acme_staff and may(user, "id_numbers.unmasked"))
    assert body["owners"][0]["id_number"] == ("11010519491231002X" if unmasked_id else "110105********002X")
    assert body["owners"][0]["phone"] == ("13912345678" if may(user, "phones.unmasked") else "139****5678")


def test_search_by_owner_name_phone_and_code(client, world):
    headers = bearer(client, "manager")
    for q, expected in [("李四", ["YJL-3-2-502"]), ("13912345678", ["YJL-3-2-501"]),
                        ("3-2-501", ["YJL-3-2-501"]), ("王五", [])]:
        body = client.get("/api/v1/rooms", query_string={"q": q}, headers=headers).get_json()
        assert [r["code"] for r in body["items"]] == expected, q


def test_unauthenticated_is_401_in_contract_shape(client, world):
    response = client.get("/api/v1/estates")
    assert response.status_code == 401
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_bad_query_value_is_422(client, world):
    response = client.get("/api/v1/rooms?limit=abc", headers=bearer(client, "manager"))
    assert response.status_code == 422
    assert "limit" in response.get_json()["error"]["fields"]
