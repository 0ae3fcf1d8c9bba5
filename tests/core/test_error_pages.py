"""Error pages: in the site's layout, translated, and never a stack trace."""
import re

import pytest

from tests.web import csrf_token, logged_in, text

CSRF_VALUE = re.compile(r'(?<=name="csrf_token" )value="[^"]*"')


def assert_site_page(response, status):
    page = text(response)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<header class="topbar">' in page and 'href="/static/pms.css"' in page  # base layout
    assert "Traceback" not in page and 'File "' not in page


@pytest.mark.parametrize("lang,title", [("zh_CN", "找不到页面"), ("en", "Page not found")])
def test_404_page(client, lang, title):
    response = client.get(f"/no/such/page?lang={lang}")
    assert_site_page(response, 404)
    assert f"<h1>{title}</h1>" in text(response)


def test_404_for_a_foreign_room_says_nothing_more(client, world):
    logged_in(client, "other_manager")
    foreign, missing = client.get("/rooms/YJL-3-2-501"), client.get("/rooms/YJL-9-9-999")
    assert_site_page(foreign, 404)
    # Foreign and non-existent look the same: only the requested path differs (and the CSRF
    # token of the logout form, which carries the second it was signed in).
    def same(response, code):
        return CSRF_VALUE.sub('value="…"', text(response).replace(code, "X"))

    assert same(foreign, "YJL-3-2-501") == same(missing, "YJL-9-9-999")
    assert "room not found" not in text(foreign)


def test_403_page_for_an_auditor_write(client, world):
    logged_in(client, "auditor")
    response = client.post("/estates")
    assert_site_page(response, 403)
    assert "<h1>无权操作</h1>" in text(response)


def test_405_page(client, world):
    response = client.get("/logout")
    assert_site_page(response, 405)


def test_500_page_hides_the_error(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = client.get("/boom")
    assert_site_page(response, 500)
    assert "<h1>出错了</h1>" in text(response) and "secret internal detail" not in text(response)
    assert "Something went wrong" in text(client.get("/boom?lang=en"))


def test_500_when_the_error_page_itself_fails(app, client, monkeypatch):
    """Even a broken layout gives a bare page, not a stack trace."""
    import pms.core.http as http

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    def broken(*_args, **_kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(http, "render_template", broken)
    response = client.get("/boom")
    assert response.status_code == 500
    assert "出错了" in text(response) and "secret" not in text(response) and "Traceback" not in text(response)


def test_csrf_page(csrf_app, world):
    client = csrf_app.test_client()
    logged_in(client, "manager")
    response = client.post("/logout", data={"csrf_token": "stale"})
    assert_site_page(response, 400)
    assert "<h1>页面已过期</h1>" in text(response) and "请刷新页面后重试" in text(response)
    response = client.post("/logout?lang=en", data={"csrf_token": "stale"})
    assert "The form has expired" in text(response)
    # The page still offers a working way out: its own form carries a valid token.
    assert client.post("/logout", data={"csrf_token": csrf_token(text(response))}).status_code == 302


def test_api_errors_stay_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
