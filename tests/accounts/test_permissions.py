"""The accounts role × resource matrix agrees with the one permission table
(pms/accounts/permissions.py): every answer of `test_who_may_unlock_whom` that is not about scope
(404: an account one does not look after) is 403 exactly when the user's role may not manage users
by the table (admin always may)."""
from pms.accounts.permissions import PERMISSIONS
from tests.accounts import test_lockout
from tests.permission_matrix import ROLE, may_by, parametrized_cases


def may(user: str, action: str) -> bool:
    """Whether the user's role may do `action` by this domain's table."""
    return may_by(PERMISSIONS, user, action)


MATRICES = {"users.manage": parametrized_cases(test_lockout.test_who_may_unlock_whom)}


def test_matrix_follows_the_table():
    for action, cases in MATRICES.items():
        checked = [(user, status) for user, status in cases if status != 404]
        assert checked, action
        for user, status in checked:
            assert (status != 403) == may(user, action), (action, user, status)


def test_only_admins_manage_every_account():
    assert [u for u in ROLE if may(u, "users.manage_any")] == ["admin"]
    assert set(PERMISSIONS) == set(MATRICES) | {"users.manage_any"}
