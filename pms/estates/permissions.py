"""Who may do what in estates: one table, read by the estates services (never by views).

Admin always may (`core.auth.Permissions`); what a role may see stays limited by its scope
(`core.auth.scoped`), and some actions add a condition the services check (the company).
The role × resource tests read this table too (tests/estates/matrix.py).
"""
from __future__ import annotations

from pms.core.auth import (ADMIN, CARE_WORKER, FINANCE, MANAGER, RESIDENT, STAFF_ROLES, TECHNICIAN,
                           Permissions)

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Upload the estate register (page and `pms registry import` as the platform): a manager
    # imports for their own company; whoever may choose the company imports for any.
    "registry.import": (MANAGER,),
    "registry.choose_company": (ADMIN,),
    # ID numbers unmasked (条例 Art. 65): the owning company's staff …
    "id_numbers.unmasked": STAFF_ROLES,
    # … or every company's.
    "id_numbers.unmasked_any_company": (ADMIN,),
    # Phone numbers unmasked; everyone else (auditors) sees '139****5678' and searches only that.
    "phones.unmasked": (MANAGER, FINANCE, TECHNICIAN, CARE_WORKER, RESIDENT),
}


_permissions = Permissions(PERMISSIONS)
may = _permissions.may
ensure = _permissions.ensure
