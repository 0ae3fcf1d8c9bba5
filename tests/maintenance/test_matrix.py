"""Every role of the `world` fixture against tickets and photos: foreign ids answer 404,
auditors are read-only (403 on writes)."""
import io

import pytest

from tests.maintenance.test_photos import image_bytes

ALL = ["admin", "manager", "finance", "tech", "carer", "resident", "auditor",
       "other_manager", "other_resident", "other_auditor", "officer", "other_officer"]
# Which of the three tickets each user sees: A (room 501, the resident's), C (room 502, filed by
# staff), B (HXY-1-1-101, the other company's).
SEES = {
    "admin": {"A", "B", "C"}, "manager": {"A", "C"}, "finance": {"A", "C"}, "tech": {"A", "C"},
    "carer": {"A", "C"}, "resident": {"A"}, "auditor": {"A", "C"}, "other_manager": {"B"},
    "other_resident": {"B"}, "other_auditor": {"B"}, "officer": {"A", "C"}, "other_officer": {"B"},
}
# Who may write on a ticket they see (tests/maintenance/test_permissions.py reads these): no
# ticket of the fixture is assigned, so technicians may add no note; nobody has accepted any.
AUDITORS = ("auditor", "other_auditor")
# Programme officers read like auditors and change no company data: refused at the door too.
READ_ONLY = (*AUDITORS, "officer", "other_officer")
NOTE_WRITERS = ("admin", "manager", "other_manager")
ACCEPTERS = ("admin", "manager", "other_manager")


@pytest.fixture
def tickets(api, clock):
    ids = {"A": api.file("resident")["id"],
           "B": api.file("other_resident", room="HXY-1-1-101")["id"],
           "C": api.file("manager", room="YJL-3-2-502")["id"]}
    photos = {}
    for key, user in (("A", "resident"), ("B", "other_resident"), ("C", "manager")):
        r = api.client.post(f"/api/v1/tickets/{ids[key]}/photos",
                            data={"photos": [(io.BytesIO(image_bytes()), "p.jpg")]},
                            content_type="multipart/form-data", headers=api.headers(user))
        assert r.status_code == 201
        photos[key] = r.get_json()["items"][0]["id"]
    return ids, photos


def test_ticket_and_photo_visibility(api, tickets):
    for user in ALL:
        _check_visibility(api, tickets, user)


def _check_visibility(api, tickets, user):
    ids, photos = tickets
    for key in "ABC":
        expected = 200 if key in SEES[user] else 404
        r = api.get(user, f"/api/v1/tickets/{ids[key]}")
        assert r.status_code == expected, (user, key)
        if expected == 404:
            assert r.get_json()["error"]["code"] == "not_found"
        assert api.get(user, f"/api/v1/tickets/{ids[key]}/photos/{photos[key]}").status_code == expected
    listed = {t["id"] for t in api.get(user, "/api/v1/tickets").get_json()["items"]}
    assert listed == {ids[k] for k in SEES[user]}
    # a visible ticket does not open someone else's photo; unknown ids are 404 too
    assert api.get(user, f"/api/v1/tickets/{ids['A']}/photos/{photos['B']}").status_code == 404
    assert api.get(user, "/api/v1/tickets/999999").status_code == 404


@pytest.mark.parametrize("user", ALL)
def test_writes(api, tickets, user):
    ids, _photos = tickets
    for key in "ABC":
        note = api.post(user, f"/api/v1/tickets/{ids[key]}/notes", {"note": "checked"})
        photo = api.client.post(f"/api/v1/tickets/{ids[key]}/photos",
                                data={"photos": [(io.BytesIO(image_bytes()), "p.jpg")]},
                                content_type="multipart/form-data", headers=api.headers(user))
        move = api.post(user, f"/api/v1/tickets/{ids[key]}/transitions", {"to": "accepted", "note": ""})
        if user in READ_ONLY:
            # Auditors (and officers) are read-only here: any write is 403 whatever the id (nothing leaks).
            assert (note.status_code, photo.status_code, move.status_code) == (403, 403, 403), (user, key)
            continue
        if key not in SEES[user]:
            assert (note.status_code, photo.status_code, move.status_code) == (404, 404, 404), (user, key)
            continue
        # notes: managers and technicians (assigned) — a technician not assigned gets 403
        assert note.status_code == (201 if user in NOTE_WRITERS else 403), (user, key, note.get_json())
        assert photo.status_code == 201, (user, key, photo.get_json())
        assert move.status_code == (200 if user in ACCEPTERS else 403), (user, key)


def test_unauthenticated_is_401(client, tickets):
    ids, photos = tickets
    assert client.get(f"/api/v1/tickets/{ids['A']}").status_code == 401
    assert client.get(f"/api/v1/tickets/{ids['A']}/photos/{photos['A']}").status_code == 401
    assert client.post("/api/v1/tickets", json={}).status_code == 401
