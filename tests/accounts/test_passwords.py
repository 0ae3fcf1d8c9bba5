"""Password rules on every path that sets a password: create_user, `pms users create`, the
password page, `pms users set-password` (issue 9, "passwords")."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pms.accounts import rules, services
from pms.accounts.models import User
from pms.core.errors import Invalid
from pms.demo.loader import DEMO_USERS
from tests.factories import PASSWORD, bearer
from tests.web import logged_in, web_login


@pytest.mark.parametrize("password", [
    "12345678", "password", " " * 8, " " * 12, "1234567890", "qwertyuiop", "Password123", "PASSWORD1234",
    "woaini1314520", "aaaaaaaaaaaa", "abababababab", "short-1", "", "1qaz2wsx3edc", " 1234567890 ",
])
def test_weak_passwords_are_refused(app, password):
    with app.test_request_context():
        assert rules.password_problems(password, "someone"), password


@pytest.mark.parametrize("username,password", [
    ("manager", "manager2026!"), ("manager", "Manager-Manager"), ("zhangsan", "ZhangSan12345"),
    ("resident", "resident-2026"),
])
def test_passwords_built_on_the_username_are_refused(app, username, password):
    with app.test_request_context():
        assert rules.password_problems(password, username)


@pytest.mark.parametrize("username,password", [
    *[(u, pw) for u, _role, pw, _name in DEMO_USERS],
    ("resident", PASSWORD), ("li", "li-xiaoming-1949"), ("admin", "奶奶的生日一九四九年"),
])
def test_good_passwords_pass(app, username, password):
    with app.test_request_context():
        assert rules.password_problems(password, username) == []


def test_the_common_list_ships_with_the_package():
    common = rules.common_passwords()
    assert len(common) >= 300
    assert {"123456", "password", "qwertyuiop", "1234567890", "woaini1314"} <= common
    assert all(word == word.lower() and word.strip() == word for word in common)


def test_create_user_refuses_a_weak_password(db, world):
    for weak in ("12345678", "password", " " * 8, "tech-2026"):
        with pytest.raises(Invalid) as refused:
            services.create_user(db, username="tech2", password=weak, role="admin")
        assert "password" in refused.value.fields, weak
    assert db.scalar(select(User).where(User.username == "tech2")) is None


def test_cli_create_refuses_a_weak_password(runner, world):
    result = runner.invoke(args=["users", "create", "newbie", "--role", "admin", "--password-stdin"],
                           input="12345678\n")
    assert result.exit_code == 1
    assert "password: At least 10 characters." in result.output
    result = runner.invoke(args=["users", "create", "newbie", "--role", "admin", "--password-stdin"],
                           input="password1234\n")
    assert result.exit_code == 1 and "too common" in result.output
    ok = runner.invoke(args=["users", "create", "newbie", "--role", "admin", "--password-stdin"],
                       input="a-long-and-rare-one\n")
    assert ok.exit_code == 0, ok.output


def test_password_page_refuses_a_weak_password(client, world):
    logged_in(client, "resident")
    for weak in ("12345678", "password", " " * 8, "resident-2026"):
        response = client.post("/account/password", data={"current": PASSWORD, "new": weak, "confirm": weak})
        assert response.status_code == 422, weak
    assert web_login(client.application.test_client(), "resident", PASSWORD).status_code == 302


def test_cli_set_password_is_checked_and_ends_sessions(runner, client, world):
    headers = bearer(client, "tech")
    weak = runner.invoke(args=["users", "set-password", "tech", "--password-stdin"], input="12345678\n")
    assert weak.exit_code == 1 and "At least 10 characters." in weak.output
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    ok = runner.invoke(args=["users", "set-password", "tech", "--password-stdin"], input="a-long-and-rare-one\n")
    assert ok.exit_code == 0, ok.output
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "tech", "password": "a-long-and-rare-one"}).status_code == 200
    missing = runner.invoke(args=["users", "set-password", "nobody", "--password-stdin"], input="a-long-and-rare-one\n")
    assert missing.exit_code == 1
    assert runner.invoke(args=["users", "set-password", "tech"]).exit_code == 2  # never on the command line
