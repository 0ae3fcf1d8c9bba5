"""Billing pages: an estate's fee plans (and uploading one), billing runs, bills, a resident's bills."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pms.accounts.services import display_names
from pms.billing.services import bills, plans, runs
from pms.billing.schemas.accounts import BILL_LIST_SORT_KEYS, BillsPageQuerySchema
from pms.billing.schemas.bills import BillingRunRequestSchema, RunPageQuerySchema
from pms.core import clock, periods
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.forms import form_spec, handles, load_query
from pms.core.money import format_fen
from pms.core.pagination import Page
from pms.core.sorting import sort_rows
from pms.estates import services as estates
from pms.statements import services as statements

bp = Blueprint("billing", __name__)


FEE_PLAN_FORM = form_spec("fee-plan", {"document": _l("Fee plan document (JSON)")}, files=("document",))
RUN_FORM = form_spec("billing-run", {"estate": _l("Estate"), "period": _l("Period")})
RUN_LIST_FORM = form_spec("billing-runs", {"estate": _l("Estate"), "period": _l("Period"), "page": _l("Page")})
# A month of a company's estates is hundreds of runs: the page shows them 50 at a time.
RUNS_PER_PAGE = 50


def _fees_page(code):
    principal, session = require_principal(), get_session()
    estate = estates.get_estate(session, principal, code)
    plans.ensure_may_read(principal)
    views = plans.describe_plans(session, estate, periods.period_of(clock.today()))
    return render_template("billing/plans.html", estate=estate, plans=views,
                           may_upload=plans.may_load(principal),
                           names=display_names(session, [v.created_by for v in views]))


@bp.get("/estates/<code>/fees")
@login_required
def fees(code):
    """The estate's fee plans in plain words, and which periods each applies to."""
    return _fees_page(code)


@bp.post("/estates/<code>/fees")
@login_required
@handles(FEE_PLAN_FORM, _fees_page)
def upload_fees(code):
    """Load a fee plan document uploaded as a JSON file (manager)."""
    principal, session = require_principal(), get_session()
    estate = estates.get_estate(session, principal, code)
    plans.ensure_may_load(principal)
    upload = request.files.get("document")
    try:
        payload = json.loads((upload.read() if upload else b"").decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        raise Invalid(_("Choose a fee plan file in JSON format."),
                      fields={"document": [_("Choose a fee plan file in JSON format.")]}) from None
    try:
        applied = plans.apply_fee_plan(session, estate, payload, actor=principal.username)
    except Invalid as err:
        # The paths are places inside the uploaded document (what its author must fix there).
        raise Invalid(err.message, fields={"document": [f"{path}: {' '.join(map(str, msgs))}"
                                                        for path, msgs in err.fields.items()]}) from err
    flash(_("The fee plan from %(period)s is loaded.", period=applied.plan.effective_from), "success")
    for warning in applied.warnings:
        flash(_("In the document, %(field)s: %(message)s", field=warning.field, message=warning.message), "warning")
    return redirect(url_for("billing.fees", code=estate.code), 303)


def _runs_page(preview=None):
    principal, session = require_principal(), get_session()
    args, status = load_query(RUN_LIST_FORM, RunPageQuerySchema())
    estate = estates.get_estate(session, principal, args["estate"]) if args.get("estate") else None
    items, total = bills.run_page(session, principal, estate=estate, period=args.get("period"),
                                  limit=RUNS_PER_PAGE, offset=(args["page"] - 1) * RUNS_PER_PAGE)
    may_run = runs.may_run(principal)
    choices = estates.estate_choices(session, principal)
    options = [(code, f"{name} ({code})") for code, name in choices] if may_run else []
    return render_template("billing/runs.html", runs=items, may_run=may_run, preview=preview, estate_options=options,
                           estates=choices, args=args, filtered=bool(args.get("estate") or args.get("period")),
                           page=Page(number=args["page"], per_page=RUNS_PER_PAGE, total=total),
                           may_print=statements.may_print(principal),
                           names=display_names(session, [r.triggered_by for r in items]),
                           current=periods.period_of(clock.today())), status


@bp.get("/billing/runs")
@login_required
def run_list():
    """Billing runs in scope with their totals, newest period first, 50 a page, by estate or period;
    a form to run a period."""
    return _runs_page()


@bp.post("/billing/runs")
@login_required
@handles(RUN_FORM, _runs_page)
def run_period():
    """Bill one estate for one period (finance, manager): first a preview of what would be issued;
    only the confirmed form (confirm=yes, same estate and period) issues the bills."""
    principal, session = require_principal(), get_session()
    runs.ensure_may_run(principal)
    form = load_data(BillingRunRequestSchema(), {k: request.form.get(k, "").strip() for k in ("estate", "period")})
    estate = estates.get_estate(session, principal, form["estate"])
    if request.form.get("confirm") != "yes":
        return _runs_page(preview=runs.preview_billing(session, estate, form["period"]))
    result = runs.run_billing(session, estate, form["period"], triggered_by=principal.username)
    if result.created:
        flash(_("%(estate)s %(period)s: %(n)d bills issued, total %(total)s.", estate=estate.code,
                period=result.period, n=result.bills_created, total=format_fen(result.total_fen)), "success")
    else:
        flash(_("%(estate)s %(period)s was already billed; nothing was issued.", estate=estate.code,
                period=result.period), "warning")
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
