"""Who may do what with subsidy programmes: one table, read by the subsidies services (never by
views).

Admin always may (`core.auth.Permissions`): the platform, i.e. `pms programs create|allocate`, the
demo and jobs (`core.auth.system_principal`). What a role may see stays limited by its scope,
checked by the services (`services.programs.visible`): an officer or auditor their district's
programmes, staff those of the districts of their company's estates; anything else answers 404.
Residents have no programmes (403). The role × resource tests read this table too
(tests/subsidies/test_permissions.py, tests/subsidies/test_matrix.py).
"""
from __future__ import annotations

from flask_babel import gettext as _

from pms.core.auth import ADMIN, AUDITOR, FINANCE, MANAGER, OFFICER, STAFF_ROLES, Permissions

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Register a programme: an officer for their own district; whoever may choose the district
    # (the platform) for any.
    "program.create": (OFFICER,),
    "program.choose_district": (ADMIN,),
    # Read programmes with their budget, allocated and unallocated totals (scope: see above).
    "program.read": (OFFICER, AUDITOR, *STAFF_ROLES),
    # The programmes pages (/programs): the district's desk, read-only for auditors.
    "program.browse": (OFFICER, AUDITOR),
    # Set part of a programme's budget aside for an estate of its district.
    "allocation.create": (OFFICER,),
    # Claims: the property company builds and submits them from its evidence (scope: its own
    # estates); officers and auditors read every claim of their district.
    "claim.create": (MANAGER, FINANCE),
    "claim.submit": (MANAGER, FINANCE),
    "claim.read": (MANAGER, FINANCE, OFFICER, AUDITOR),
    # The programme's side: review line by line, record payments (never the approver: four eyes,
    # checked by the service), recover money found unjustified.
    "claim.review": (OFFICER,),
    "claim.disburse": (OFFICER,),
    "claim.clawback": (OFFICER,),
    # Accept an anomaly finding as explained (with a reason): the officer who reviews.
    "finding.dismiss": (OFFICER,),
}

# The roles the programme pages offer their forms to (the platform allocates by CLI or API; the
# pages stay read-only for it as for auditors).
DESK_ROLES = (OFFICER,)


_permissions = Permissions(PERMISSIONS, message=lambda: _("Your role may not do this."))
may = _permissions.may
ensure = _permissions.ensure
