"""In-app notifications API: `GET /api/v1/notifications`, `POST /api/v1/notifications/{id}/read`."""
from __future__ import annotations

from flask import Blueprint

from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.core.openapi import documented
from pms.notifications import schemas as s
from pms.notifications import services

bp = Blueprint("notifications_api", __name__)
TAG = "maintenance"  # the tag the endpoints had in the OpenAPI document before they moved here


@bp.get("/notifications")
@documented(summary="Your in-app notifications, newest first", response=s.NotificationListSchema, tag=TAG)
def list_notifications():
    """The caller's notifications."""
    principal, session = require_principal(), get_session()
    return s.NotificationListSchema().dump({
        "items": services.list_for_user(session, principal.user_id),
        "unread": services.unread_count(session, principal.user_id)})


@bp.post("/notifications/<int:notification_id>/read")
@documented(summary="Mark one of your notifications read", tag=TAG)
def read_notification(notification_id):
    """Mark read (404 for someone else's)."""
    principal, session = require_principal(), get_session()
    services.mark_read(session, principal.user_id, notification_id)
    return {"ok": True}
