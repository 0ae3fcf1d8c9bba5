"""The manager's outbox page: messages that failed or wait for a retry, with a retry button."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pms.core.api import load_args
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.forms import form_spec, handles
from pms.core.pagination import Page
from pms.notifications import schemas as s
from pms.notifications import services
from pms.notifications.permissions import ensure

bp = Blueprint("outbox", __name__)
PER_PAGE = 30
ATTENTION = ("failed", "retrying")


@bp.get("/outbox")
@login_required
def outbox():
    """Outgoing messages of the manager's estates; by default those that failed or will be retried."""
    principal, session = require_principal(), get_session()
    ensure(principal, "outbox.list")
    args = load_args(s.OutboxPageArgsSchema())
    statuses = ATTENTION if args["status"] == "attention" else (args["status"],)
    items, total = services.list_messages(session, principal, statuses=statuses, limit=PER_PAGE,
                                          offset=(args["page"] - 1) * PER_PAGE)
    return render_template("notifications/outbox.html", items=items, status=args["status"],
                           counts=services.status_counts(session, principal),
                           page=Page(args["page"], PER_PAGE, total),
                           waiting_sms=services.count_waiting_sms(session, principal),
                           mail_configured=bool(current_app.config.get("SMTP_URL")))


RETRY_FORM = form_spec("retry", {})


@bp.post("/outbox/<int:message_id>/retry")
@login_required
@handles(RETRY_FORM, lambda: outbox(), instance=lambda message_id: message_id, page_args=lambda message_id: {})
def retry(message_id):
    """Requeue one failed or retrying e-mail."""
    principal, session = require_principal(), get_session()
    services.retry_message(session, principal, message_id)
    flash(_("Message %(id)d is queued again; the sender will try it within a minute.", id=message_id), "success")
    status = request.form.get("status", "attention")
    return redirect(url_for(".outbox", status=status if status in ("attention", *services.STATUSES) else None))
