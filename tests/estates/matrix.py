"""Who sees what in the test world (tests/conftest.py `world`): the one matrix every estate test reads.

What each role may do comes from the domain's own table (`pms/estates/permissions.py`), so adding
a role is one edit there; where it may do it (which estates and rooms) is this matrix."""
from pms.estates.permissions import PERMISSIONS
from tests.permission_matrix import ROLE, may_by

ALL = ["admin", "manager", "finance", "tech", "carer", "resident", "auditor",
       "other_manager", "other_resident", "other_auditor", "officer", "other_officer"]

# Which estates each user sees.
ESTATES = {
    "admin": {"YJL", "HXY"}, "manager": {"YJL"}, "finance": {"YJL"}, "tech": {"YJL"},
    "carer": {"YJL"}, "resident": {"YJL"}, "auditor": {"YJL"}, "other_manager": {"HXY"},
    "other_resident": {"HXY"}, "other_auditor": {"HXY"}, "officer": {"YJL"}, "other_officer": {"HXY"},
}
# Which rooms each user may open.
ROOMS = {
    "admin": {"YJL-3-2-501", "YJL-3-2-502", "HXY-1-1-101"},
    "manager": {"YJL-3-2-501", "YJL-3-2-502"}, "finance": {"YJL-3-2-501", "YJL-3-2-502"},
    "tech": {"YJL-3-2-501", "YJL-3-2-502"}, "carer": {"YJL-3-2-501", "YJL-3-2-502"},
    "resident": {"YJL-3-2-501"}, "auditor": {"YJL-3-2-501", "YJL-3-2-502"},
    "other_manager": {"HXY-1-1-101"}, "other_resident": {"HXY-1-1-101"},
    "other_auditor": {"HXY-1-1-101"}, "officer": {"YJL-3-2-501", "YJL-3-2-502"},
    "other_officer": {"HXY-1-1-101"},
}


def may(user: str, action: str) -> bool:
    """Whether the user's role may do `action` by this domain's table."""
    return may_by(PERMISSIONS, user, action)


def users_who_may(action: str, among=ALL) -> list[str]:
    return [u for u in among if may(u, action)]


def users_who_may_not(action: str, among=ALL) -> list[str]:
    return [u for u in among if not may(u, action)]
