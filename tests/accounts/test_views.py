"""Logging in and out in the browser: messages, lock-out, CSRF, hashed passwords, redirects."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from pms.accounts.models import User
from pms.core.db import utcnow
from pms.core.models import AuditEntry
from tests.factories import PASSWORD
from tests.web import csrf_token, logged_in, text, web_login

REFUSED = "Wrong username or password, or the account is locked for a while after too many failed attempts."


def alert(response) -> str:
    """The first message of the page's error summary ("" when there is none)."""
    match = re.search(r'class="form-summary" role="alert".*?<li>([^<]*)<', text(response), re.S)
    return match.group(1) if match else ""


def user_row(app, username) -> User:
    from pms.core.db import get_session

    with app.app_context():
        return get_session().scalar(select(User).where(User.username == username))


def test_login_page_is_chinese_with_a_real_form(client, world):
    page = text(client.get("/login"))
    assert "<h1>登录</h1>" in page
    assert 'name="username"' in page and 'type="password"' in page and 'autocomplete="current-password"' in page


def test_login_success_goes_to_the_start_page(client, world):
    response = web_login(client, "manager")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/estates").status_code == 200
    assert user_row(client.application, "manager").last_login_at is not None


def test_login_page_when_already_logged_in_goes_home(client, world):
    logged_in(client, "manager")
    assert client.get("/login").headers["Location"] == "/"


def test_login_follows_only_local_next(client, world):
    for target, expected in [("/rooms/YJL-3-2-501", "/rooms/YJL-3-2-501"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")]:
        response = client.post("/login", query_string={"next": target},
                               data={"username": "manager", "password": PASSWORD})
        assert response.headers["Location"] == expected, target


# Targets a browser reads as another host (it drops tabs and newlines anywhere in a URL, strips
# leading control characters and spaces, reads "\\" as "/"), or that broke the redirect (500).
FOREIGN_NEXT = ["/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%0d%0a/evil.example",
                "/%0aLocation:%20https://evil.example", "%09//evil.example", "%20//evil.example",
                "/%20/evil.example", "//%09evil.example", "/%5c/evil.example", "%5c%5cevil.example",
                "https:evil.example", "javascript:alert(1)", "/%7f/evil.example",
                "/%e3%80%80/evil.example", "evil.example", "http://localhost/x"]


@pytest.mark.parametrize("raw", FOREIGN_NEXT)
def test_next_that_leaves_the_site_goes_home_when_logged_in(client, world, raw):
    logged_in(client, "manager")
    response = client.get(f"/login?next={raw}")
    assert response.status_code == 302 and response.headers["Location"] == "/", raw


@pytest.mark.parametrize("raw", FOREIGN_NEXT)
def test_next_that_leaves_the_site_goes_home_after_logging_in(client, world, raw):
    response = client.post(f"/login?next={raw}", data={"username": "manager", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/", raw


def test_a_nul_in_next_is_refused_before_any_redirect(client, world):
    """NUL is refused wherever it comes in (400, core.api's input guard): no Location at all."""
    logged_in(client, "manager")
    for response in (client.get("/login?next=/%00/evil.example"),
                     client.post("/login?next=/%00/evil.example", data={"username": "manager", "password": PASSWORD})):
        assert response.status_code == 400 and "Location" not in response.headers


def test_next_that_leaves_the_site_goes_home_in_production(app, world):
    app.config["PMS_ENV"] = "production"
    client = app.test_client()
    response = client.post("/login?next=/%09/evil.example", data={"username": "manager", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_local_next_with_a_query_and_encoded_characters_is_kept(client, world):
    logged_in(client, "manager")
    for target in ["/rooms?q=501&page=2", "/maintenance/tickets/1#notes",
                   "/rooms?q=%E4%BA%91"]:
        response = client.get("/login", query_string={"next": target})
        assert response.headers["Location"] == target, target


def test_redirect_to_login_keeps_where_you_wanted_to_go(client, world):
    response = client.get("/rooms/YJL-3-2-501")
    assert response.headers["Location"] == "/login?next=/rooms/YJL-3-2-501?"
    response = client.post(response.headers["Location"], data={"username": "manager", "password": PASSWORD})
    assert client.get(response.headers["Location"]).status_code == 200


def test_wrong_password_shows_a_message_and_counts(client, world):
    response = web_login(client, "manager", "wrong-password")
    assert response.status_code == 200
    assert alert(response) and 'role="alert"' in text(response)
    assert user_row(client.application, "manager").failed_logins == 1
    assert client.get("/estates").status_code == 302  # not logged in


def test_unknown_user_gets_the_same_message(client, world):
    assert alert(web_login(client, "nobody", "whatever-1")) == alert(web_login(client, "manager", "wrong-1"))


def test_empty_fields_ask_for_both(client, world):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 200 and "请输入用户名和密码。" in text(response)


def test_messages_in_english(client, world):
    response = client.post("/login?lang=en", data={"username": "manager", "password": "nope-nope"})
    assert REFUSED in text(response)


def test_lock_out_after_five_failures_on_the_web(client, world, clock):
    refused = alert(web_login(client, "manager", "wrong-0"))
    for attempt in range(1, 5):
        assert alert(web_login(client, "manager", f"wrong-{attempt}")) == refused, attempt
    user = user_row(client.application, "manager")
    assert user.failed_logins == 5  # consecutive failures: the next lock will be longer
    assert user.locked_until - clock() == timedelta(minutes=1)
    # Even the right password is refused while locked, with the very same message.
    response = web_login(client, "manager", PASSWORD)
    assert response.status_code == 200
    assert alert(response) == refused
    assert client.get("/estates").status_code == 302
    # Other accounts are not affected.
    assert web_login(client, "finance").status_code == 302
    from pms.core.db import get_session
    with client.application.app_context():
        actions = get_session().scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))).all()
    assert "user.locked" in actions


def test_lock_expires(client, world, clock):
    for attempt in range(5):
        web_login(client, "manager", f"wrong-{attempt}")
    clock.advance(minutes=1, seconds=1)
    assert web_login(client, "manager").status_code == 302
    assert user_row(client.application, "manager").failed_logins == 0  # reset on success


def test_passwords_are_stored_hashed(app, world):
    user = user_row(app, "resident")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:sha256:")  # the tests' cheap method; scrypt otherwise
    assert check_password_hash(user.password_hash, PASSWORD)


def test_production_hash_is_scrypt(app, world):
    from pms.accounts import services
    from pms.core.db import get_session

    app.config.pop("PASSWORD_HASH_METHOD")
    with app.app_context():
        user = services.create_user(get_session(), username="new_one", password="long-enough-1",
                                    role="admin")
        assert user.password_hash.startswith("scrypt:")


def test_csrf_login_without_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "manager", "password": PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in text(response) and "Traceback" not in text(response)
    assert client.get("/estates").status_code == 302
    assert user_row(csrf_app, "manager").last_login_at is None


def test_csrf_login_with_a_wrong_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "manager", "password": PASSWORD,
                                           "csrf_token": "forged"})
    assert response.status_code == 400


def test_csrf_login_with_the_token_works(csrf_app, world):
    client = csrf_app.test_client()
    token = csrf_token(text(client.get("/login")))
    assert token
    response = client.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/estates").status_code == 200


def test_logout_is_a_post_with_csrf(csrf_app, world):
    client = csrf_app.test_client()
    logged_in(client, "resident")
    page = text(client.get("/my/rooms"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token: still logged in
    assert client.get("/my/rooms").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "您已退出登录。" in text(client.get("/login"))
    assert client.get("/my/rooms").status_code == 302


def test_auditor_may_log_out(client, world):
    logged_in(client, "auditor")
    assert client.post("/logout").status_code == 302
    assert client.get("/estates").status_code == 302


def test_language_survives_login_and_logout(client, world):
    client.get("/login?lang=en")
    logged_in(client, "resident")
    assert "My home" in text(client.get("/my/rooms"))
    client.post("/logout")
    assert "Log in" in text(client.get("/login"))
