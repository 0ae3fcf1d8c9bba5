"""The caller's in-app notifications page (`/maintenance/notifications`; the URL predates this package).

The page keeps the repairs look: maintenance's banners (planned works) and its navigation."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.forms import form_spec, handles
from pms.maintenance.services import works
from pms.notifications import services

bp = Blueprint("notifications", __name__)


@bp.get("/maintenance/notifications")
@login_required
def notification_list():
    """The caller's in-app notifications."""
    principal, session = require_principal(), get_session()
    return render_template("notifications/inbox.html", banners=works.banners_for(session, principal),
                           items=services.list_for_user(session, principal.user_id, limit=100))


READ_FORM = form_spec("notifications-read", {})


@bp.post("/maintenance/notifications/read")
@login_required
@handles(READ_FORM, lambda: notification_list())
def notifications_read():
    """Mark every notification read."""
    principal, session = require_principal(), get_session()
    services.mark_all_read(session, principal.user_id)
    return redirect(url_for(".notification_list"))
