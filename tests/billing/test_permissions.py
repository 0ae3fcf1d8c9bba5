"""The billing role × resource matrices agree with the one permission table (pms/billing/permissions.py).

Each matrix below is the parametrization of a test that calls the API or a page as every user of
the test world (tests/conftest.py `world`); here each answer that is not about scope (404) or
input (422) must be what the table says: 403 exactly when the user's role may not do the action.
Adding a role is one edit in the table, and these tests name every matrix it changes."""
import pytest

from pms.billing.permissions import PERMISSIONS
from tests.billing import (test_api_accounts, test_api_runs, test_arrears, test_collection, test_credit_notes,
                           test_late_fee_settlements, test_views_accounts)
from tests.permission_matrix import ROLE, may_by, parametrized_cases


def may(user: str, action: str) -> bool:
    """Whether the user's role may do `action` by this domain's table."""
    return may_by(PERMISSIONS, user, action)


def _from_dict(statuses: dict) -> list[tuple[str, int]]:
    return [(user, status) for user, status in statuses.items() if isinstance(status, int)] + \
           [(user, 200) for user, status in statuses.items() if not isinstance(status, int)]


MATRICES = {
    "payment.record": parametrized_cases(test_api_accounts.test_payment_roles) + parametrized_cases(test_views_accounts.test_payment_form_roles),
    "payment.reverse": parametrized_cases(test_api_accounts.test_reversal_rules),
    "account.read": parametrized_cases(test_api_accounts.test_account_roles) + parametrized_cases(test_views_accounts.test_account_page_roles),
    "credit_note.issue": parametrized_cases(test_credit_notes.test_api_role_matrix),
    "late_fee.settle": parametrized_cases(test_late_fee_settlements.test_api_role_matrix),
    "late_fee.reverse": parametrized_cases(test_late_fee_settlements.test_reversal_api_role_matrix),
    "demand.record": parametrized_cases(test_arrears.test_demand_roles),
    "arrears.read": parametrized_cases(test_arrears.test_arrears_roles),
    "collection.read": parametrized_cases(test_collection.test_collection_roles),
    "run.create": _from_dict(test_api_runs.RUN_STATUS),
    "run.read": _from_dict(test_api_runs.LIST_STATUS),
    "bill.read": _from_dict(test_api_runs.BILLS_STATUS),
    "fee_plan.read": _from_dict(test_api_runs.PAGE_STATUS),
}


def test_every_action_has_a_matrix():
    assert set(MATRICES) | {"fee_plan.load"} == set(PERMISSIONS)


@pytest.mark.parametrize("action", sorted(MATRICES))
def test_matrix_follows_the_table(action):
    checked = [(user, status) for user, status in MATRICES[action] if status not in (404, 422)]
    assert checked, action
    for user, status in checked:
        assert (status != 403) == may(user, action), (action, user, status)


def test_only_managers_load_fee_plans():
    assert [u for u in ROLE if may(u, "fee_plan.load")] == ["admin", "manager", "other_manager"]
