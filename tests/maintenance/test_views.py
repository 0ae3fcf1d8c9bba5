"""Maintenance pages: filing on a phone form, the queue, the technician's flow, banners, KPIs."""
import io
import re

import pytest

from tests.factories import PASSWORD
from tests.maintenance.test_photos import image_bytes


def login(client, username):
    client.post("/logout")
    r = client.post("/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.data[:300]


def file_form(client, **fields):
    data = {"target": "room:YJL-3-2-501", "category": "plumbing", "urgency": "urgent",
            "description": "厨房水管漏水", **fields}
    return client.post("/maintenance/new", data=data, content_type="multipart/form-data")


def test_resident_files_with_photos_and_follows_it(client, world, clock):
    login(client, "resident")
    page = client.get("/maintenance/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="room:YJL-3-2-501"' in html and 'value="place:YJL-3-2"' in html
    assert "YJL-3-2-502" not in html
    r = file_form(client, photos=[(io.BytesIO(image_bytes()), "a.jpg"), (io.BytesIO(image_bytes("PNG")), "b.png")])
    assert r.status_code == 302
    ticket_id = int(re.search(r"/maintenance/tickets/(\d+)", r.headers["Location"]).group(1))
    detail = client.get(f"/maintenance/tickets/{ticket_id}").get_data(as_text=True)
    assert detail.count(f"/api/v1/tickets/{ticket_id}/photos/") == 4  # two photos: link + img each
    assert client.get(f"/api/v1/tickets/{ticket_id}/photos/1").status_code == 200  # cookie session
    listing = client.get("/maintenance/").get_data(as_text=True)
    assert f'data-ticket="{ticket_id}"' in listing
    assert 'name="to" value="cancelled"' in detail


def test_bad_form_rerenders_with_errors_and_saves_nothing(client, world, clock):
    login(client, "resident")
    r = file_form(client, category="roof")
    assert r.status_code == 422 and "field-error" in r.get_data(as_text=True)
    r = file_form(client, photos=[(io.BytesIO(b"%PDF-1.4 not an image"), "a.jpg")])
    assert r.status_code == 422
    r = file_form(client, target="room:YJL-3-2-502")
    assert r.status_code == 422
    login(client, "manager")
    assert client.get("/api/v1/tickets").get_json()["total"] == 0


def test_whole_flow_through_the_pages(client, world, clock):
    login(client, "resident")
    r = file_form(client)
    ticket_id = int(re.search(r"/(\d+)$", r.headers["Location"]).group(1))
    login(client, "manager")
    queue = client.get("/maintenance/queue").get_data(as_text=True)
    assert f'data-ticket="{ticket_id}"' in queue and "剩余 2 小时" in queue
    detail = client.get(f"/maintenance/tickets/{ticket_id}").get_data(as_text=True)
    assert 'name="to" value="accepted"' in detail
    assert client.post(f"/maintenance/tickets/{ticket_id}/assign", data={"technician": "tech"}).status_code == 302
    login(client, "tech")
    tasks = client.get("/maintenance/tasks").get_data(as_text=True)
    assert f'data-ticket="{ticket_id}"' in tasks
    assert client.post(f"/maintenance/tickets/{ticket_id}/move", data={"to": "in_progress"}).status_code == 302
    assert client.post(f"/maintenance/tickets/{ticket_id}/costs", data={
        "kind": "material", "description": "阀门", "quantity": "2", "unit_price": "12.50"}).status_code == 302
    assert client.post(f"/maintenance/tickets/{ticket_id}/notes", data={"note": "换了阀门"}).status_code == 302
    r = client.post(f"/maintenance/tickets/{ticket_id}/move", data={"to": "resolved", "payer": "owner", "amount": ""})
    assert r.status_code == 302
    login(client, "resident")
    detail = client.get(f"/maintenance/tickets/{ticket_id}").get_data(as_text=True)
    assert "¥25.00" in detail and 'value="closed"' in detail and 'value="reopened"' in detail
    r = client.post(f"/maintenance/tickets/{ticket_id}/move", data={"to": "closed", "rating": "7"})
    assert r.status_code == 422
    r = client.post(f"/maintenance/tickets/{ticket_id}/move", data={"to": "closed", "rating": "4", "comment": "好"})
    assert r.status_code == 302
    body = client.get(f"/api/v1/tickets/{ticket_id}").get_json()
    assert (body["status"], body["rating"], body["payer"], body["amount_fen"]) == ("closed", 4, "owner", 2500)


def test_planned_work_page_and_banner(client, world, clock):
    login(client, "manager")
    data = {"estate": "YJL", "building": "3", "entrance": "2", "service": "water_bathroom",
            "starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T12:00", "title": "卫生间水管更换"}
    assert client.post("/maintenance/planned-works", data=data).status_code == 302
    r = client.post("/maintenance/planned-works", data={**data, "service": "water_kitchen"})
    assert r.status_code == 409 and "field-error" in r.get_data(as_text=True)
    r = client.post("/maintenance/planned-works", data={**data, "ends_at": "2026-03-03T08:00"})
    assert r.status_code == 422
    login(client, "resident")
    for page in ("/maintenance/", "/maintenance/new", "/maintenance/planned-works", "/maintenance/notifications"):
        html = client.get(page).get_data(as_text=True)
        assert 'class="banner' in html and "YJL-3-2" in html and "09:00" in html, page
    login(client, "other_resident")
    assert 'class="banner' not in client.get("/maintenance/").get_data(as_text=True)


@pytest.mark.parametrize("user, pages", [
    ("manager", {"/maintenance/queue": 200, "/maintenance/kpis": 200, "/maintenance/elevators": 200}),
    ("auditor", {"/maintenance/queue": 200, "/maintenance/kpis": 200, "/maintenance/new": 200}),
    ("tech", {"/maintenance/tasks": 200, "/maintenance/kpis": 403, "/maintenance/": 302}),
    ("resident", {"/maintenance/": 200, "/maintenance/elevators": 200, "/maintenance/kpis": 403}),
    ("finance", {"/maintenance/queue": 200, "/maintenance/notifications": 200}),
])
def test_pages_per_role(client, world, clock, user, pages):
    login(client, user)
    for url, status in pages.items():
        assert client.get(url).status_code == status, url


def test_foreign_ticket_page_is_404_and_auditor_cannot_post(client, world, clock, api):
    tid = api.file("other_resident", room="HXY-1-1-101")["id"]
    mine = api.file("resident")["id"]
    login(client, "resident")
    assert client.get(f"/maintenance/tickets/{tid}").status_code == 404
    login(client, "auditor")
    assert client.get(f"/maintenance/tickets/{mine}").status_code == 200
    assert client.post(f"/maintenance/tickets/{mine}/move", data={"to": "accepted"}).status_code == 403
    assert client.post("/maintenance/new", data={}).status_code == 403


def test_photo_requests_may_exceed_the_app_upload_limit_with_csrf_on(csrf_app, world, clock):
    """Six photos of up to 5 MB each exceed MAX_CONTENT_LENGTH; CSRF parses the form first."""
    csrf_app.config["MAX_CONTENT_LENGTH"] = 60 * 1024  # pretend the app-wide limit is 60 KB
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "resident", "password": PASSWORD, "csrf_token": token})
    form = client.get("/maintenance/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    import random

    rnd = random.Random(1)
    noisy = []
    for i in range(2):  # ~2 × 48 KB of incompressible JPEG > 60 KB
        from PIL import Image

        img = Image.frombytes("RGB", (200, 200), bytes(rnd.getrandbits(8) for _ in range(200 * 200 * 3)))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=95)
        noisy.append(out.getvalue())
    assert sum(map(len, noisy)) > 60 * 1024
    r = file_form(client, csrf_token=token, photos=[(io.BytesIO(b), f"{i}.jpg") for i, b in enumerate(noisy)])
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    # other endpoints keep the app-wide limit
    r = client.post("/maintenance/planned-works", data={"csrf_token": token, "note": "x" * (200 * 1024)})
    assert r.status_code == 413
