"""The household's page (`/eldercare/my`): residents book a visit for an elder of their rooms,
cancel their own planned booking, and rate delivered visits (page and API)."""
import re

import pytest

from tests.eldercare.conftest import PIN
from tests.eldercare.test_views_visits import card
from tests.web import csrf_token, logged_in, text


@pytest.fixture
def elder(api):
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    api.service("MEAL", kind="meal", name="助餐", unit="meal", price_fen=1500)
    return api.register()


@pytest.fixture
def web(app, world):
    clients = {}

    def get(username):
        if username not in clients:
            clients[username] = logged_in(app.test_client(), username)
        return clients[username]
    return get


def post(client, url, data, page="/eldercare/my"):
    return client.post(url, data={"csrf_token": csrf_token(text(client.get(page))), **data})


def booking_form(html: str, elder_id: int) -> str:
    match = re.search(rf'<section[^>]*id="book-{elder_id}".*?</section>', html, re.S)
    assert match, html
    return match.group(0)


def delivered(api, elder, **body) -> int:
    """A visit booked by the manager, checked in with the card's code and checked out."""
    visit = api.book(elder["id"], **body)["id"]
    assert api.post("carer", f"/api/v1/visits/{visit}/check-in", {"home_code": elder["home_code"]}).status_code == 200
    assert api.post("carer", f"/api/v1/visits/{visit}/check-out", {"outcome": "completed"}).status_code == 200
    return visit


# ---- booking ------------------------------------------------------------------------------------

def test_resident_books_from_the_page_through_the_bookings_service(api, elder, web, db):
    resident = web("resident")
    form = booking_form(text(resident.get("/eldercare/my")), elder["id"])
    assert 'value="CLEAN"' in form and "助洁" in form and 'value="MEAL"' in form and 'name="worker"' not in form
    r = post(resident, f"/eldercare/elders/{elder['id']}/visits",
             {"service": "MEAL", "date": "2026-03-04", "start": "11:30", "end": "12:15"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/eldercare/my")
    page = text(resident.get("/eldercare/my"))
    visit = int(re.findall(r'id="visit-(\d+)"', page)[0])
    shown = api.get("manager", f"/api/v1/visits/{visit}").get_json()
    assert (shown["service"], shown["date"], shown["start"], shown["end"], shown["status"], shown["worker"]) == \
        ("MEAL", "2026-03-04", "11:30", "12:15", "planned", None)
    assert "11:30–12:15" in card(page, visit)


def test_a_service_the_company_does_not_offer_comes_back_beside_the_field_with_the_input(api, elder, web):
    resident = web("resident")
    r = post(resident, f"/eldercare/elders/{elder['id']}/visits",
             {"service": "MASSAGE", "date": "2026-03-04", "start": "11:30", "end": "12:15"})
    assert r.status_code == 422
    form = booking_form(text(r), elder["id"])
    error = re.search(rf'id="book-visit-{elder["id"]}-service-error">(.*?)</p>', form, re.S)
    assert error and ("未提供" in error.group(1) or "does not offer" in error.group(1))
    assert 'value="2026-03-04"' in form and 'value="11:30"' in form and 'value="12:15"' in form
    # A day in the past and a window that ends before it starts: each beside its own field.
    r = post(resident, f"/eldercare/elders/{elder['id']}/visits",
             {"service": "MEAL", "date": "2026-03-01", "start": "11:30", "end": "12:15"})
    assert r.status_code == 422 and f'id="book-visit-{elder["id"]}-date-error"' in text(r)
    r = post(resident, f"/eldercare/elders/{elder['id']}/visits",
             {"service": "MEAL", "date": "2026-03-04", "start": "12:30", "end": "12:15"})
    assert r.status_code == 422 and f'id="book-visit-{elder["id"]}-end-error"' in text(r)
    assert 'id="visit-' not in text(resident.get("/eldercare/my"))  # nothing was booked


def test_another_rooms_resident_cannot_book_for_the_elder(api, elder, web):
    other = web("other_resident")
    assert f'id="book-{elder["id"]}"' not in text(other.get("/eldercare/my"))
    r = post(other, f"/eldercare/elders/{elder['id']}/visits",
             {"service": "MEAL", "date": "2026-03-04", "start": "11:30", "end": "12:15"})
    assert r.status_code == 404


def test_resident_cancels_their_own_planned_booking_only(api, elder, web, clock):
    resident = web("resident")
    post(resident, f"/eldercare/elders/{elder['id']}/visits",
         {"service": "MEAL", "date": "2026-03-04", "start": "11:30", "end": "12:15"})
    by_office = api.book(elder["id"])["id"]  # booked by the manager: not offered for cancelling
    page = text(resident.get("/eldercare/my"))
    own = [int(i) for i in re.findall(r'id="visit-(\d+)"', page) if int(i) != by_office][0]
    assert "/cancellation" in card(page, own) and "/cancellation" not in card(page, by_office)
    r = post(resident, f"/eldercare/visits/{own}/cancellation", {})
    assert r.status_code == 302
    assert api.get("manager", f"/api/v1/visits/{own}").get_json()["status"] == "cancelled"
    assert "/cancellation" not in card(text(resident.get("/eldercare/my")), own)
    # Cancelling again (a stale page): 409 on the page, said in words, nothing changed.
    r = post(resident, f"/eldercare/visits/{own}/cancellation", {})
    assert r.status_code == 409
    assert post(web("other_resident"), f"/eldercare/visits/{by_office}/cancellation", {}).status_code == 404


# ---- ratings ------------------------------------------------------------------------------------

def test_rating_api_once_per_delivered_visit(api, elder, clock):
    planned = api.book(elder["id"], start="16:00", end="17:00")["id"]
    visit = delivered(api, elder)
    url = f"/api/v1/visits/{visit}/rating"
    r = api.post("resident", f"/api/v1/visits/{planned}/rating", {"stars": 5})
    assert r.status_code == 409  # not yet delivered
    for stars in (0, 6):
        r = api.post("resident", url, {"stars": stars})
        assert r.status_code == 422 and "stars" in r.get_json()["error"]["fields"], r.get_json()
    r = api.post("resident", url, {"stars": 4, "comment": "x" * 501})
    assert r.status_code == 422 and "comment" in r.get_json()["error"]["fields"]
    assert api.post("manager", url, {"stars": 5}).status_code == 403
    assert api.post("carer", url, {"stars": 5}).status_code == 403
    assert api.post("other_resident", url, {"stars": 1}).status_code == 404
    assert api.post("other_manager", url, {"stars": 1}).status_code == 404
    r = api.post("resident", url, {"stars": 4, "comment": "很细心"})
    assert r.status_code == 201 and r.get_json()["stars"] == 4 and r.get_json()["comment"] == "很细心"
    assert r.get_json()["rated_at"] == "2026-03-02T01:00:00Z"
    assert api.post("resident", url, {"stars": 5}).status_code == 409
    shown = api.get("manager", f"/api/v1/visits/{visit}").get_json()
    assert shown["rating"]["stars"] == 4 and shown["rating"]["comment"] == "很细心"
    assert api.get("manager", f"/api/v1/visits/{planned}").get_json()["rating"] is None


def test_a_confirmed_visit_may_be_rated(api, elder):
    visit = delivered(api, elder)
    assert api.post("resident", f"/api/v1/visits/{visit}/confirmation", {"pin": PIN}).status_code == 200
    assert api.post("resident", f"/api/v1/visits/{visit}/rating", {"stars": 5}).status_code == 201


def test_resident_rates_on_the_page_and_staff_see_it_on_the_card(api, elder, web, clock):
    visit = delivered(api, elder)
    resident = web("resident")
    mine = card(text(resident.get("/eldercare/my")), visit)
    assert "/rating" in mine and 'name="stars"' in mine
    r = post(resident, f"/eldercare/visits/{visit}/rating", {"stars": "", "comment": "准时"})
    assert r.status_code == 422
    mine = card(text(r), visit)
    assert f'id="rate-visit-{visit}-stars-error"' in mine and "准时</textarea>" in mine
    r = post(resident, f"/eldercare/visits/{visit}/rating", {"stars": "5", "comment": "准时"})
    assert r.status_code == 302
    mine = card(text(resident.get("/eldercare/my")), visit)
    assert 'class="visit-rating"' in mine and "★★★★★" in mine and "准时" in mine and 'name="stars"' not in mine
    staff = card(text(web("carer").get("/eldercare/today")), visit)
    assert 'class="visit-rating"' in staff and "★★★★★" in staff and "准时" in staff and 'name="stars"' not in staff
    assert "准时" in text(web("manager").get(f"/eldercare/elders/{elder['id']}"))
    # Staff cannot rate through the page either.
    other_visit = delivered(api, elder, start="16:00", end="17:00")
    assert 'name="stars"' not in card(text(web("carer").get("/eldercare/today")), other_visit)
    assert post(web("manager"), f"/eldercare/visits/{other_visit}/rating", {"stars": "3"},
                page="/eldercare/today").status_code == 403


def test_the_database_keeps_one_rating_per_visit(api, elder, db, world):
    """Two ratings sent at once both pass the service's check; UNIQUE (visit) refuses the second (409)."""
    from sqlalchemy.exc import IntegrityError

    from pms.eldercare.models import VisitRating

    visit = delivered(api, elder)
    assert api.post("resident", f"/api/v1/visits/{visit}/rating", {"stars": 3}).status_code == 201
    db.add(VisitRating(visit_id=visit, estate_id=world.yjl.id, room_id=world.r501.id, stars=5,
                       rated_by_id=world.users["resident"].id))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_the_phone_page_shows_the_next_visits_and_links_to_every_visit(api, elder, web):
    from pms.eldercare.views.visits import MY_UPCOMING
    booked = [api.book(elder["id"], date=f"2026-03-{day:02d}")["id"] for day in range(2, 2 + MY_UPCOMING + 3)]
    page = text(web("resident").get("/eldercare/my"))
    shown = [int(i) for i in re.findall(r'id="visit-(\d+)"', page)]
    assert shown == booked[:MY_UPCOMING]  # the soonest first, no more than a phone screen's worth
    link = f'/eldercare/elders/{elder["id"]}"'
    assert link in page
    elder_page = text(web("resident").get(f'/eldercare/elders/{elder["id"]}'))
    assert all(f"2026-03-{day:02d}" in elder_page for day in range(2, 2 + len(booked)))
