"""Who may do what in elder care: one table, read by the elder-care services (never by views).

Admin always may; what a role may see stays limited by its scope (`core.auth.scoped`: a foreign
elder or visit answers 404 before any 403). Auditors only read. Two conditions sit beside the
table and are checked by the services: a care worker checks in and out only the visits assigned
to them (an unassigned visit is taken by the first care worker who checks in), and residents act
only for the elders of their own rooms (scope). The role × resource tests read this table too
(tests/eldercare/test_permissions.py).
"""
from __future__ import annotations

from flask_babel import gettext as _

from pms.core.auth import (AUDITOR, CARE_WORKER, FINANCE, MANAGER, OFFICER, RESIDENT, TECHNICIAN,
                           Permissions, Principal)

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Registering an elder, reprinting the home card, care plans.
    "elder.register": (CARE_WORKER, MANAGER),
    "elder.home_code": (CARE_WORKER, MANAGER),
    # The elder's record without health notes and contacts, and the allowances that apply:
    # finance bills the services, technicians enter the home, auditors check the claims.
    "elder.read": (MANAGER, FINANCE, TECHNICIAN, CARE_WORKER, RESIDENT, AUDITOR, OFFICER),
    # Health notes and emergency contacts: the people who care for the elder and the resident
    # accounts of the elder's room (the elder and their family) — never finance, technicians,
    # auditors; other residents never see the elder at all (scope).
    "elder.read_private": (CARE_WORKER, MANAGER, RESIDENT),
    # The company's catalogue: managers keep it; everyone of the company may read it.
    "service.write": (MANAGER,),
    "service.read": (MANAGER, FINANCE, TECHNICIAN, CARE_WORKER, RESIDENT, AUDITOR, OFFICER),
    "plan.write": (CARE_WORKER, MANAGER),
    # Visits: residents book for the elders of their rooms, staff who care for them for anyone.
    "visit.book": (CARE_WORKER, MANAGER, RESIDENT),
    "visit.read": (MANAGER, FINANCE, CARE_WORKER, RESIDENT, AUDITOR, OFFICER),
    "visit.cancel": (CARE_WORKER, MANAGER, RESIDENT),
    # Check-in and check-out: the assigned care worker only (ASSIGNED_ONLY_ROLES).
    "visit.check": (CARE_WORKER,),
    # The elder's confirmation: typed by the elder or family on their phone, or on the worker's
    # phone handed to the elder (the PIN is the proof, not the account).
    "visit.confirm": (CARE_WORKER, RESIDENT),
    # Rating a delivered visit: the elder's household only (staff do not rate their own work).
    "visit.rate": (RESIDENT,),
    # Settings (grace period, the daily check-in window) and the safety alerts.
    "settings.write": (MANAGER,),
    "alert.acknowledge": (MANAGER, CARE_WORKER),
    "alert.read": (MANAGER, CARE_WORKER, AUDITOR, OFFICER),
    # Emergency calls (紧急呼叫): the staff who answer them log and answer them; auditors read.
    "call.log": (CARE_WORKER, MANAGER),
    "call.respond": (CARE_WORKER, MANAGER),
    "call.read": (MANAGER, CARE_WORKER, AUDITOR, OFFICER),
    # The monthly figures of an estate (visits, alerts, calls).
    "kpi.read": (MANAGER, CARE_WORKER, AUDITOR, OFFICER),
}

# Roles that check in/out only the visits assigned to them.
ASSIGNED_ONLY_ROLES = (CARE_WORKER,)
# The role whose accounts may be assigned to visits and plans.
WORKER_ROLE = CARE_WORKER
# Managers receive the safety alerts.
ALERTED_ROLES = (MANAGER,)


_permissions = Permissions(PERMISSIONS, message=lambda: _("Your role may not do this."))
may = _permissions.may
ensure = _permissions.ensure


def only_assigned(principal: Principal) -> bool:
    return principal.role in ASSIGNED_ONLY_ROLES



