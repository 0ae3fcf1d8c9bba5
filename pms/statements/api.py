"""Statements API: a bill's statement as a PDF."""
from __future__ import annotations

from flask import Blueprint

from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.core.pdf import pdf_response
from pms.statements import services

bp = Blueprint("statements_api", __name__)


@bp.get("/bills/<number>/statement.pdf")
@documented(summary="A bill's statement (对账单) as a PDF; residents: own rooms only",
            content_type="application/pdf", tag="statements")
def bill_statement(number):
    """The statement PDF of one bill in scope."""
    principal, session = require_principal(), get_session()
    bill = services.get_statement_bill(session, principal, number)
    return pdf_response(services.statement_pdf(session, bill), f"{bill.number}.pdf")
