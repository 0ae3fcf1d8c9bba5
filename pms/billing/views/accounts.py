"""Pages: a room's account (front desk: payments, reversals, demands), the resident's account on
the phone, the arrears list with exports, collection rates."""
from __future__ import annotations

import uuid

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pms.accounts.services import display_names
from pms.billing.services import (accounts, arrears, collection, credit_notes, late_fee_settlements, payments,
                                  receipts)
from pms.billing.models.payments import CHANNELS, DEMAND_METHODS
from pms.billing.services.arrears import XLSX_MIMETYPE
from pms.billing.schemas.accounts import (ARREARS_SORT_KEYS, BILL_SORT_KEYS, COLLECTION_SORT_KEYS, AccountPageQuerySchema, ArrearsPageQuerySchema,
                                          CollectionPageQuerySchema, CreditNoteFormSchema, LateFeeSettlementFormSchema, DemandFormSchema,
                                          PaymentFormSchema, ReversalFormSchema)
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.clock import today
from pms.core.db import get_session
from pms.core.forms import form_spec, handles, load_query
from pms.core.sorting import sort_rows
from pms.core.money import format_fen
from pms.estates import services as estates
from pms.estates.models import Room

bp = Blueprint("payments", __name__)

# The account page's forms (labels as the page shows them; the summary names fields by these).
AS_OF_FORM = form_spec("account-as-of", {"as_of": _l("Show the account as of")})
PAYMENT_FORM = form_spec("payment", {"amount": _l("Amount (yuan)"), "channel": _l("Channel"),
                                     "reference": _l("Reference (receipt or transfer number)")},
                         aliases={"amount_fen": "amount"})
LATE_FEE_FORM = form_spec("late-fees", {"kind": _l("Settled by"), "amount": _l("Late charges (yuan)"),
                                        "channel": _l("Channel (when paid)"),
                                        "reason": _l("Reason (required when waived)")},
                          aliases={"amount_fen": "amount"})
LATE_REVERSAL_FORM = form_spec("late-reversal", {"reason": _l("Reason for the reversal")})
CREDIT_NOTE_FORM = form_spec("credit-note", {"amount": _l("Amount to credit (yuan)"), "reason": _l("Reason")},
                             aliases={"amount_fen": "amount"})
REVERSAL_FORM = form_spec("reversal", {"reason": _l("Reason for the reversal")})
ARREARS_FORM = form_spec("arrears", {"building": _l("Building"), "as_of": _l("As of")})
COLLECTION_FORM = form_spec("collection", {"estate": _l("Estate"), "period": _l("Period"), "building": _l("Building")})
DEMAND_FORM = form_spec("demand", {"demanded_on": _l("Date"), "method": _l("Method"), "note": _l("Note")})


def _account_page(code: str):
    principal, session = require_principal(), get_session()
    args, status = load_query(AS_OF_FORM, AccountPageQuerySchema())
    room = accounts.get_room_for_billing(session, principal, code)
    account = accounts.room_account(session, room, args["as_of"] or today(), recent_payments=50)
    account.bills = sort_rows(account.bills, args["sort"], BILL_SORT_KEYS)
    demands = arrears.list_demands(session, room.id)
    notes = credit_notes.credit_notes_of_room(session, room.id)
    settlements = late_fee_settlements.settlements_of_room(session, room.id)
    room_receipts = receipts.receipts_of_room(session, room.id)
    # Just after a payment the desk lands here with its receipt: offer to print it (this room's only).
    print_receipt = next((r for r in room_receipts if r.number == args["receipt"]), None)
    names = display_names(session, [p.recorded_by for p in account.payments]
                          + [d.recorded_by for d in demands] + [n.issued_by for n in notes]
                          + [r.recorded_by for r in settlements])
    context = dict(account=account, room=estates.room_view(session, principal, room),
                   demands=demands, credit_notes=notes, late_fee_settlements=settlements, names=names,
                   receipts=room_receipts, print_receipt=print_receipt,
                   sort=args["sort"],
                   may_pay=payments.may_record(principal), channels=CHANNELS,
                   methods=DEMAND_METHODS, idempotency_key=uuid.uuid4().hex)
    return render_template("billing/account.html", **context), status


def _payment_room(payment_id):
    return {"code": _room_code(get_session(), payments.get_payment(get_session(), require_principal(),
                                                                   payment_id).room_id)}


def _credit_room(number):
    bill = credit_notes.get_bill_for_credit(get_session(), require_principal(), number)
    return {"code": _room_code(get_session(), bill.room_id)}


def _settlement_room(settlement_id):
    return {"code": late_fee_settlements.room_code_of(get_session(), require_principal(), settlement_id)}


@bp.get("/rooms/<code>/account")
@login_required
def room_account(code):
    """A room's account as of a day, with the front desk's forms."""
    return _account_page(code)


@bp.post("/rooms/<code>/payments")
@login_required
@handles(PAYMENT_FORM, _account_page)
def record_payment(code):
    """The front desk records a payment (amount in yuan)."""
    data = load_data(PaymentFormSchema(), request.form.to_dict())
    result = payments.record_payment(get_session(), require_principal(), room_code=code,
                                     amount_fen=data["amount_fen"], channel=data["channel"],
                                     reference=data["reference"], idempotency_key=data["idempotency_key"])
    flash(_("Payment %(id)s recorded: %(paid)s paid on bills, %(prepaid)s kept as prepayment.",
            id=result.id, paid=format_fen(sum(a.amount_fen for a in result.allocations)),
            prepaid=format_fen(result.prepaid_fen)), "success")
    return redirect(_after_money(code, result.receipt))


def _after_money(code: str, receipt: str) -> str:
    """Back to the account; with the receipt just issued, at its print link."""
    if receipt:
        return url_for("payments.room_account", code=code, receipt=receipt, _anchor="print-receipt")
    return url_for("payments.room_account", code=code)


@bp.post("/payments/<int:payment_id>/reversal")
@login_required
@handles(REVERSAL_FORM, _account_page, instance=lambda payment_id: payment_id, page_args=_payment_room)
def reverse_payment(payment_id):
    """Reverse a payment with a reason."""
    session, principal = get_session(), require_principal()
    payment = payments.get_payment(session, principal, payment_id)
    room_code = _room_code(session, payment.room_id)
    data = load_data(ReversalFormSchema(), request.form.to_dict())
    payments.reverse_payment(session, principal, payment_id, reason=data["reason"])
    flash(_("Payment %(id)s reversed.", id=payment_id), "success")
    return redirect(url_for("payments.room_account", code=room_code))


@bp.post("/bills/<number>/credit-notes")
@login_required
@handles(CREDIT_NOTE_FORM, _account_page, instance=lambda number: number, page_args=_credit_room)
def issue_credit_note(number):
    """Finance credits part of a bill from the room's account page (amount in yuan, reason)."""
    session, principal = get_session(), require_principal()
    bill = credit_notes.get_bill_for_credit(session, principal, number)
    room_code = _room_code(session, bill.room_id)
    data = load_data(CreditNoteFormSchema(), request.form.to_dict())
    note = credit_notes.issue_credit_note(session, principal, number, amount_fen=data["amount_fen"],
                                          reason=data["reason"])
    flash(_("Credit note %(number)s issued: %(amount)s off bill %(bill)s.", number=note.number,
            amount=format_fen(note.amount_fen), bill=note.bill), "success")
    return redirect(url_for("payments.room_account", code=room_code))


@bp.post("/rooms/<code>/late-fee-settlements")
@login_required
@handles(LATE_FEE_FORM, _account_page)
def settle_late_fees(code):
    """The desk records late charges paid or waived (amount in yuan)."""
    late_fee_settlements.get_room_to_settle(get_session(), require_principal(), code)  # 404 / 403 first
    data = load_data(LateFeeSettlementFormSchema(), request.form.to_dict())
    result = late_fee_settlements.settle_late_fees(get_session(), require_principal(), code, **data)
    message = (_("Late charges of %(amount)s paid.", amount=format_fen(result.amount_fen)) if result.kind == "paid"
               else _("Late charges of %(amount)s waived.", amount=format_fen(result.amount_fen)))
    flash(message, "success")
    return redirect(_after_money(code, result.receipt))


@bp.post("/late-fee-settlements/<int:settlement_id>/reversal")
@login_required
@handles(LATE_REVERSAL_FORM, _account_page, instance=lambda settlement_id: settlement_id,
         page_args=_settlement_room)
def reverse_late_fee_settlement(settlement_id):
    """Reverse a late-fee payment or waiver with a reason."""
    session, principal = get_session(), require_principal()
    room_code = late_fee_settlements.room_code_of(session, principal, settlement_id)  # 404 / 403 first
    data = load_data(ReversalFormSchema(), request.form.to_dict())
    late_fee_settlements.reverse_settlement(session, principal, settlement_id, reason=data["reason"])
    flash(_("Late-fee record %(id)s reversed.", id=settlement_id), "success")
    return redirect(url_for("payments.room_account", code=room_code))


def _room_code(session, room_id: int) -> str:
    return session.get(Room, room_id).code


@bp.post("/rooms/<code>/demands")
@login_required
@handles(DEMAND_FORM, _account_page)
def record_demand(code):
    """Record a written demand (催缴)."""
    data = load_data(DemandFormSchema(), request.form.to_dict())
    arrears.record_demand(get_session(), require_principal(), code, method=data["method"],
                          demanded_on=data["demanded_on"], note=data["note"])
    flash(_("Demand recorded."), "success")
    return redirect(url_for("payments.room_account", code=code))


@bp.get("/my/account")
@login_required
def my_account():
    """A resident's account on the phone: what is owed, late charges, recent payments."""
    principal, session = require_principal(), get_session()
    if not accounts.has_own_rooms(principal):
        return redirect(url_for("home.index"))
    own = accounts.accounts_of_own_rooms(session, principal)
    return render_template("billing/account_my.html", accounts=own,
                           receipts=receipts.receipts_by_room_code(session, [a.room for a in own]))


@bp.get("/estates/<code>/arrears")
@login_required
def estate_arrears(code):
    """The arrears list of an estate (or building), with CSV and XLSX exports."""
    args, status = load_query(ARREARS_FORM, ArrearsPageQuerySchema())
    report = arrears.list_arrears(get_session(), require_principal(), code, building=args["building"],
                                  as_of=args["as_of"])
    if args["format"] == "html":
        report.rows = sort_rows(report.rows, args["sort"], ARREARS_SORT_KEYS, tie=ARREARS_SORT_KEYS["room"])
        return render_template("billing/arrears.html", report=report, sort=args["sort"]), status
    body, mimetype = ((arrears.export_csv(report), "text/csv; charset=utf-8") if args["format"] == "csv"
                      else (arrears.export_xlsx(report), XLSX_MIMETYPE))
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{arrears.export_name(report, args["format"])}"'})


@bp.get("/billing/collection")
@login_required
def collection_rates():
    """Collection rates per estate, building and period (managers, finance, auditors)."""
    principal, session = require_principal(), get_session()
    args, status = load_query(COLLECTION_FORM, CollectionPageQuerySchema())
    in_scope = estates.estate_choices(session, principal)
    estate_code = args["estate"] or (in_scope[0][0] if in_scope else None)
    report, periods = None, []
    if estate_code:
        estate = collection.get_estate_for_collection(session, principal, estate_code)
        periods = collection.billed_periods(session, estate.id)
        period = args["period"] or (periods[0] if periods else None)
        if period:
            report = collection.collection_rates(session, principal, estate_code, period,
                                                 building=args["building"])
            report.buildings = sort_rows(report.buildings, args["sort"], COLLECTION_SORT_KEYS,
                                         tie=COLLECTION_SORT_KEYS["building"])
    else:
        collection.ensure_reader(principal)
    return render_template("billing/collection.html", report=report, periods=periods, estate_code=estate_code,
                           estate_options=[(code, f"{name} ({code})") for code, name in in_scope],
                           sort=args["sort"]), status
