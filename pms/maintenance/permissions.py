"""Who may do what in maintenance: one table, read by the maintenance services (never by views).

Admin always may; what a role may see stays limited by its scope (`core.auth.scoped`,
`tickets.visible`: a foreign ticket answers 404 before any 403). Auditors only read: they appear
in no write action (tests/maintenance/test_permissions.py checks it). Some actions add a
condition the services check: a technician works only the tickets assigned to them, a resident
acts on the tickets they may see. The role × resource tests read this table too.
"""
from __future__ import annotations

from flask_babel import gettext as _

from pms.core.auth import (AUDITOR, CARE_WORKER, FINANCE, MANAGER, OFFICER, RESIDENT, STAFF_ROLES,
                           TECHNICIAN, Permissions, Principal)
from pms.core.auth import has_own_rooms  # noqa: F401  (one rule in core; services ask it here)

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Filing a repair request: residents for themselves, any staff on a resident's behalf.
    "ticket.file": (*STAFF_ROLES, RESIDENT),
    # Moving a ticket in its workflow, by the status it moves to (rules.TRANSITIONS says which
    # moves exist). A technician moves only the tickets assigned to them (taking one is allowed).
    "ticket.move.accepted": (MANAGER,),
    "ticket.move.assigned": (MANAGER, TECHNICIAN),
    "ticket.move.in_progress": (MANAGER, TECHNICIAN),
    "ticket.move.resolved": (MANAGER, TECHNICIAN),
    "ticket.move.closed": (RESIDENT, MANAGER),
    "ticket.move.reopened": (RESIDENT,),
    "ticket.move.cancelled": (RESIDENT,),
    # Assigning a technician, flagging complaints, the estate's SLA.
    "ticket.assign": (MANAGER,),
    "ticket.flag_complaint": (MANAGER,),
    "sla.set": (MANAGER,),
    # Notes, payer and costs on a ticket: managers and the assigned technician.
    "ticket.work": (MANAGER, TECHNICIAN),
    # Removing a cost line added by mistake (audited): managers any line, the assigned technician
    # only the lines they entered.
    "ticket.cost.remove": (MANAGER, TECHNICIAN),
    # Rating finished work (效果共评).
    "ticket.rate": (RESIDENT,),
    "photo.add": (*STAFF_ROLES, RESIDENT),
    # Landing page: the queue of the estates in scope (technicians land on their tasks,
    # residents on their own requests).
    "queue.home": (MANAGER, AUDITOR, OFFICER, FINANCE, CARE_WORKER),
    "kpis.read": (MANAGER, AUDITOR, OFFICER),
    # Elevators and their work orders, renovation projects, planned works.
    "elevator.register": (MANAGER,),
    "work_order.complete": (MANAGER, TECHNICIAN),
    # An elevator's special-equipment inspection certificate (immutable; elevator subsidies stand on it).
    "certificate.record": (MANAGER, TECHNICIAN),
    "renovation.create": (MANAGER,),
    "planned_work.create": (MANAGER,),
    "planned_work.cancel": (MANAGER,),
}

# Roles that work a ticket only when it is assigned to them (and may only take it themselves).
ASSIGNED_ONLY_ROLES = (TECHNICIAN,)


_permissions = Permissions(PERMISSIONS, message=lambda: _("Your role may not do this."))
may = _permissions.may
ensure = _permissions.ensure


def only_assigned(principal: Principal) -> bool:
    """Whether the principal works only the tickets assigned to them (technicians)."""
    return principal.role in ASSIGNED_ONLY_ROLES

