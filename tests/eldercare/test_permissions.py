"""The elder-care role × resource tests agree with the one permission table
(pms/eldercare/permissions.py): each answer that is not about scope (404) is what the table says."""
import pytest

from pms.core.auth import AUDITOR, FINANCE, TECHNICIAN
from pms.eldercare.permissions import PERMISSIONS
from tests.eldercare import test_calls, test_catalogue, test_elders, test_kpis, test_matrix
from tests.permission_matrix import may_by, parametrized_cases

MATRICES = {
    "elder.read": [(u, s) for u, s, _private in test_matrix.ELDER_READ],
    "elder.register": [(u, {201: 201, 422: 201}.get(s, s)) for u, s in test_elders.WHO_MAY_REGISTER],
    "visit.read": list(test_matrix.VISIT_READ),
    "service.write": parametrized_cases(test_catalogue.test_who_may_keep_the_catalogue),
    "kpi.read": parametrized_cases(test_kpis.test_who_may_read_the_figures),
    # (user, log, read, respond) of the calls' matrix; auditors' writes are refused before the table.
    "call.log": [(u, log) for u, log, _r, _s in test_calls.WHO_MAY if not u.endswith("auditor")],
    "call.read": [(u, read) for u, _l, read, _s in test_calls.WHO_MAY],
    "call.respond": [(u, respond) for u, _l, _r, respond in test_calls.WHO_MAY if not u.endswith("auditor")],
}


@pytest.mark.parametrize("action", sorted(MATRICES))
def test_matrix_follows_the_table(action):
    checked = [(user, status) for user, status in MATRICES[action] if status != 404]
    assert checked, action
    for user, status in checked:
        assert (status != 403) == may_by(PERMISSIONS, user, action), (action, user, status)


def test_private_fields_follow_the_table():
    for user, status, private in test_matrix.ELDER_READ:
        if status == 200:
            assert private == may_by(PERMISSIONS, user, "elder.read_private"), user


def test_finance_technicians_and_auditors_never_see_health_notes():
    for role in (FINANCE, TECHNICIAN, AUDITOR):
        assert role not in PERMISSIONS["elder.read_private"]


def test_auditors_only_read():
    writes = [a for a, roles in PERMISSIONS.items() if AUDITOR in roles and not a.endswith(".read")]
    assert writes == []
