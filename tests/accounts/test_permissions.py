"""The accounts role × resource matrix agrees with the one permission table
(pms/accounts/permissions.py): every answer of `test_who_may_unlock_whom` that is not about scope
(404: an account one does not look after) is 403 exactly when the user's role may not manage users
by the table (admin always may)."""
from pms.accounts.permissions import PERMISSIONS
from tests.accounts import test_lockout

# The role of each user of the world (tests/conftest.py `world`).
ROLE = {
    "admin": "admin", "manager": "manager", "finance": "finance", "tech": "technician",
    "carer": "care_worker", "resident": "resident", "auditor": "auditor", "other_manager": "manager",
    "other_resident": "resident", "other_auditor": "auditor",
}


def may(user: str, action: str) -> bool:
    return ROLE[user] == "admin" or ROLE[user] in PERMISSIONS[action]


def _cases(test) -> list[tuple[str, int]]:
    """(user, status) of every case of a test parametrized with `user, …, status`."""
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
    return [(case[0], case[-1]) for case in mark.args[1]]


MATRICES = {"users.manage": _cases(test_lockout.test_who_may_unlock_whom)}


def test_matrix_follows_the_table():
    for action, cases in MATRICES.items():
        checked = [(user, status) for user, status in cases if status != 404]
        assert checked, action
        for user, status in checked:
            assert (status != 403) == may(user, action), (action, user, status)


def test_only_admins_manage_every_account():
    assert [u for u in ROLE if may(u, "users.manage_any")] == ["admin"]
    assert set(PERMISSIONS) == set(MATRICES) | {"users.manage_any"}
