"""Progressive lock-out per account, and managers and admins unlocking, disabling and enabling
accounts on the users page and with `pms users …` (issue 9, "lockout abuse")."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pms.accounts.models import ApiToken, User, UserSession
from pms.accounts.rules import lock_duration
from pms.core.models import AuditEntry
from tests.factories import PASSWORD, bearer
from tests.web import logged_in, text, web_login


def user_row(app, username) -> User:
    from pms.core.db import get_session

    with app.app_context():
        return get_session().scalar(select(User).where(User.username == username))


def audit_actions(app, user_id) -> list[str]:
    from pms.core.db import get_session

    with app.app_context():
        return get_session().scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "user", AuditEntry.object_id == str(user_id)).order_by(AuditEntry.seq)).all()


def token_login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_lock_duration_doubles_from_one_minute_up_to_the_cap():
    minutes = [lock_duration(n, max_failures=5, first=timedelta(minutes=1), longest=timedelta(minutes=60))
               for n in range(1, 14)]
    assert minutes[:4] == [None] * 4
    assert [m.total_seconds() / 60 for m in minutes[4:]] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert lock_duration(10_000, max_failures=5, first=timedelta(minutes=1),
                         longest=timedelta(hours=1)) == timedelta(hours=1)


def test_a_burst_locks_briefly_and_later_failures_lock_longer(client, world, clock):
    app = client.application
    for attempt in range(50):  # a fuzzer's burst
        token_login(client, "manager", f"wrong-{attempt}")
    user = user_row(app, "manager")
    # Counted until the lock, not while locked: the burst bought one minute, not a lock for good.
    assert user.failed_logins == 5 and user.locked_until - clock() == timedelta(minutes=1)
    expected = [2, 4, 8, 16, 32, 60, 60]
    for minutes in expected:
        clock.set(user_row(app, "manager").locked_until + timedelta(seconds=1))
        assert token_login(client, "manager", "wrong-again").status_code == 401
        assert user_row(app, "manager").locked_until - clock() == timedelta(minutes=minutes)
    assert audit_actions(app, user.id).count("user.locked") == 1 + len(expected)
    # Once the lock is over, the right password works and the count starts again.
    clock.set(user_row(app, "manager").locked_until + timedelta(seconds=1))
    assert token_login(client, "manager").status_code == 200
    user = user_row(app, "manager")
    assert user.failed_logins == 0 and user.locked_until is None


def test_a_success_before_the_limit_resets_the_count(client, world):
    for attempt in range(4):
        token_login(client, "finance", f"wrong-{attempt}")
    assert token_login(client, "finance").status_code == 200
    for attempt in range(4):
        token_login(client, "finance", f"wrong-{attempt}")
    assert user_row(client.application, "finance").locked_until is None


def lock(client, username):
    for attempt in range(5):
        token_login(client, username, f"wrong-{attempt}")
    assert user_row(client.application, username).locked_until is not None


def test_a_manager_unlocks_an_account_of_their_company_on_the_users_page(client, world):
    lock(client, "tech")
    manager = client.application.test_client()
    logged_in(manager, "manager")
    page = text(manager.get("/users"))  # locked accounts are listed first
    assert "tech" in page and "/users/tech/unlock" in page
    response = manager.post("/users/tech/unlock")
    assert response.status_code == 302
    assert token_login(client, "tech").status_code == 200
    assert "user.unlock" in audit_actions(client.application, world.users["tech"].id)
    assert "/users/tech/unlock" not in text(manager.get("/users"))


def test_users_page_finds_accounts_by_name_within_the_company(client, world):
    logged_in(client, "manager")
    page = text(client.get("/users?q=res"))
    assert "resident" in page and "other_resident" not in page  # other_resident lives in OTHER's estate
    assert "other_manager" not in text(client.get("/users?q=other"))
    assert "admin" not in text(client.get("/users?q=adm"))


@pytest.mark.parametrize("who,target,status", [
    ("other_manager", "tech", 404),   # another company's account: as if it did not exist
    ("manager", "other_resident", 404),
    ("manager", "auditor", 404),
    ("manager", "admin", 404),
    ("finance", "tech", 403),         # not a manager
    ("auditor", "tech", 403),
    ("resident", "tech", 403),
    ("admin", "other_resident", 302),
    ("manager", "resident", 302),
])
def test_who_may_unlock_whom(client, world, who, target, status):
    lock(client, target)
    staff = client.application.test_client()
    logged_in(staff, who)
    assert staff.post(f"/users/{target}/unlock").status_code == status
    assert (user_row(client.application, target).locked_until is None) == (status == 302)


def test_disabling_ends_every_session_and_token_and_refuses_logins(client, world):
    app = client.application
    resident = app.test_client()
    logged_in(resident, "resident")
    headers = bearer(app.test_client(), "resident")
    manager = app.test_client()
    logged_in(manager, "manager")
    assert manager.post("/users/resident/disable").status_code == 302
    assert resident.get("/my/rooms").status_code == 302  # the browser session ended
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert token_login(client, "resident").status_code == 401
    user = user_row(app, "resident")
    from pms.core.db import get_session
    with app.app_context():
        s = get_session()
        assert s.scalars(select(UserSession.revoked_at).where(UserSession.user_id == user.id)).all() != []
        assert None not in s.scalars(select(UserSession.revoked_at).where(UserSession.user_id == user.id)).all()
        assert None not in s.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id)).all()
    assert manager.post("/users/resident/enable").status_code == 302
    assert token_login(client, "resident").status_code == 200
    assert audit_actions(app, user.id)[-2:] == ["user.disable", "user.enable"]


def test_nobody_disables_their_own_account(client, world):
    logged_in(client, "manager")
    assert client.post("/users/manager/disable").status_code == 403
    assert user_row(client.application, "manager").is_active


def test_cli_unlock_disable_enable(runner, client, world):
    lock(client, "tech")
    result = runner.invoke(args=["users", "unlock", "tech"])
    assert result.exit_code == 0 and "unlocked" in result.output
    assert token_login(client, "tech").status_code == 200
    assert runner.invoke(args=["users", "disable", "tech"]).exit_code == 0
    assert token_login(client, "tech").status_code == 401
    assert runner.invoke(args=["users", "enable", "tech"]).exit_code == 0
    assert token_login(client, "tech").status_code == 200
    actions = audit_actions(client.application, world.users["tech"].id)
    assert [a for a in actions if a != "user.locked"][-3:] == ["user.unlock", "user.disable", "user.enable"]
    unknown = runner.invoke(args=["users", "unlock", "nobody"])
    assert unknown.exit_code == 1 and "no user nobody" in unknown.output


def test_refused_logins_show_the_same_message_when_locked_on_the_web(client, world):
    lock(client, "manager")
    wrong = web_login(client, "nobody", "whatever-123")
    locked = web_login(client, "manager", PASSWORD)
    assert text(wrong).replace('value="nobody"', "") == text(locked).replace('value="manager"', "")
