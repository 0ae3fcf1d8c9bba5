"""Elder pages: the list with search, registration (the home code shown once), the elder's page."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from pms.accounts.services import display_names
from pms.core import clock
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Forbidden, Invalid
from pms.core.forms import handles, load_query
from pms.eldercare import rules
from pms.eldercare.schemas import ElderCreateSchema
from pms.eldercare.services import alerts, calls, elders, may, plans, visits
from pms.eldercare.views import _forms as f

bp = Blueprint("elders", __name__)
# The home code is shown once: no browser or proxy cache keeps the page that shows it.
NO_STORE = {"Cache-Control": "no-store"}

@bp.get("/eldercare/elders")
@login_required
def elder_list():
    """Elders in scope, searched by name or room."""
    principal, session = require_principal(), get_session()
    args, status = load_query(f.SEARCH_FORM, f.ElderSearchSchema())
    rows, total = elders.list_elders(session, principal, search=args["q"], limit=100)
    return render_template("eldercare/elders.html", elders=rows, total=total, q=args["q"],
                           may_register=may(principal, "elder.register"), hardships=elders.hardship_names()), status


def _register_page():
    hardships = elders.hardship_names()
    return render_template("eldercare/register.html", rows=range(f.CONTACT_ROWS),
                           hardship_options=[("", _("None"))] + [(c, hardships[c]) for c in rules.HARDSHIPS])


@bp.get("/eldercare/elders/new")
@login_required
def new_elder():
    """The registration form (care workers, managers)."""
    if not may(require_principal(), "elder.register"):
        raise Forbidden(_("Your role may not do this."))
    return _register_page()


@bp.post("/eldercare/elders")
@login_required
@handles(f.ELDER_FORM, _register_page)
def register():
    """Register the elder; the page shows the home code once, to print on the card."""
    principal, session = require_principal(), get_session()
    payload, rows = f.elder_payload(request.form)
    try:
        data = load_data(ElderCreateSchema(), payload)
        elder, code = elders.register_elder(session, principal, **data)
    except Invalid as err:
        err.fields = f.contact_fields(err.fields or {}, rows)
        raise
    view = elders.elder_view(session, principal, elder, home_code=code)
    return render_template("eldercare/registered.html", elder=view), 201, NO_STORE


@bp.get("/eldercare/elders/<int:elder_id>")
@login_required
def elder_page(elder_id):
    """The elder: details, today's allowances, care plans, visits, open alerts, recent emergency
    calls; private fields by role."""
    principal, session = require_principal(), get_session()
    elder = elders.get_elder(session, principal, elder_id)
    view = elders.elder_view(session, principal, elder)
    may_visits = may(principal, "visit.read")
    care_plans = plans.plans_of(session, principal, elder) if may_visits else []
    upcoming = (visits.visit_views(session, visits.visits_of_elders(session, principal, [elder.id], upcoming=True))
                if may_visits else [])
    past = (visits.visit_views(session, visits.visits_of_elders(session, principal, [elder.id], upcoming=False))
            if may_visits else [])
    open_alerts = (alerts.list_alerts(session, principal, elder_id=elder.id)
                   if may(principal, "alert.read") else [])
    recent_calls = (calls.call_rows(session, principal, elder_id=elder.id, limit=10)
                    if may(principal, "call.read") else [])
    names = display_names(session, [v.worker for v in upcoming + past] + [view.consent["by"]])
    return render_template("eldercare/elder.html", elder=view, eligibility=elders.eligibility(elder, clock.today()),
                           plans=plans.plan_rows(session, care_plans), upcoming=upcoming, past=past,
                           alerts=open_alerts, names=names, hardships=elders.hardship_names(),
                           calls=recent_calls, may_log_call=may(principal, "call.log"),
                           may_visits=may_visits, may_reprint=may(principal, "elder.home_code"))


@bp.post("/eldercare/elders/<int:elder_id>/home-code")
@login_required
def reprint_home_code(elder_id):
    """A new home code for a reprinted card (shown once); the old one stops working at once."""
    principal, session = require_principal(), get_session()
    elder = elders.get_elder(session, principal, elder_id, for_update=True)
    code, _issued_at = elders.reissue_home_code(session, principal, elder)
    view = elders.elder_view(session, principal, elder, home_code=code)
    return render_template("eldercare/registered.html", elder=view, reprinted=True), 201, NO_STORE
