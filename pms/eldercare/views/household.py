"""The household's actions on `/eldercare/my` (the elder or family on their phone): book a visit
for an elder of their rooms, cancel their own planned booking, rate a delivered visit; and the
elder's monthly service statement (PDF). Each goes through the same service as the API."""
from __future__ import annotations

from flask import Blueprint, flash, request
from flask_babel import gettext as _

from pms.core import clock, periods
from pms.core.api import load_args, load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.forms import handles
from pms.core.pdf import pdf_response
from pms.eldercare.services import elders, ratings, statements, visits
from pms.eldercare.views import _forms as f
from pms.eldercare.views.visits import _back, _visit_page

bp = Blueprint("household", __name__)


def _elder_key(elder_id):
    return elder_id


def _visit_key(visit_id):
    return visit_id


@bp.post("/eldercare/elders/<int:elder_id>/visits")
@login_required
@handles(f.BOOK_FORM, _visit_page, instance=_elder_key)
def book(elder_id):
    """Book a one-off visit for an elder of one's rooms (service, day, window)."""
    principal, session = require_principal(), get_session()
    elder = elders.get_elder(session, principal, elder_id)  # someone else's elder: 404
    data = load_data(f.BookingFormSchema(), {**request.form.to_dict(), "elder": elder.id})
    visit = visits.book_visit(session, principal, **data)
    flash(_("Booked for %(day)s, %(start)s–%(end)s. The property office will assign a care worker.",
            day=visit.date.isoformat(), start=visits.local_time(visit.starts_at),
            end=visits.local_time(visit.ends_at)), "success")
    return _back()


@bp.post("/eldercare/visits/<int:visit_id>/cancellation")
@login_required
@handles(f.CANCEL_FORM, _visit_page, instance=_visit_key)
def cancel(visit_id):
    """Cancel a visit not yet checked in (the cancellation service of the API)."""
    principal, session = require_principal(), get_session()
    visit = visits.get_visit(session, principal, visit_id, for_update=True)
    visits.cancel(session, principal, visit)
    flash(_("The visit is cancelled."), "success")
    return _back()


@bp.post("/eldercare/visits/<int:visit_id>/rating")
@login_required
@handles(f.RATE_FORM, _visit_page, instance=_visit_key)
def rate(visit_id):
    """Rate a delivered visit once: 1–5 stars and an optional comment."""
    principal, session = require_principal(), get_session()
    data = load_data(f.RatingFormSchema(), request.form.to_dict())
    visit = visits.get_visit(session, principal, visit_id, for_update=True)
    ratings.rate(session, principal, visit, **data)
    flash(_("Thank you for your rating."), "success")
    return _back()


@bp.get("/eldercare/elders/<int:elder_id>/statement.pdf")
@login_required
def statement(elder_id):
    """The elder's visits delivered in `?month=YYYY-MM` (default this month) with prices, the
    subsidy part and the household's part, as PDF; someone else's elder: 404."""
    principal, session = require_principal(), get_session()
    elder = elders.get_elder(session, principal, elder_id)
    args = load_args(f.StatementQuerySchema())
    month = args["month"] or periods.period_of(clock.today())
    data = statements.statement(session, principal, elder, month)
    return pdf_response(statements.statement_pdf(data), f"care-{data['room']}-{month}.pdf")
