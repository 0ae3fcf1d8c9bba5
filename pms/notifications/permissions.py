"""Who may do what with the outbox (admin always may: `core.auth.ensure_role`)."""
from __future__ import annotations

from pms.core.auth import MANAGER, Principal, ensure_role

# Finance, technicians, care workers, residents and auditors answer 403: the outbox holds
# messages to other people (their addresses, what was said to them).
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "outbox.list": (MANAGER,),
    "outbox.retry": (MANAGER,),
}


def ensure(principal: Principal, action: str) -> None:
    """403 unless the principal's role may do `action`."""
    ensure_role(principal, *PERMISSIONS[action])


def may(principal: Principal, action: str) -> bool:
    return principal.role == "admin" or principal.role in PERMISSIONS[action]
