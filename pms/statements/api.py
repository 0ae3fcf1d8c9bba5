"""Statements API: a bill's statement, arrears notices and receipts as PDFs; a room's receipts."""
from __future__ import annotations

from flask import Blueprint

from pms.core.api import load_body
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.core.openapi import documented
from pms.core.pdf import pdf_response
from pms.statements import credit_notes, notices, receipts, services
from pms.statements.schemas import NoticesSchema, ReceiptListSchema

bp = Blueprint("statements_api", __name__)


@bp.get("/bills/<number>/statement.pdf")
@documented(summary="A bill's statement (对账单) as a PDF; residents: own rooms only",
            content_type="application/pdf", tag="statements")
def bill_statement(number):
    """The statement PDF of one bill in scope."""
    principal, session = require_principal(), get_session()
    bill = services.get_statement_bill(session, principal, number)
    return pdf_response(services.statement_pdf(session, bill, mask_owners=services.owners_masked_for(principal),
                                               issued_by=principal.username), f"{bill.number}.pdf")


@bp.post("/estates/<estate>/arrears/notices")
@documented(summary="Arrears notices (催缴通知书) of an estate or one building as one PDF, a page per room in "
                    "arrears; records a written demand (method `notice`) per room, none twice a day "
                    "(finance, manager); nobody in arrears 409",
            body=NoticesSchema, content_type="application/pdf", tag="statements")
def arrears_notices(estate):
    """Print the notices and record the demands."""
    principal, session = require_principal(), get_session()
    data = load_body(NoticesSchema())
    found, _recorded = notices.issue_notices(session, principal, estate, building=data["building"])
    return pdf_response(notices.notices_pdf(session, found, issued_by=principal.username), notices.file_name(found))


@bp.get("/credit-notes/<number>.pdf")
@documented(summary="A credit note (红字冲减) as a PDF: the bill, the credit per line, the reason; residents: "
                    "own rooms only", content_type="application/pdf", tag="statements")
def credit_note(number):
    """The credit note's document."""
    principal, session = require_principal(), get_session()
    note = credit_notes.get_credit_note(session, principal, number)
    return pdf_response(credit_notes.credit_note_pdf(session, note, issued_by=principal.username), f"{number}.pdf")


@bp.get("/receipts/<number>.pdf")
@documented(summary="A receipt (收据) or reversal note as a PDF (one A4 page); a receipt whose payment was "
                    "reversed is stamped void with its reversal note's number. Staff of the company, auditors "
                    "and officers of the district, residents: their own rooms only (another room: 404)",
            content_type="application/pdf", tag="statements")
def receipt_pdf(number):
    """The PDF of one receipt in scope."""
    principal, session = require_principal(), get_session()
    receipt = receipts.get_receipt(session, principal, number)
    return pdf_response(receipts.receipt_pdf(session, receipt, mask_owners=services.owners_masked_for(principal),
                                             issued_by=principal.username), f"{receipt.number}.pdf")


@bp.get("/rooms/<room>/receipts")
@documented(summary="A room's receipts and reversal notes, newest first (number, kind, amount_fen, issued_at, "
                    "void); who may: as for a receipt's PDF", response=ReceiptListSchema, tag="statements")
def room_receipts(room):
    """The receipts of one room in scope."""
    principal, session = require_principal(), get_session()
    return ReceiptListSchema().dump({"room": room, "items": receipts.list_room_receipts(session, principal, room)})
