"""Outbox API for managers: `GET /api/v1/outbox?status=failed`, `POST /api/v1/outbox/{id}/retry`."""
from __future__ import annotations

from flask import Blueprint

from pms.core.api import load_args
from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.notifications import schemas as s
from pms.notifications import services
from pms.notifications.permissions import ensure

bp = Blueprint("outbox_api", __name__)
TAG = "outbox"


@bp.get("/outbox")
@documented(summary="Outgoing messages of your company's estates, newest first (managers)",
            query=s.OutboxQuerySchema, response=s.OutboxListSchema, tag=TAG)
def list_outbox():
    """The outbox in the caller's scope, optionally one status (e.g. failed)."""
    principal, session = require_principal(), get_session()
    ensure(principal, "outbox.list")  # the role first: a finance clerk's bad query is still 403
    args = load_args(s.OutboxQuerySchema())
    items, total = services.list_messages(session, principal, statuses=[args["status"]] if args.get("status") else (),
                                          limit=args["limit"], offset=args["offset"])
    return s.OutboxListSchema().dump({"items": items, "total": total, "limit": args["limit"],
                                      "offset": args["offset"]})


@bp.post("/outbox/<int:id>/retry")
@documented(summary="Requeue a failed or retrying e-mail: sent at the sender's next run (managers)",
            response=s.OutboxMessageSchema, tag=TAG)
def retry(id):
    """Requeue one message (409 when it was sent or is being sent)."""
    principal, session = require_principal(), get_session()
    return s.OutboxMessageSchema().dump(services.retry_message(session, principal, id))
