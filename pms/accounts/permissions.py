"""Who may do what with other people's accounts: one table, read by the accounts services (never by
views).

Admin always may (`core.auth.Permissions`). Everyone manages their own account (password,
sessions, tokens). Which accounts a manager looks after is `accounts.managing.may_manage`'s (the
staff of their company and the residents of its estates); anyone else's answers 404.
The role × resource tests read this table too (tests/accounts/test_permissions.py).
"""
from __future__ import annotations

from pms.core.auth import ADMIN, MANAGER, Permissions

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # The users page: list, unlock, disable and enable the accounts one looks after.
    "users.manage": (MANAGER,),
    # … every account of the platform, not only those of one's company.
    "users.manage_any": (ADMIN,),
}


_permissions = Permissions(PERMISSIONS)
may = _permissions.may
ensure = _permissions.ensure
