"""Print-run pages: choose what to print (kind, estate or one building, period or dates), see how
many buildings and documents and their total, confirm; then the run's page with its progress bar
(polled every 2 s) and, once done, a download link per building, served from storage."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from pms.core import clock, periods
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.forms import form_spec, handles, remember_refusal
from pms.core.pdf import pdf_response
from pms.estates import services as estates
from pms.statements import print_runs
from pms.statements.schemas import PrintRunFormSchema, PrintRunStateSchema

bp = Blueprint("print_runs", __name__)

RUN_FORM = form_spec("print_run", {"kind": _l("What to print"), "estate": _l("Estate"), "building": _l("Building"),
                                   "period": _l("Period"), "from": _l("Receipts issued from"),
                                   "to": _l("Receipts issued up to")})
KINDS = {"statements": _l("Fee statements"), "receipts": _l("Receipts"), "notices": _l("Arrears notices")}


def _runs_page():
    principal, session = require_principal(), get_session()
    print_runs.ensure_may_request(principal)
    preview, status = None, 200
    if request.args.get("kind"):
        try:
            args = load_data(PrintRunFormSchema(), request.args.to_dict())
            preview = print_runs.preview(session, principal, args)
        except Invalid as err:
            status = remember_refusal(RUN_FORM, err, request.args)
    today = clock.today()
    options = [(code, f"{name} ({code})") for code, name in estates.estate_choices(session, principal)]
    recent = print_runs.recent_runs(session, principal)
    return render_template("statements/print_runs.html", preview=preview, estate_options=options,
                           kinds=KINDS, recent=recent, period=periods.period_of(today),
                           first_of_month=today.replace(day=1).isoformat(), today=today.isoformat()), status


@bp.get("/statements/print-runs")
@login_required
def runs_page():
    """Choose a print run and see what it would print (the confirmation step)."""
    return _runs_page()


@bp.post("/statements/print-runs")
@login_required
@handles(RUN_FORM, _runs_page)
def request_run():
    """The confirmed run: queued for the scheduler; on to its progress page."""
    principal, session = require_principal(), get_session()
    args = load_data(PrintRunFormSchema(), request.form.to_dict())
    run = print_runs.request_run(session, principal, args)
    return redirect(url_for("print_runs.run_page", run_id=run.id), code=303)


@bp.get("/statements/print-runs/<int:run_id>")
@login_required
def run_page(run_id):
    """A run's progress and, once done, its files."""
    principal, session = require_principal(), get_session()
    run = print_runs.get_run(session, principal, run_id)
    return render_template("statements/print_run.html", run=print_runs.run_state(run), kinds=KINDS,
                           estate=print_runs.estate_of(session, run),
                           keep_days=current_app.config["PRINT_RUN_KEEP_DAYS"])


@bp.get("/statements/print-runs/<int:run_id>/state")
@login_required
def run_state(run_id):
    """The progress page's poll: the run's state as JSON."""
    principal, session = require_principal(), get_session()
    run = print_runs.get_run(session, principal, run_id)
    return jsonify(PrintRunStateSchema().dump(print_runs.run_state(run)))


@bp.get("/statements/print-runs/<int:run_id>/files/<name>")
@login_required
def run_file(run_id, name):
    """One building's PDF of a finished run, from storage."""
    principal, session = require_principal(), get_session()
    run = print_runs.get_run(session, principal, run_id)
    return pdf_response(print_runs.read_file(run, name), name)
