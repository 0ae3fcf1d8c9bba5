"""Billing pages: an estate's fee plans (and uploading one), billing runs, bills, a resident's bills."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from pms.accounts.services import display_names
from pms.billing.services import bills, plans, runs
from pms.billing.schemas.accounts import BILL_LIST_SORT_KEYS, BillsPageQuerySchema
from pms.billing.schemas.bills import BillingRunRequestSchema
from pms.core import clock, periods
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.money import format_fen
from pms.core.sorting import sort_rows
from pms.estates import services as estates

bp = Blueprint("billing", __name__)


def _fees_page(estate, errors=None, status=200):
    principal, session = require_principal(), get_session()
    views = plans.describe_plans(session, estate, periods.period_of(clock.today()))
    return render_template("billing/plans.html", estate=estate, plans=views, errors=errors or {},
                           may_upload=plans.may_load(principal),
                           names=display_names(session, [v.created_by for v in views])), status


@bp.get("/estates/<code>/fees")
@login_required
def fees(code):
    """The estate's fee plans in plain words, and which periods each applies to."""
    principal, session = require_principal(), get_session()
    estate = estates.get_estate(session, principal, code)
    plans.ensure_may_read(principal)
    return _fees_page(estate)


@bp.post("/estates/<code>/fees")
@login_required
def upload_fees(code):
    """Load a fee plan document uploaded as a JSON file (manager)."""
    principal, session = require_principal(), get_session()
    estate = estates.get_estate(session, principal, code)
    plans.ensure_may_load(principal)
    upload = request.files.get("document")
    try:
        payload = json.loads((upload.read() if upload else b"").decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return _fees_page(estate, {"document": [_("Choose a fee plan file in JSON format.")]}, 422)
    try:
        applied = plans.apply_fee_plan(session, estate, payload, actor=principal.username)
    except Invalid as err:
        return _fees_page(estate, err.fields, 422)
    flash(_("The fee plan from %(period)s is loaded.", period=applied.plan.effective_from))
    for warning in applied.warnings:
        flash(_("Warning: %(field)s: %(message)s", field=warning.field, message=warning.message))
    return redirect(url_for("billing.fees", code=estate.code), 303)


@bp.get("/billing/runs")
@login_required
def run_list():
    """Every billing run in scope with its totals; a form to run a period."""
    principal, session = require_principal(), get_session()
    items = bills.list_runs(session, principal)
    may_run = runs.may_run(principal)
    return render_template("billing/runs.html", runs=items, may_run=may_run,
                           names=display_names(session, [r.triggered_by for r in items]),
                           estates=estates.list_estates(session, principal) if may_run else [],
                           current=periods.period_of(clock.today()))


@bp.post("/billing/runs")
@login_required
def run_period():
    """Bill one estate for one period (finance, manager)."""
    principal, session = require_principal(), get_session()
    runs.ensure_may_run(principal)
    try:
        form = BillingRunRequestSchema().load({k: request.form.get(k, "") for k in ("estate", "period")})
    except ValidationError:
        flash(_("Choose an estate and a period (YYYY-MM)."))
        return redirect(url_for("billing.run_list"), 303)
    estate = estates.get_estate(session, principal, form["estate"])
    try:
        result = runs.run_billing(session, estate, form["period"], triggered_by=principal.username)
    except Invalid as err:
        flash(" ".join([err.message] + [m for ms in err.fields.values() for m in ms]))
        return redirect(url_for("billing.run_list"), 303)
    if result.created:
        flash(_("%(estate)s %(period)s: %(n)d bills issued, total %(total)s.", estate=estate.code,
                period=result.period, n=result.bills_created, total=format_fen(result.total_fen)))
    else:
        flash(_("%(estate)s %(period)s was already billed; nothing was issued.", estate=estate.code,
                period=result.period))
    return redirect(url_for("billing.run_list"), 303)


@bp.get("/bills/<number>")
@login_required
def bill_detail(number):
    """One bill with its lines and their basis."""
    bill = bills.get_bill(get_session(), require_principal(), number)
    return render_template("billing/bills_detail.html", bill=bill)


@bp.get("/rooms/<code>/bills")
@login_required
def room_bills(code):
    """A room's bills."""
    principal, session = require_principal(), get_session()
    args = load_data(BillsPageQuerySchema(), request.args.to_dict())
    room = estates.get_room(session, principal, code)
    rows = sort_rows(bills.bills_of_rooms(session, principal, [room]), args["sort"], BILL_LIST_SORT_KEYS)
    return render_template("billing/bills.html", bills=rows, room=room, sort=args["sort"])


@bp.get("/my/bills")
@login_required
def my_bills():
    """A resident's bills for all their rooms (phone first)."""
    args = load_data(BillsPageQuerySchema(), request.args.to_dict())
    own = sort_rows(bills.bills_of_own_rooms(get_session(), require_principal()), args["sort"],
                    BILL_LIST_SORT_KEYS)
    return render_template("billing/bills.html", bills=own, room=None, sort=args["sort"])
