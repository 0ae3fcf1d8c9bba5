"""SLA breach alerts: one per ticket and deadline, to the estate's managers (in-app + outbox)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import and_, or_, select

from pms.accounts.models import User
from pms.core import clock, notifications
from pms.core import messages as stored
from pms.core.auth import MANAGER
from pms.core.db import insert_ignoring_conflicts
from pms.estates.models import Estate
from pms.maintenance import messages as msg
from pms.maintenance import rules
from pms.maintenance.models import Ticket, TicketAlert


def check_sla(session, *, now: Optional[datetime] = None) -> int:
    """Alert managers about every newly breached deadline; returns how many alerts were new.

    A response is late when the request is still 'submitted' after respond_by; a resolution when
    it is still open after resolve_by. UNIQUE (ticket, kind) makes repeated runs send nothing twice.
    """
    now = now or clock.now()
    late = session.execute(
        select(Ticket.id, Ticket.estate_id, Ticket.status, Ticket.respond_by, Ticket.resolve_by)
        .where(or_(and_(Ticket.status == "submitted", Ticket.respond_by < now),
                   and_(Ticket.status.in_(rules.OPEN_STATUSES), Ticket.resolve_by < now)))
        .order_by(Ticket.id)).all()
    rows = []
    for ticket_id, estate_id, status, respond_by, resolve_by in late:
        if status == "submitted" and respond_by < now:
            rows.append(dict(ticket_id=ticket_id, estate_id=estate_id, kind="respond_breach", created_at=now))
        if resolve_by < now:
            rows.append(dict(ticket_id=ticket_id, estate_id=estate_id, kind="resolve_breach", created_at=now))
    new_ids = insert_ignoring_conflicts(session, TicketAlert, rows, ("ticket_id", "kind", "estate_id"),
                                        returning=TicketAlert.id)
    if not new_ids:
        return 0
    alerts = session.execute(select(TicketAlert, Ticket, Estate)
                             .join(Ticket, Ticket.id == TicketAlert.ticket_id)
                             .join(Estate, Estate.id == Ticket.estate_id)
                             .where(TicketAlert.id.in_(new_ids)).order_by(TicketAlert.id)).all()
    companies = {estate.company_id for _a, _t, estate in alerts}
    managers: dict[int, list[User]] = {}
    for user in session.scalars(select(User).where(User.role == MANAGER, User.is_active.is_(True),
                                                   User.company_id.in_(sorted(companies)))):
        managers.setdefault(user.company_id, []).append(user)
    messages, outbox = [], []
    for alert, ticket, estate in alerts:
        deadline = ticket.respond_by if alert.kind == "respond_breach" else ticket.resolve_by
        params = {"what": alert.kind, "id": ticket.id, "place": ticket.location_label,
                  "category": ticket.category, "urgency": ticket.urgency, "deadline": stored.stamp(deadline)}
        # The outbox is sent as written: in the service's language, whoever's job ran the check.
        with stored.in_service_language():
            title = stored.render(msg.SLA_BREACH, params)
            body = stored.render(msg.SLA_BREACH, params, part="body")
        for user in managers.get(estate.company_id, []):
            messages.append(notifications.Message(recipient_user_id=user.id, kind="sla_breach", title=title,
                                                  body=body, message=msg.SLA_BREACH, params=params,
                                                  link=f"/maintenance/tickets/{ticket.id}", estate_id=estate.id))
            outbox.append(notifications.OutboxItem(subject=title, body=body, recipient_user_id=user.id,
                                                   channel="email", estate_id=estate.id))
    notifications.notify(session, messages, now=now)
    notifications.enqueue(session, outbox, now=now)
    return len(new_ids)
