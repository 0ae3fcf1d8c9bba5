"""Who may read the auditor's portal: one table, read by the reports services (never by views).

Admin always may (the platform: it names the district). Auditors and officers read their own
district's portal; another district answers 404. Nobody writes here: the portal only reads, and
the seal it prints is the system's act (`core.audit.seal`), not the reader's.
"""
from __future__ import annotations

from flask_babel import gettext as _

from pms.core.auth import AUDITOR, OFFICER, Permissions

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # The district's overview, its drill-down rows, exports, audit reports and the read-only API.
    "portal.read": (AUDITOR, OFFICER),
}

_permissions = Permissions(PERMISSIONS, message=lambda: _("Only auditors and programme officers read the portal."))
may = _permissions.may
ensure = _permissions.ensure
