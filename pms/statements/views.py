"""Statement pages: the PDF of a bill for browser sessions (linked from the bill pages)."""
from __future__ import annotations

from flask import Blueprint

from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.pdf import pdf_response
from pms.statements import services

bp = Blueprint("statements", __name__)


@bp.get("/bills/<number>/statement.pdf")
@login_required
def bill_statement(number):
    """The statement PDF of one bill in scope (session cookie)."""
    principal, session = require_principal(), get_session()
    bill = services.get_statement_bill(session, principal, number)
    return pdf_response(services.statement_pdf(session, bill), f"{bill.number}.pdf")
