"""Who may do what with the outbox (admin always may: `core.auth.Permissions`)."""
from __future__ import annotations

from pms.core.auth import MANAGER, Permissions

# Finance, technicians, care workers, residents and auditors answer 403: the outbox holds
# messages to other people (their addresses, what was said to them).
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "outbox.list": (MANAGER,),
    "outbox.retry": (MANAGER,),
}


_permissions = Permissions(PERMISSIONS)
may = _permissions.may
ensure = _permissions.ensure
