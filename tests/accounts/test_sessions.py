"""Sessions and tokens end on the server: logout, idle time, password change; your own list of
sessions and tokens on the account page and in the API (issue 9, "sessions and tokens can't be
revoked")."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, select

from pms.accounts.models import ApiToken, UserSession
from tests.factories import PASSWORD, bearer
from tests.web import csrf_token, logged_in, text, web_login

NEW_PASSWORD = "a-brand-new-secret-7"


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, value):
    """A fresh browser that was handed a saved session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_cookie_saved_before_logout_no_longer_works(client, world):
    logged_in(client, "resident")
    saved = session_cookie(client)
    assert with_cookie(client.application, saved).get("/my/rooms").status_code == 200
    client.post("/logout")
    assert with_cookie(client.application, saved).get("/my/rooms").status_code == 302


def test_the_cookie_holds_no_user_id(client, world):
    from itsdangerous import URLSafeTimedSerializer

    logged_in(client, "resident")
    app = client.application
    serializer = app.session_interface.get_signing_serializer(app)
    assert isinstance(serializer, URLSafeTimedSerializer)
    data = serializer.loads(session_cookie(client))
    assert "user_id" not in data and len(data["sid"]) >= 40


def test_an_idle_session_expires_after_eight_hours(client, world, clock):
    logged_in(client, "resident")
    clock.advance(hours=7, minutes=59)
    assert client.get("/my/rooms").status_code == 200  # used: idle time starts again
    clock.advance(hours=7, minutes=59)
    assert client.get("/my/rooms").status_code == 200
    clock.advance(hours=8, minutes=1)
    assert client.get("/my/rooms").status_code == 302


def test_the_idle_limit_is_a_setting(client, world, clock):
    client.application.config["SESSION_IDLE_HOURS"] = 1
    logged_in(client, "resident")
    clock.advance(minutes=61)
    assert client.get("/my/rooms").status_code == 302


def test_a_session_ends_after_its_lifetime_however_used(client, world, clock):
    logged_in(client, "resident")
    for _quarter_day in range(4 * 31 - 1):
        clock.advance(hours=6)
        assert client.get("/my/rooms").status_code == 200
    clock.advance(hours=6)  # 31 days since logging in (Flask's PERMANENT_SESSION_LIFETIME)
    assert client.get("/my/rooms").status_code == 302


def count_statements(app):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["pms_engine"]
    event.listen(engine, "before_cursor_execute", before)
    return statements, lambda: event.remove(engine, "before_cursor_execute", before)


def test_knowing_who_calls_is_still_one_statement_and_the_last_use_is_written_once_a_minute(client, world, clock):
    app = client.application
    logged_in(client, "resident")
    headers = bearer(app.test_client(), "resident")
    statements, stop = count_statements(app)
    try:
        for request in (lambda: client.get("/api/v1/me"), lambda: client.get("/api/v1/me", headers=headers)):
            request()  # the first use of the token writes last_used_at
            statements.clear()
            request()
            assert [s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT"))] \
                and len([s for s in statements if "user_account" in s]) == 1, statements
            assert not any(s.lstrip().upper().startswith("UPDATE") for s in statements), statements
        clock.advance(minutes=1)
        statements.clear()
        client.get("/api/v1/me")
        assert any(s.lstrip().upper().startswith("UPDATE USER_SESSION") for s in statements), statements
    finally:
        stop()


def test_logging_in_again_keeps_other_browsers_logged_in(client, world):
    logged_in(client, "resident")
    phone = logged_in(client.application.test_client(), "resident")
    client.post("/logout")
    assert phone.get("/my/rooms").status_code == 200


def test_logging_in_again_in_the_same_browser_ends_its_previous_session(client, world):
    logged_in(client, "resident")
    saved = session_cookie(client)
    logged_in(client, "manager")
    assert with_cookie(client.application, saved).get("/my/rooms").status_code == 302
    assert client.get("/estates").status_code == 200


# ---- the account page ------------------------------------------------------------------------

def test_account_page_lists_sessions_and_tokens_and_revokes_them(client, world):
    app = client.application
    phone = app.test_client()
    web_login(phone, "resident", headers={"User-Agent": "Phone browser 1.0"})
    logged_in(client, "resident")
    headers = bearer(app.test_client(), "resident")
    page = text(client.get("/account"))
    assert "Phone browser 1.0" in page
    assert page.count("/account/sessions/") == 2  # the phone's revoke button and "everywhere else"
    assert page.count("/account/tokens/") == 1
    phone_session = re.search(r"/account/sessions/(\d+)/revoke", page).group(1)
    token_id = re.search(r"/account/tokens/(\d+)/revoke", page).group(1)
    assert client.post(f"/account/sessions/{phone_session}/revoke").status_code == 302
    assert phone.get("/my/rooms").status_code == 302
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/my/rooms").status_code == 200
    # Twice, or someone else's: 404.
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    other = logged_in(app.test_client(), "manager")
    assert other.post(f"/account/sessions/{phone_session}/revoke").status_code == 404


def test_log_out_everywhere_else(client, world):
    phones = [logged_in(client.application.test_client(), "resident") for _ in range(2)]
    logged_in(client, "resident")
    assert client.post("/account/sessions/revoke-others").status_code == 302
    assert [p.get("/my/rooms").status_code for p in phones] == [302, 302]
    assert client.get("/my/rooms").status_code == 200


def test_account_page_needs_a_login(client, world):
    assert client.get("/account").status_code == 302


def test_an_auditor_may_look_after_their_own_account(client, world):
    logged_in(client, "auditor")
    headers = bearer(client.application.test_client(), "auditor")
    token_id = client.get("/api/v1/auth/tokens", headers=headers).get_json()["items"][0]["id"]
    assert client.application.test_client().delete(f"/api/v1/auth/tokens/{token_id}",
                                                    headers=headers).status_code == 204
    response = client.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.post("/estates/YJL/whatever").status_code in (403, 404, 405)  # still read-only elsewhere


# ---- password change ends everything else --------------------------------------------------------

def test_changing_the_password_ends_other_sessions_and_every_token(client, world):
    app = client.application
    phone = logged_in(app.test_client(), "resident")
    headers = bearer(app.test_client(), "resident")
    logged_in(client, "resident")
    saved = session_cookie(client)
    response = client.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/my/rooms").status_code == 200  # this browser carries on, in a new session
    assert phone.get("/my/rooms").status_code == 302
    assert with_cookie(app, saved).get("/my/rooms").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert web_login(app.test_client(), "resident", PASSWORD).status_code == 200  # the old one: refused
    assert web_login(app.test_client(), "resident", NEW_PASSWORD).status_code == 302


def test_password_change_needs_the_current_password_and_counts_wrong_ones(client, world):
    from tests.accounts.test_lockout import user_row

    logged_in(client, "resident")
    response = client.post("/account/password?lang=en", data={"current": "not-my-password", "new": NEW_PASSWORD,
                                                              "confirm": NEW_PASSWORD})
    assert response.status_code == 422 and "The current password is wrong." in text(response)
    assert user_row(client.application, "resident").failed_logins == 1
    for attempt in range(4):
        client.post("/account/password", data={"current": f"guess-{attempt}", "new": NEW_PASSWORD,
                                               "confirm": NEW_PASSWORD})
    # Locked now: even the right current password is held back.
    response = client.post("/account/password?lang=en", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                              "confirm": NEW_PASSWORD})
    assert response.status_code == 422 and "Too many failed attempts" in text(response)


def test_password_change_form_with_csrf(csrf_app, world):
    client = csrf_app.test_client()
    logged_in(client, "resident")
    page = text(client.get("/account/password"))
    assert client.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD}).status_code == 400
    response = client.post("/account/password", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD, "csrf_token": csrf_token(page)})
    assert response.status_code == 302


def test_new_passwords_must_match_and_follow_the_rules(client, world):
    logged_in(client, "resident")
    differ = client.post("/account/password?lang=en", data={"current": PASSWORD, "new": NEW_PASSWORD,
                                                            "confirm": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "The two new passwords differ." in text(differ)
    common = client.post("/account/password?lang=en", data={"current": PASSWORD, "new": "1234567890",
                                                            "confirm": "1234567890"})
    assert common.status_code == 422 and "too common" in text(common)


# ---- the API: your tokens ------------------------------------------------------------------------

def test_list_and_revoke_your_tokens(client, world):
    first = client.post("/api/v1/auth/token", json={"username": "finance", "password": PASSWORD,
                                                    "name": "monthly export"}).get_json()["token"]
    second = bearer(client, "finance")
    listed = client.get("/api/v1/auth/tokens", headers=second)
    assert listed.status_code == 200
    items = listed.get_json()["items"]
    assert [(t["name"], t["current"]) for t in items] == [("", True), ("monthly export", False)]
    assert set(items[0]) == {"id", "name", "created_at", "expires_at", "last_used_at", "current"}
    assert all(first not in str(t.values()) for t in items)
    # Someone else cannot see or revoke them.
    other = bearer(client, "manager")
    assert [t["name"] for t in client.get("/api/v1/auth/tokens", headers=other).get_json()["items"]] == [""]
    assert client.delete(f"/api/v1/auth/tokens/{items[1]['id']}", headers=other).status_code == 404
    # Revoked: it stops working at once, and is gone from the list.
    assert client.delete(f"/api/v1/auth/tokens/{items[1]['id']}", headers=second).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert len(client.get("/api/v1/auth/tokens", headers=second).get_json()["items"]) == 1
    assert client.delete(f"/api/v1/auth/tokens/{items[1]['id']}", headers=second).status_code == 404
    # Revoking the token you call with works too: it is the last call it makes.
    assert client.delete(f"/api/v1/auth/tokens/{items[0]['id']}", headers=second).status_code == 204
    revoked = client.get("/api/v1/auth/tokens", headers=second)
    assert revoked.status_code == 401 and revoked.get_json()["error"]["code"] == "not_authenticated"


def test_token_list_needs_authentication(client, world):
    assert client.get("/api/v1/auth/tokens").status_code == 401
    assert client.delete("/api/v1/auth/tokens/1").status_code == 401


def test_expired_tokens_are_not_listed_and_cannot_be_revoked(client, world, clock):
    headers = bearer(client, "finance")
    token_id = client.get("/api/v1/auth/tokens", headers=headers).get_json()["items"][0]["id"]
    clock.advance(hours=client.application.config["TOKEN_TTL_HOURS"], minutes=1)
    logged_in(client, "finance")
    assert client.get("/api/v1/auth/tokens").get_json()["items"] == []
    assert client.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 404


def test_token_names_are_limited(client, world):
    response = client.post("/api/v1/auth/token", json={"username": "finance", "password": PASSWORD,
                                                       "name": "x" * 65})
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]


def test_openapi_documents_the_token_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/auth/tokens"]
    assert "delete" in spec["paths"]["/api/v1/auth/tokens/{token_id}"]
    assert "204" in spec["paths"]["/api/v1/auth/tokens/{token_id}"]["delete"]["responses"]


def test_session_rows_keep_only_a_hash(client, world):
    logged_in(client, "resident")
    from itsdangerous import URLSafeTimedSerializer  # noqa: F401  (the cookie is signed, not secret)

    app = client.application
    sid = app.session_interface.get_signing_serializer(app).loads(session_cookie(client))["sid"]
    from pms.core.db import get_session
    with app.app_context():
        hashes = get_session().scalars(select(UserSession.token_hash)).all()
        tokens = get_session().scalars(select(ApiToken.token_hash)).all()
    assert sid not in hashes and len(hashes) == 1 and len(hashes[0]) == 64
    assert tokens == []


def test_idle_session_is_not_extended_by_a_refused_request(client, world, clock):
    """A session past its idle limit stays over: using it again does not bring it back."""
    logged_in(client, "resident")
    clock.advance(hours=8, minutes=1)
    assert client.get("/my/rooms").status_code == 302
    clock.advance(timedelta(minutes=-5))
    assert client.get("/my/rooms").status_code == 302  # the cookie lost its id when refused
