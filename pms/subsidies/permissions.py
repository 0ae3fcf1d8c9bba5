"""Who may do what with subsidy programmes: one table, read by the subsidies services (never by
views).

Admin always may (`core.auth.ensure_role`). Programmes are public district data: reading one
refuses nobody, so it has no row. Registering one is the platform's today (`pms programs create`
runs as `core.auth.system_principal`); the subsidies issue adds its own role and actions here.
"""
from __future__ import annotations

from pms.core.auth import AUDITOR, FINANCE, MANAGER, Principal, can_write, ensure_role

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Register a programme of a district: no role but admin (the platform).
    "program.create": (),
    # Claims: the property company builds and submits them from its evidence (scope: its own
    # estates); auditors read every claim of their district.
    "claim.create": (MANAGER, FINANCE),
    "claim.submit": (MANAGER, FINANCE),
    "claim.read": (MANAGER, FINANCE, AUDITOR),
}


def ensure(principal: Principal, action: str) -> None:
    """403 unless the principal's role may do `action`."""
    ensure_role(principal, *PERMISSIONS[action])


def may(principal: Principal, action: str) -> bool:
    """Whether the principal's role may do `action` (admin always may)."""
    return can_write(principal, *PERMISSIONS[action])
