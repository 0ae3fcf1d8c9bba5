"""Elder-care operations pages: emergency calls (log a call, the open and all calls with their
response time, record the response) and an estate's monthly figures with the 12 months' chart."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pms.accounts.services import display_names
from pms.core import clock, periods
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Forbidden
from pms.core.forms import handles, load_query
from pms.eldercare.services import calls, elders, kpis, may
from pms.eldercare.views import _forms as f
from pms.estates import services as estates

bp = Blueprint("eldercare_ops", __name__)
# The elders offered in the call form's drop-down (by room); the elder's page links with ?elder=.
ELDER_OPTIONS = 500


def _calls_page(**_kwargs):
    principal, session = require_principal(), get_session()
    args, status = load_query(f.CALLS_FORM, f.CallsQuerySchema())
    rows = calls.call_rows(session, principal, open_only=args["open"])
    may_log = may(principal, "call.log")
    options = []
    if may_log:
        found, _total = elders.list_elders(session, principal, limit=ELDER_OPTIONS)
        options = [(e.id, f"{e.room} {e.name}") for e in found]
        if args["elder"] and all(e.id != args["elder"] for e in found):
            chosen = elders.get_elder(session, principal, args["elder"])  # someone else's: 404
            options.insert(0, (chosen.id, chosen.name))
    names = display_names(session, [c["received_by"] for c in rows] + [c["responder"] for c in rows if c["responder"]])
    return render_template("eldercare/calls.html", calls=rows, open_only=args["open"], elder=args["elder"],
                           elder_options=options, names=names, may_log=may_log,
                           may_respond=may(principal, "call.respond")), status


@bp.get("/eldercare/calls")
@login_required
def call_list():
    """Emergency calls: log one, the open ones (`?open=false`: all) with the response time, respond."""
    return _calls_page()


@bp.post("/eldercare/calls")
@login_required
@handles(f.CALL_FORM, _calls_page)
def log_call():
    """Log a call received now."""
    principal, session = require_principal(), get_session()
    data = load_data(f.CallFormSchema(), request.form.to_dict())
    elder = elders.elder_for_input(session, principal, data["elder"])
    call = calls.log_call(session, principal, elder, data["notes"])
    flash(_("Emergency call logged at %(time)s. Record the response when it is done.",
            time=clock.now().astimezone(clock.timezone()).strftime("%H:%M")), "success")
    return redirect(url_for("eldercare_ops.call_list") + f"#call-{call.id}")


@bp.post("/eldercare/calls/<int:call_id>/response")
@login_required
@handles(f.RESPONSE_FORM, _calls_page, instance=lambda call_id: call_id, page_args=lambda call_id: {})
def respond(call_id):
    """Record the response now (once)."""
    principal, session = require_principal(), get_session()
    data = load_data(f.CallResponseFormSchema(), request.form.to_dict())
    call = calls.respond(session, principal, call_id, data["outcome"], data["notes"])
    flash(_("Response recorded: %(minutes)s minutes after the call.",
            minutes=calls.response_minutes(call.received_at, call.responded_at)), "success")
    return redirect(url_for("eldercare_ops.call_list"))


@bp.get("/eldercare/kpis")
@login_required
def kpi_page():
    """An estate's figures of a month and the 12 months' planned vs delivered visits."""
    principal, session = require_principal(), get_session()
    if not may(principal, "kpi.read"):
        raise Forbidden(_("Your role may not do this."))
    args, status = load_query(f.KPI_FORM, f.CareKpiQuerySchema())
    options = estates.estate_choices(session, principal)
    month = args["month"] or periods.period_of(clock.today())
    code = args["estate"] or (options[0][0] if options else "")
    figures = None
    if code:
        estate = estates.get_estate(session, principal, code)  # someone else's: 404
        figures = kpis.estate_month(session, principal, estate, month)
    return render_template("eldercare/kpis.html", figures=figures, estate=code, month=month,
                           estate_options=options), status
