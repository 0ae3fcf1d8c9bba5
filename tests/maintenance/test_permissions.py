"""The maintenance role × resource tests agree with the one permission table
(pms/maintenance/permissions.py).

Each matrix below is what a role × resource test expects when every user of the test world
(tests/conftest.py `world`) calls the API; each answer that is not about scope (404) must be what
the table says: 403 exactly when the user's role may not do the action (admin always may). A
technician works only the tickets assigned to them, so an unassigned ticket refuses them too.
Adding a role is one edit in the table, and these tests name every matrix it changes."""
import pytest

from pms.core.auth import AUDITOR, OFFICER
from pms.maintenance import rules
from pms.maintenance.permissions import ASSIGNED_ONLY_ROLES, PERMISSIONS
from tests.maintenance import test_input_bounds, test_kpis, test_matrix, test_tickets
from tests.permission_matrix import ROLE, may_by


def may(user: str, action: str) -> bool:
    """Whether the user's role may do `action` by this domain's table."""
    return may_by(PERMISSIONS, user, action)


def _moves() -> dict[str, list[tuple[str, int]]]:
    """test_tickets.ROLE_RULES (tickets assigned to 'tech'), plus the auditors' 403 on every move."""
    cases: dict[str, list[tuple[str, int]]] = {}
    for _status, to, allowed, refused in test_tickets.ROLE_RULES:
        cases.setdefault(f"ticket.move.{to}", []).extend(
            [(u, 200) for u in allowed] + [(u, 403) for u in refused] + [("auditor", 403), ("other_auditor", 403), ("officer", 403), ("other_officer", 403)])
    return cases


def _writes(write: str) -> list[tuple[str, int]]:
    """test_matrix.test_writes on a ticket every user sees or not (404 cases left out)."""
    cases = []
    for user in test_matrix.ALL:
        if user in test_matrix.READ_ONLY:
            cases.append((user, 403))
        elif write == "note":
            cases.append((user, 201 if user in test_matrix.NOTE_WRITERS else 403))
        elif write == "photo":
            cases.append((user, 201))
        else:
            cases.append((user, 200 if user in test_matrix.ACCEPTERS else 403))
    return cases


MATRICES = {
    **_moves(),
    "kpis.read": list(test_kpis.KPI_ACCESS),
    "sla.set": list(test_input_bounds.EMPTY_SLA_STATUS),
    "photo.add": _writes("photo"),
}
UNASSIGNED = {"ticket.work": _writes("note")}


@pytest.mark.parametrize("action", sorted(MATRICES))
def test_matrix_follows_the_table(action):
    checked = [(user, status) for user, status in MATRICES[action] if status != 404]
    assert checked, action
    for user, status in checked:
        assert (status != 403) == may(user, action), (action, user, status)


def test_the_accept_matrix_of_every_role_follows_the_table():
    for user, status in _writes("move"):
        assert (status != 403) == may(user, "ticket.move.accepted"), (user, status)


def test_notes_on_an_unassigned_ticket_follow_the_table():
    """Technicians may work tickets, but only those assigned to them: none is in the fixture."""
    for action, cases in UNASSIGNED.items():
        for user, status in cases:
            allowed = may(user, action) and ROLE[user] not in ASSIGNED_ONLY_ROLES
            assert (status != 403) == allowed, (action, user, status)


def test_every_move_has_a_row_and_every_move_row_a_move():
    targets = {to for _frm, to in rules.TRANSITIONS}
    assert {f"ticket.move.{to}" for to in targets} == {a for a in PERMISSIONS if a.startswith("ticket.move.")}
    assert {to for _s, to, _a, _r in test_tickets.ROLE_RULES} <= targets


def test_auditors_only_read():
    """Auditors are read-only everywhere: they are in no write action of the table."""
    assert sorted(a for a, roles in PERMISSIONS.items() if AUDITOR in roles) == ["kpis.read", "queue.home"]


def test_officers_read_like_auditors():
    """Programme officers read what auditors read here, and write nothing either."""
    assert sorted(a for a, roles in PERMISSIONS.items() if OFFICER in roles) == ["kpis.read", "queue.home"]
