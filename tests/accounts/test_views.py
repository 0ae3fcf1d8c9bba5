"""Logging in and out in the browser: messages, lock-out, CSRF, hashed passwords, redirects."""
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash

from pms.accounts.models import User
from pms.core.db import utcnow
from pms.core.models import AuditEntry
from tests.factories import PASSWORD
from tests.web import csrf_token, logged_in, text, web_login


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


def test_redirect_to_login_keeps_where_you_wanted_to_go(client, world):
    response = client.get("/rooms/YJL-3-2-501")
    assert response.headers["Location"] == "/login?next=/rooms/YJL-3-2-501?"
    response = client.post(response.headers["Location"], data={"username": "manager", "password": PASSWORD})
    assert client.get(response.headers["Location"]).status_code == 200


def test_wrong_password_shows_a_message_and_counts(client, world):
    response = web_login(client, "manager", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码不正确。" in text(response) and 'role="alert"' in text(response)
    assert user_row(client.application, "manager").failed_logins == 1
    assert client.get("/estates").status_code == 302  # not logged in


def test_unknown_user_gets_the_same_message(client, world):
    response = web_login(client, "nobody", "whatever-1")
    assert "用户名或密码不正确。" in text(response)


def test_empty_fields_ask_for_both(client, world):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 200 and "请输入用户名和密码。" in text(response)


def test_messages_in_english(client, world):
    response = client.post("/login?lang=en", data={"username": "manager", "password": "nope-nope"})
    assert "Wrong username or password." in text(response)


def test_lock_out_after_five_failures_on_the_web(client, world):
    for attempt in range(5):
        assert "用户名或密码不正确。" in text(web_login(client, "manager", f"wrong-{attempt}")), attempt
    user = user_row(client.application, "manager")
    assert user.failed_logins == 0  # the counter restarts once the lock is set
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    # Even the right password is refused while locked, with the time to wait.
    response = web_login(client, "manager", PASSWORD)
    assert response.status_code == 200
    assert "请 15 分钟后再试" in text(response)
    assert client.get("/estates").status_code == 302
    # Other accounts are not affected.
    assert web_login(client, "finance").status_code == 302
    from pms.core.db import get_session
    with client.application.app_context():
        actions = get_session().scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))).all()
    assert "user.locked" in actions


def test_lock_expires(client, world):
    for attempt in range(5):
        web_login(client, "manager", f"wrong-{attempt}")
    from pms.core.db import get_session
    with client.application.app_context():
        s = get_session()
        user = s.scalar(select(User).where(User.username == "manager"))
        user.locked_until = user.locked_until - timedelta(minutes=16)
        s.commit()
    assert web_login(client, "manager").status_code == 302


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
