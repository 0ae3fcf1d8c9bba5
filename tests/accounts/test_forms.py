"""Login, password, room search and registry import on the form helper."""
import io

from tests.accounts.test_views import alert
from tests.estates.registry_files import BASE, csv_bytes
from tests.forms_html import assert_field_error, parse
from tests.web import logged_in, text, web_login


def test_failed_login_keeps_the_username_never_the_password(client, world):
    response = web_login(client, "manager", "wrong-password", query_string={"lang": "en"})
    page = parse(text(response))
    assert page.by_id["login-username"]["attrs"]["value"] == "manager"
    assert "value" not in page.by_id["login-password"]["attrs"]
    # Which of the two was wrong is never said: one message in the summary, no field marked.
    assert alert(response) and 'aria-invalid="true"' not in text(response)


def test_empty_login_fields_are_marked(client, world):
    response = client.post("/login?lang=en", data={"username": "", "password": ""})
    assert_field_error(text(response), "login-username", value="", label="Username")
    assert_field_error(text(response), "login-password", label="Password")


def test_password_form_marks_the_confirmation(client, world):
    logged_in(client, "manager")
    response = client.post("/account/password?lang=en", data={
        "current": "x", "new": "a-long-new-passphrase-1", "confirm": "a-long-new-passphrase-2"})
    assert response.status_code == 422
    assert_field_error(text(response), "password-confirm", message="The two new passwords differ.",
                       label="New password again")
    assert "value" not in parse(text(response)).by_id["password-new"]["attrs"]  # passwords never echo


def test_room_search_with_a_bad_page_keeps_the_search(client, world):
    logged_in(client, "manager")
    response = client.get("/rooms?lang=en&q=张三&page=abc")
    assert response.status_code == 422
    html = text(response)
    assert parse(html).by_id["room-search-q"]["attrs"]["value"] == "张三"
    assert 'href="#room-search-page">Page: ' in html  # the summary names the page by its word


def test_registry_file_with_errors_asks_to_choose_the_file_again(client, world):
    logged_in(client, "manager")
    bad = [dict(BASE[0], floor="x")] + BASE[1:]
    response = client.post("/estates/registry/import?lang=en", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv_bytes(bad)), "reg.csv"), "dry_run": "y"})
    html = text(response)
    assert response.status_code == 422
    assert_field_error(html, "registry-file", message="errors: nothing was imported.", label="Registry file")
    assert "choose them again" in parse(html).by_id["registry-file-again"]["text"]
    assert 'id="registry-dry_run" value="y" checked' in html
    assert '<tr class="registry-error">' in html  # each problem still listed by row and column
