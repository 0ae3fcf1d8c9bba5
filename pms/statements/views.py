"""Statement pages: the PDF of a bill and of a receipt for browser sessions (linked from the bill
and account pages), and a building's statements of a period as one PDF for the print room
(preview first, then the PDF)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from pms.core import clock, periods
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.forms import form_spec, handles, load_query, remember_refusal
from pms.core.pdf import pdf_response
from pms.estates import services as estates
from pms.statements import credit_notes, notices, permissions, receipts, services
from pms.statements.printing import file_stem
from pms.statements.schemas import BuildingPrintConfirmSchema, BuildingPrintSchema, NoticesFormSchema

bp = Blueprint("statements", __name__)

PRINT_FORM = form_spec("print", {"estate": _l("Estate"), "period": _l("Period"), "building": _l("Building")})


@bp.get("/bills/<number>/statement.pdf")
@login_required
def bill_statement(number):
    """The statement PDF of one bill in scope (session cookie)."""
    principal, session = require_principal(), get_session()
    bill = services.get_statement_bill(session, principal, number)
    return pdf_response(services.statement_pdf(session, bill, mask_owners=services.owners_masked_for(principal),
                                               issued_by=principal.username), f"{bill.number}.pdf")


@bp.get("/receipts/<number>.pdf")
@login_required
def receipt_pdf(number):
    """A receipt's PDF (session cookie): the desk's print link and the account pages' lists."""
    principal, session = require_principal(), get_session()
    receipt = receipts.get_receipt(session, principal, number)
    return pdf_response(receipts.receipt_pdf(session, receipt, mask_owners=services.owners_masked_for(principal),
                                             issued_by=principal.username), f"{receipt.number}.pdf")


def _print_page():
    principal, session = require_principal(), get_session()
    permissions.ensure(principal, "statement.print")
    args, status = load_query(PRINT_FORM, BuildingPrintSchema())
    preview = None
    if status == 200 and all(args.values()):
        estate = services.get_print_estate(session, principal, args["estate"])
        try:
            preview = services.building_print(session, estate, args["period"], args["building"])["cover"]
        except Invalid as err:  # e.g. no bills there: said beside the building, the choice kept
            status = remember_refusal(PRINT_FORM, err, request.args)
    options = [(code, f"{name} ({code})") for code, name in estates.estate_choices(session, principal)]
    return render_template("statements/print.html", preview=preview, estate_options=options,
                           period=args["period"] or periods.period_of(clock.today())), status


@bp.get("/statements/print")
@login_required
def print_page():
    """Choose an estate, period and building; see how many statements and what they add up to."""
    return _print_page()


@bp.post("/statements/print")
@login_required
@handles(PRINT_FORM, _print_page)
def print_building():
    """The confirmed print: the building's statements as one PDF (cover page first)."""
    principal, session = require_principal(), get_session()
    args = load_data(BuildingPrintConfirmSchema(), request.form.to_dict())
    estate = services.get_print_estate(session, principal, args["estate"])
    data = services.building_print(session, estate, args["period"], args["building"])
    return pdf_response(services.building_print_pdf(data),
                        f"{file_stem(estate.code, args['period'], args['building'])}.pdf")


@bp.post("/estates/<code>/arrears/notices")
@login_required
def arrears_notices(code):
    """The arrears page's button: the notices as one PDF; a demand recorded per room."""
    principal, session = require_principal(), get_session()
    data = load_data(NoticesFormSchema(), request.form.to_dict())
    found, _recorded = notices.issue_notices(session, principal, code, building=data["building"])
    return pdf_response(notices.notices_pdf(session, found, issued_by=principal.username), notices.file_name(found))


@bp.get("/credit-notes/<number>.pdf")
@login_required
def credit_note(number):
    """A credit note's PDF (session cookie), linked from the room account pages."""
    principal, session = require_principal(), get_session()
    note = credit_notes.get_credit_note(session, principal, number)
    return pdf_response(credit_notes.credit_note_pdf(session, note, issued_by=principal.username), f"{number}.pdf")
