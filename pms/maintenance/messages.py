"""Maintenance's stored messages (ticket history, SLA and planned-works notifications): keys and
their templates, rendered in the reader's language (see pms.core.messages)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pms.core.messages import define, label, local_time, money
from pms.maintenance import rules

COST_KINDS = {"material": _l("Materials"), "labour": _l("Labour")}
SLA_PARTS = {"respond_breach": _l("response"), "resolve_breach": _l("resolution")}

# Ticket history: generated entries (a person's own note is stored as typed, without a key).
FILED_BY_PHONE = define("maintenance.ticket.filed_by_phone", _l("Filed by phone call"))
MARKED_COMPLAINT = define("maintenance.ticket.complaint_marked", _l("Marked as a complaint"))
UNMARKED_COMPLAINT = define("maintenance.ticket.complaint_unmarked", _l("No longer a complaint"))
PHOTOS_ADDED = define("maintenance.ticket.photos_added", _l("%(n)d photo(s) added"))
REASSIGNED = define("maintenance.ticket.reassigned", _l("Reassigned to %(name)s"))
COST_ADDED = define("maintenance.ticket.cost_added", _l("%(kind)s: %(description)s ×%(quantity)d"),
                    kind=label(COST_KINDS))
COST_REMOVED = define("maintenance.ticket.cost_removed",
                      _l("Cost line removed: %(kind)s, %(description)s ×%(quantity)d"), kind=label(COST_KINDS))
PAYER_SET = define("maintenance.ticket.payer_set", _l("Payer: %(payer)s, %(amount)s"),
                   payer=label(rules.PAYERS), amount=money)
RATED = define("maintenance.ticket.rated", _l("Rated %(rating)d/5 %(comment)s"))

# Notifications.
SLA_BREACH = define(
    "maintenance.sla_breach", _l("SLA breached: %(what)s of request #%(id)d (%(place)s)"),
    body=_l("%(category)s, %(urgency)s, due %(deadline)s (Beijing time)."),
    what=label(SLA_PARTS), category=label(rules.CATEGORIES), urgency=label(rules.URGENCIES),
    deadline=local_time)
PLANNED_WORK = define(
    "maintenance.planned_work", _l("%(service)s off at %(place)s"),
    body=_l("%(title)s: from %(start)s to %(end)s. %(note)s"),
    service=label(rules.SERVICES), start=local_time, end=local_time)
