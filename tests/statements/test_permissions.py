"""The statements role × resource matrix agrees with the one permission table
(pms/statements/permissions.py): every answer that is not about scope (404) is 403 exactly when
the user's role may not read statements by the table (admin always may)."""
from pms.statements.permissions import PERMISSIONS
from tests.statements import test_api, test_print_runs, test_print_web, test_public_notice_web, test_receipts
from tests.permission_matrix import ROLE, may_by


def may(user: str, action: str) -> bool:
    """Whether the user's role may do `action` by this domain's table."""
    return may_by(PERMISSIONS, user, action)


MATRICES = {"statement.read": [(user, status) for user, _room, status in test_api.MATRIX],
            "statement.print": [(user, status) for user, _estate, status in test_print_web.MATRIX],
            "receipt.read": [(user, status) for user, _room, status in test_receipts.MATRIX],
            "print_run.request": test_print_runs.MATRIX + test_print_runs.FOLLOW,
            "public_notice.read": test_public_notice_web.READ_MATRIX,
            "public_notice.publish": test_public_notice_web.PUBLISH_MATRIX}


def test_every_action_has_a_matrix():
    assert set(MATRICES) == set(PERMISSIONS)


def test_matrix_follows_the_table():
    for action, cases in MATRICES.items():
        checked = [(user, status) for user, status in cases if status != 404]
        assert checked, action
        for user, status in checked:
            assert (status != 403) == may(user, action), (action, user, status)
