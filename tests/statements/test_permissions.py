"""The statements role × resource matrix agrees with the one permission table
(pms/statements/permissions.py): every answer that is not about scope (404) is 403 exactly when
the user's role may not read statements by the table (admin always may)."""
from pms.statements.permissions import PERMISSIONS
from tests.statements import test_api

# The role of each user of the world (tests/conftest.py `world`).
ROLE = {
    "admin": "admin", "manager": "manager", "finance": "finance", "tech": "technician",
    "carer": "care_worker", "resident": "resident", "auditor": "auditor", "other_manager": "manager",
    "other_resident": "resident", "other_auditor": "auditor",
}


def may(user: str, action: str) -> bool:
    return ROLE[user] == "admin" or ROLE[user] in PERMISSIONS[action]


MATRICES = {"statement.read": [(user, status) for user, _room, status in test_api.MATRIX]}


def test_every_action_has_a_matrix():
    assert set(MATRICES) == set(PERMISSIONS)


def test_matrix_follows_the_table():
    for action, cases in MATRICES.items():
        checked = [(user, status) for user, status in cases if status != 404]
        assert checked, action
        for user, status in checked:
            assert (status != 403) == may(user, action), (action, user, status)
