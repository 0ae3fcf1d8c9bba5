"""Every role of the `world` fixture against programmes and their allocations: someone else's
district's programme answers 404 (never telling it exists), auditors are read-only (403 on every
write), residents have no programmes (403), staff read but never allocate (403)."""
import pytest

from tests.permission_matrix import ROLE, parametrized_cases
from tests.subsidies.helpers import BODY

ALL = list(ROLE)
# Which of the two programmes each user sees: TZ-1 (通州, YJL) and CY-1 (朝阳, HXY).
SEES = {
    "admin": {"TZ-1", "CY-1"}, "manager": {"TZ-1"}, "finance": {"TZ-1"}, "tech": {"TZ-1"}, "carer": {"TZ-1"},
    "auditor": {"TZ-1"}, "officer": {"TZ-1"}, "other_manager": {"CY-1"}, "other_auditor": {"CY-1"},
    "other_officer": {"CY-1"}, "resident": set(), "other_resident": set(),
}
NO_PROGRAMMES = ("resident", "other_resident")
ALLOCATORS = ("admin", "officer", "other_officer")
GATED = ("auditor", "other_auditor")  # refused at the door whatever the id


def test_the_matrix_covers_every_user_of_the_world():
    assert set(SEES) == set(ALL)


@pytest.mark.parametrize("user", ALL)
def test_reading(api, programmes, user):
    listed = api.get(user, "/api/v1/programs")
    if user in NO_PROGRAMMES:
        assert listed.status_code == 403
    else:
        assert {p["code"] for p in listed.get_json()["items"]} == SEES[user]
    for code in programmes:
        reply = api.get(user, f"/api/v1/programs/{code}")
        expected = 403 if user in NO_PROGRAMMES else 200 if code in SEES[user] else 404
        assert reply.status_code == expected, (user, code)
        if expected == 404:
            assert reply.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("user", ALL)
def test_allocating(api, programmes, user):
    for code, estate in programmes.items():
        reply = api.allocate(user, code, estate, 100)
        if user in GATED:
            expected = 403
        elif user in NO_PROGRAMMES:
            expected = 403
        elif code not in SEES[user]:
            expected = 404
        else:
            expected = 201 if user in ALLOCATORS else 403
        assert reply.status_code == expected, (user, code, reply.get_json())
    # what landed: one allocation per programme its officer (or the platform) could reach
    for code in programmes:
        allocated = api.get("admin", f"/api/v1/programs/{code}").get_json()["allocated_fen"]
        assert allocated == (100 if user in ALLOCATORS and code in SEES[user] else 0), (user, code)


@pytest.mark.parametrize("user,status", [
    ("admin", 422),  # the platform names the district (none given here)
    ("officer", 201), ("other_officer", 201),
    ("auditor", 403), ("other_auditor", 403), ("manager", 403), ("finance", 403), ("tech", 403),
    ("carer", 403), ("resident", 403), ("other_manager", 403), ("other_resident", 403),
])
def test_registering(api, world, clock, user, status):
    reply = api.post(user, "/api/v1/programs", {**BODY, "code": f"P-{user}"})
    assert reply.status_code == status, reply.get_json()


def test_registering_covers_every_user():
    assert {u for u, _s in parametrized_cases(test_registering)} == set(ALL)
