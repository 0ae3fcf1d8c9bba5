"""The room search is no oracle: a role that sees a phone masked searches only what it sees.

An auditor once recovered the masked owner phone 156****8643 in 29 searches because `q` matched
the full number. Room 501's owner is 张三, 13912345678 (shown to auditors as 139****5678)."""
import pytest

from tests.estates.matrix import ROOMS, users_who_may, users_who_may_not
from tests.factories import bearer
from tests.web import logged_in

FULL, MASKED = "13912345678", "139****5678"
# The users who may open room 501, split by the estates permission table.
SEE_501 = [u for u in ROOMS if "YJL-3-2-501" in ROOMS[u]]
UNMASKED = users_who_may("phones.unmasked", SEE_501)
MASKED_USERS = users_who_may_not("phones.unmasked", SEE_501)


def test_the_permission_table_masks_phones_for_auditors_and_officers_only():
    assert UNMASKED == ["admin", "manager", "finance", "tech", "carer", "resident"]
    assert MASKED_USERS == ["auditor", "officer"]


def found(client, headers, q):
    response = client.get("/api/v1/rooms", query_string={"q": q}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


@pytest.mark.parametrize("user", UNMASKED)
def test_roles_that_see_the_full_phone_search_by_it(client, world, user):
    headers = bearer(client, user)
    assert found(client, headers, FULL) == ["YJL-3-2-501"]
    assert found(client, headers, "1391234") == ["YJL-3-2-501"]
    assert found(client, headers, "5678") == ["YJL-3-2-501"]
    room = client.get("/api/v1/rooms/YJL-3-2-501", headers=headers).get_json()
    assert room["owners"][0]["phone"] == FULL


@pytest.mark.parametrize("user", MASKED_USERS)
def test_roles_that_see_the_phone_masked_search_only_what_they_see(client, world, user):
    headers = bearer(client, user)
    room = client.get("/api/v1/rooms/YJL-3-2-501", headers=headers).get_json()
    assert room["owners"][0]["phone"] == MASKED
    # what they see finds the room …
    for q in ("5678", "139", MASKED, "****5678", "张三"):
        assert found(client, headers, q) == ["YJL-3-2-501"], q
    # … and nothing they do not see answers a guess, right or wrong
    for q in (FULL, "1391234", "12345678", "3912345", "2345"):
        assert found(client, headers, q) == [], q


def test_guessing_digit_by_digit_learns_nothing(client, world):
    """The attack: extend a known prefix one digit at a time and watch for a hit."""
    headers = bearer(client, "auditor")
    answers = {digit: found(client, headers, "139" + digit) for digit in "0123456789"}
    assert all(codes == [] for codes in answers.values()), answers


def test_foreign_roles_find_nothing(client, world):
    for user in ("other_manager", "other_auditor", "other_resident", "other_officer"):
        assert found(client, bearer(client, user), FULL) == [], user
        assert found(client, bearer(client, user), "5678") == [], user


def test_the_rooms_page_search_is_masked_the_same_way(client, world):
    logged_in(client, "auditor")
    page = client.get("/rooms", query_string={"q": FULL}).get_data(as_text=True)
    assert "YJL-3-2-501" not in page
    page = client.get("/rooms", query_string={"q": "5678"}).get_data(as_text=True)
    assert "YJL-3-2-501" in page and MASKED in page and FULL not in page
