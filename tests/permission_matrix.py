"""What every domain's permission-table test shares: the role of each user of the test world
(tests/conftest.py `world`), "may this user do this by that table", and the cases of a
parametrized role × resource test."""
from __future__ import annotations

# The role of each user of the world.
ROLE = {
    "admin": "admin", "manager": "manager", "finance": "finance", "tech": "technician",
    "carer": "care_worker", "resident": "resident", "auditor": "auditor", "other_manager": "manager",
    "other_resident": "resident", "other_auditor": "auditor", "officer": "officer",
    "other_officer": "officer",
}


def may_by(permissions: dict, user: str, action: str) -> bool:
    """Whether the user's role may do `action` by a domain's table (admin always may)."""
    return ROLE[user] == "admin" or ROLE[user] in permissions[action]


def parametrized_cases(test) -> list[tuple[str, int]]:
    """(user, status) of every case of a test parametrized with `user, …, status`."""
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
    return [(case[0], case[-1]) for case in mark.args[1]]
