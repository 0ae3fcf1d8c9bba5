"""Print runs API: request a run (queued for the scheduler), follow it, download its files."""
from __future__ import annotations

from flask import Blueprint

from pms.core.api import load_body
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.core.openapi import documented
from pms.core.pdf import pdf_response
from pms.statements import print_runs
from pms.statements.schemas import PrintRunSchema, PrintRunStateSchema

bp = Blueprint("print_runs_api", __name__)


@bp.post("/print-runs")
@documented(summary="Request a print run: statements of a period, receipts issued in a date range (`from`, "
                    "`to`) or today's arrears notices, of an estate or one building, one PDF per building in "
                    "room order; queued for the scheduler (202). Notices runs record a written demand per room "
                    "once their PDF is stored. Finance and managers of the estate's company; nothing to print 422",
            body=PrintRunSchema, response=PrintRunStateSchema, status=202, tag="statements")
def request_run():
    """Queue a print run."""
    principal, session = require_principal(), get_session()
    run = print_runs.request_run(session, principal, load_body(PrintRunSchema()))
    return PrintRunStateSchema().dump(print_runs.run_state(run, with_files=False)), 202


@bp.get("/print-runs/<int:run_id>")
@documented(summary="A print run: status (queued, running, done, failed), progress (buildings_done of "
                    "buildings_total, percent) and, once done, its files", response=PrintRunStateSchema,
            tag="statements")
def get_run(run_id):
    """The run's state."""
    principal, session = require_principal(), get_session()
    return PrintRunStateSchema().dump(print_runs.run_state(print_runs.get_run(session, principal, run_id)))


@bp.get("/print-runs/<int:run_id>/files/<name>")
@documented(summary="One building's PDF of a print run (a name from its `files`)",
            content_type="application/pdf", tag="statements")
def run_file(run_id, name):
    """A file of the run, from storage."""
    principal, session = require_principal(), get_session()
    run = print_runs.get_run(session, principal, run_id)
    return pdf_response(print_runs.read_file(run, name), name)
