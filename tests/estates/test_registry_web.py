"""The registry upload page: managers (and admins) import, others get 403, anonymous users log in."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from pms.core.db import get_session
from pms.estates.models import Estate, Room
from tests.estates.matrix import users_who_may, users_who_may_not
from tests.estates.registry_files import BASE, counts, csv_bytes, rows, xlsx_bytes
from tests.factories import PASSWORD

URL = "/estates/registry/import"


def login(client, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def upload(client, data: bytes, name="reg.csv", **fields):
    return client.post(URL, data={"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data", headers={"Accept-Language": "en"})


def table_counts(app):
    with app.app_context():
        return counts(get_session())


def error_rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="registry-error"><td[^>]*>(\d*)</td><td[^>]*>([^<]*)</td>', html)


def test_manager_sees_the_form(client, world):
    login(client, "manager")
    page = client.get(URL, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="file"' in html and 'name="dry_run"' in html and 'name="csrf_token"' in html
    assert 'name="company"' not in html  # a manager imports for their own company


def test_manager_imports_and_sees_the_summary(app, client, world):
    login(client, "manager")
    response = upload(client, csv_bytes(rows(r2={"floor": "5"})))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<td class="created">4</td>' in html and '<td class="updated">0</td>' in html
    assert "Room 601 is normally on floor 6, not 5." in html
    with app.app_context():
        estate = get_session().scalar(select(Estate).where(Estate.code == "NEW"))
        assert estate.company_id == world.acme.id
    again = upload(client, csv_bytes(rows(r2={"floor": "5"})))
    assert '<td class="unchanged">4</td>' in again.get_data(as_text=True)


def test_errors_are_listed_as_a_table_and_nothing_is_written(app, client, world):
    login(client, "manager")
    before = table_counts(app)
    data = rows(r0={"area_m2": "12.345"}, r3={"usage": "shop"}) + [dict(BASE[1])]
    response = upload(client, csv_bytes(data))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_rows(html) == [("2", "area_m2"), ("5", "usage"), ("6", "room")]
    assert "At most 2 decimals." in html
    assert table_counts(app) == before


def test_check_only_writes_nothing(app, client, world):
    login(client, "manager")
    before = table_counts(app)
    response = upload(client, xlsx_bytes([[r[c] for c in r] for r in BASE]), name="reg.xlsx", dry_run="y")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<td class="created">4</td>' in html and "nothing was written" in html
    assert table_counts(app) == before


def test_a_manager_cannot_import_into_another_companys_estate(app, client, world):
    login(client, "other_manager")
    before = table_counts(app)
    response = upload(client, csv_bytes([dict(BASE[0], estate_code="YJL", estate_name="云景里",
                                              street="云景里街道")]))
    assert response.status_code == 422
    assert error_rows(response.get_data(as_text=True)) == [("2", "estate_code")]
    assert table_counts(app) == before


def test_admin_chooses_the_company(app, client, world):
    login(client, "admin")
    assert 'name="company"' in client.get(URL).get_data(as_text=True)
    response = upload(client, csv_bytes(BASE), company="OTHER")
    assert response.status_code == 200
    with app.app_context():
        assert get_session().scalar(select(Estate.company_id).where(Estate.code == "NEW")) == world.other.id


def test_a_file_is_required(client, world):
    login(client, "manager")
    response = client.post(URL, data={}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_an_upload_over_the_limit_says_the_limit(app, client, world):
    login(client, "manager")
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    before = table_counts(app)
    response = upload(client, csv_bytes(BASE) + b"," * (100 * 1024))
    assert response.status_code == 413
    assert "the limit is 64 KB" in response.get_data(as_text=True)
    assert table_counts(app) == before


def test_the_permission_table_lets_managers_and_admins_import():
    assert users_who_may("registry.import") == ["admin", "manager", "other_manager"]
    assert users_who_may("registry.choose_company") == ["admin"]


def test_other_roles_are_forbidden(app, world):
    before = table_counts(app)
    forbidden = users_who_may_not("registry.import")
    assert {"finance", "tech", "carer", "resident", "auditor", "other_resident"} <= set(forbidden)
    for user in forbidden:
        client = app.test_client()
        login(client, user)
        assert client.get(URL).status_code == 403, user
        assert upload(client, csv_bytes(BASE)).status_code == 403, user
    assert table_counts(app) == before
    with app.app_context():
        assert get_session().scalar(select(Room).where(Room.code.startswith("NEW-"))) is None


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert upload(client, csv_bytes(BASE)).status_code == 302


def test_the_form_is_csrf_protected(csrf_app, world):
    client = csrf_app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "manager", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert upload(client, csv_bytes(BASE)).status_code == 400
    form = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert upload(client, csv_bytes(BASE), csrf_token=token).status_code == 200


def test_an_upload_over_the_limit_with_csrf_on(csrf_app, world):
    client = csrf_app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": token})
    csrf_app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = upload(client, csv_bytes(BASE) + b"," * (100 * 1024), csrf_token=token)
    assert response.status_code == 413
    assert "the limit is 64 KB" in response.get_data(as_text=True)
