"""Who may do what in billing: one table, read by the billing services (never by views).

Admin always may (`core.auth.Permissions`); what a role may see stays limited by its scope
(`core.auth.scoped`, `get_in_scope`: a foreign room or estate answers 404 before any 403).
Technicians and care workers have no billing at all. The role × resource tests read this table
too (tests/billing/matrix.py).
"""
from __future__ import annotations

from pms.core.auth import AUDITOR, FINANCE, MANAGER, OFFICER, RESIDENT, Permissions
from pms.core.auth import has_own_rooms  # noqa: F401  (one rule in core; services ask it here)

# The front desk (finance) and its manager move money; auditors and residents only read.
MONEY = (FINANCE, MANAGER)

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Fee plans: loading a plan document is the manager's; finance and auditors read them.
    "fee_plan.load": (MANAGER,),
    "fee_plan.read": (FINANCE, MANAGER, AUDITOR, OFFICER),
    # Billing runs.
    "run.create": MONEY,
    "run.read": (FINANCE, MANAGER, AUDITOR, OFFICER),
    # Bills and a room's account: residents too (their own rooms, by scope).
    "bill.read": (FINANCE, MANAGER, AUDITOR, OFFICER, RESIDENT),
    "account.read": (FINANCE, MANAGER, AUDITOR, OFFICER, RESIDENT),
    # Money on a room's account.
    "payment.record": MONEY,
    "payment.reverse": MONEY,
    "credit_note.issue": MONEY,
    "late_fee.settle": MONEY,
    "late_fee.reverse": MONEY,
    "demand.record": MONEY,
    # Lists over an estate.
    "arrears.read": (FINANCE, MANAGER, AUDITOR, OFFICER),
    "collection.read": (FINANCE, MANAGER, AUDITOR, OFFICER),
}


_permissions = Permissions(PERMISSIONS)
may = _permissions.may
ensure = _permissions.ensure
