"""Visit pages: the care worker's (and manager's) today, the resident's visits, check-in, check-out,
the elder's confirmation, and the missed check-in alerts."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pms.accounts.services import display_names
from pms.core import clock
from pms.core.api import load_data
from pms.core.auth import RESIDENT, login_required, require_principal
from pms.core.db import get_session
from pms.core.forms import handles, load_query
from pms.eldercare.services import alerts, elders, household, may, visits
from pms.eldercare.views import _forms as f

bp = Blueprint("eldercare", __name__)
# A day's cards on one page: a care worker has a dozen; an estate's manager filters by worker.
PAGE_LIMIT = 200


def _today_page():
    """Today's visits: a care worker's own (and unassigned ones), all of the estates for a manager."""
    principal, session = require_principal(), get_session()
    args, status = load_query(f.TODAY_FORM, f.TodayQuerySchema())
    mine, day = may(principal, "visit.check"), clock.today()
    found = visits.list_visits(session, principal, day, mine=mine, worker=args["worker"] or None,
                               limit=PAGE_LIMIT + 1)
    rows = visits.visit_views(session, found[:PAGE_LIMIT])
    workers = [] if mine else visits.workers_of_day(session, principal, day)
    names = display_names(session, workers + [v.worker for v in rows])
    return render_template("eldercare/today.html", visits=rows, more=len(found) > PAGE_LIMIT, names=names,
                           worker=args["worker"],
                           worker_options=[("", _("All care workers"))] + [(w, names.get(w, w)) for w in workers],
                           mine=mine, may_check=mine, may_confirm=may(principal, "visit.confirm"),
                           outcomes=visits.OUTCOMES, day=day), status

MY_UPCOMING, MY_PAST = 6, 5


def _my_page():
    """The resident's elders: their upcoming and past visits, a confirmation form where due."""
    principal, session = require_principal(), get_session()
    found, _total = elders.list_elders(session, principal, limit=20)
    ids = [e.id for e in found]
    # A phone page: the next few visits and the last few (a week of daily visits made it 60
    # screens long); every visit is on the elder's own page, linked from here.
    coming = visits.visits_of_elders(session, principal, ids, upcoming=True, limit=MY_UPCOMING)
    upcoming = visits.visit_views(session, coming)
    past = visits.visit_views(session, visits.visits_of_elders(session, principal, ids, upcoming=False,
                                                               limit=MY_PAST))
    names = display_names(session, [v.worker for v in upcoming + past])
    return render_template("eldercare/my.html", elders=found, upcoming=upcoming, past=past, names=names,
                           **household_context(session, principal, ids, coming))


def household_context(session, principal, elder_ids, coming) -> dict:
    """The household page's forms: booking choices per elder, own bookings to cancel, rating."""
    return {"service_options": household.service_options(session, principal, elder_ids),
            "own_bookings": household.own_bookings(principal, coming), "book_from": clock.today(),
            "may_book": may(principal, "visit.book"), "may_rate": may(principal, "visit.rate")}


def _visit_page(**_kwargs):
    """Where a visit's form came from: a resident's own page, else today."""
    return _my_page() if require_principal().role == RESIDENT else _today_page()


def _back():
    return redirect(url_for("eldercare.my" if require_principal().role == RESIDENT else "eldercare.today"))


@bp.get("/eldercare/today")
@login_required
def today():
    """Today's visits in time order, with one-tap check-in, check-out and confirmation."""
    if require_principal().role == RESIDENT:
        return redirect(url_for("eldercare.my"))
    return _today_page()


@bp.get("/eldercare/my")
@login_required
def my():
    """A resident's (the elder's or family's) visits of the elders of their rooms."""
    if require_principal().role != RESIDENT:
        abort(403)
    return _my_page()


def _by_id(visit_id):
    return visit_id


@bp.post("/eldercare/visits/<int:visit_id>/check-in")
@login_required
@handles(f.CHECK_IN_FORM, _visit_page, instance=_by_id)
def check_in(visit_id):
    """Check in now; with the home code verified, without it recorded unverified."""
    principal, session = require_principal(), get_session()
    visit = visits.get_visit(session, principal, visit_id, for_update=True)
    data = load_data(f.CheckInFormSchema(), request.form.to_dict())
    visits.check_in(session, principal, visit, data["home_code"] or None)
    if visit.verified:
        flash(_("Checked in at %(time)s, verified with the home code.", time=visits.local_time(visit.checked_in_at)),
              "success")
    else:
        flash(_("Checked in at %(time)s without a matching home code: the visit is recorded as unverified.",
                time=visits.local_time(visit.checked_in_at)), "warning")
    return _back()


@bp.post("/eldercare/visits/<int:visit_id>/check-out")
@login_required
@handles(f.CHECK_OUT_FORM, _visit_page, instance=_by_id)
def check_out(visit_id):
    """Check out now with the outcome and a note."""
    principal, session = require_principal(), get_session()
    visit = visits.get_visit(session, principal, visit_id, for_update=True)
    data = load_data(f.CheckOutFormSchema(), request.form.to_dict())
    visits.check_out(session, principal, visit, data["outcome"], data["note"])
    flash(_("Checked out at %(time)s. Now hand the phone to the elder to confirm with their PIN.",
            time=visits.local_time(visit.checked_out_at)), "success")
    return _back()


@bp.post("/eldercare/visits/<int:visit_id>/confirmation")
@login_required
@handles(f.CONFIRM_FORM, _visit_page, instance=_by_id)
def confirm(visit_id):
    """The elder's (or family's) confirmation with the PIN; five wrong PINs lock it."""
    principal, session = require_principal(), get_session()
    visit = visits.get_visit(session, principal, visit_id, for_update=True)
    data = load_data(f.ConfirmationFormSchema(), request.form.to_dict())
    try:
        visits.confirm(session, principal, visit, data["pin"].strip())
    except visits.WrongPin:
        session.commit()  # the wrong try counts, although the refusal rolls the rest back (as the API)
        raise
    flash(_("Visit confirmed. Thank you."), "success")
    return _back()


def _alerts_page():
    principal, session = require_principal(), get_session()
    args, status = load_query(f.ALERTS_FORM, f.AlertQuerySchema())
    rows = alerts.list_alerts(session, principal, open_only=args["open"])
    names = display_names(session, [a["acknowledged_by"] for a in rows])
    return render_template("eldercare/alerts.html", alerts=rows, open_only=args["open"], names=names,
                           may_ack=may(principal, "alert.acknowledge")), status


@bp.get("/eldercare/alerts")
@login_required
def alert_list():
    """Missed check-in alerts (open ones first), each acknowledged with what was found."""
    return _alerts_page()


@bp.post("/eldercare/alerts/<int:alert_id>/acknowledgement")
@login_required
@handles(f.ACK_FORM, _alerts_page, instance=lambda alert_id: alert_id, page_args=lambda alert_id: {})
def acknowledge(alert_id):
    """Record who acknowledged the alert, when and what they found."""
    data = load_data(f.AcknowledgeFormSchema(), request.form.to_dict())
    alerts.acknowledge(get_session(), require_principal(), alert_id, data["finding"])
    flash(_("Alert acknowledged."), "success")
    return redirect(url_for("eldercare.alert_list"))
