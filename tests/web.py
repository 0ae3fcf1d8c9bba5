"""Helpers for tests of the HTML pages: logging in through the real form, reading pages."""
from __future__ import annotations

import re

from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page ("" when the page has none: CSRF is off)."""
    match = _CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else ""


def web_login(client, username: str, password: str = PASSWORD, **kwargs):
    """Log in through the login page (works with CSRF on or off); returns the POST response."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token}, **kwargs)
    return response


def logged_in(client, username: str):
    """A client logged in as `username` (asserting that it worked)."""
    response = web_login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)
