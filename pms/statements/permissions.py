"""Who may do what with statements: one table, read by the statements services (never by views).

Admin always may (`core.auth.Permissions`); a foreign bill answers 404 before any 403
(`core.auth.get_in_scope`). CLI print runs (`pms statements print`, ...) are the platform's.
The role × resource tests read this table too (tests/statements/test_permissions.py).
"""
from __future__ import annotations

from pms.core.auth import AUDITOR, CARE_WORKER, FINANCE, MANAGER, OFFICER, RESIDENT, TECHNICIAN, Permissions

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # A bill's statement: billing readers (residents: their own rooms, by scope). Technicians
    # and care workers have no billing access.
    "statement.read": (MANAGER, FINANCE, RESIDENT, AUDITOR, OFFICER),
    # One building's statements of a period as one PDF from the web (the print room's button).
    "statement.print": (MANAGER, FINANCE),
    # Print runs from the web (statements, receipts, arrears notices of an estate or a building,
    # one PDF per building, worked by the scheduler): the company's desk and managers — the ones
    # who may record the demands a notices run records.
    "print_run.request": (MANAGER, FINANCE),
    # Receipts (收据) of payments and late-fee payments, and reversal notes: the company's desk
    # and managers, the resident of the room, auditors and officers of the district (by scope).
    "receipt.read": (MANAGER, FINANCE, RESIDENT, AUDITOR, OFFICER),
    # The annual public notice (公示, 条例 Art. 70) once published: everyone of the estate — its
    # residents, the company's staff, the district's auditors and officers (by scope).
    "public_notice.read": (MANAGER, FINANCE, TECHNICIAN, CARE_WORKER, RESIDENT, AUDITOR, OFFICER),
    # Its live figures before publishing, and publishing a version (a document of record).
    "public_notice.publish": (MANAGER, FINANCE),
}


_permissions = Permissions(PERMISSIONS)
may = _permissions.may
ensure = _permissions.ensure
