"""Pages: a room's account (front desk: payments, reversals, demands), the resident's account on
the phone, the arrears list with exports, collection rates."""
from __future__ import annotations

import uuid

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pms.billing.services import accounts, arrears, collection, credit_notes, late_fee_settlements, payments
from pms.billing.models.payments import CHANNELS, DEMAND_METHODS
from pms.billing.services.arrears import XLSX_MIMETYPE
from pms.billing.schemas.accounts import (AccountPageQuerySchema, ArrearsPageQuerySchema,
                                          CollectionPageQuerySchema, CreditNoteFormSchema, LateFeeSettlementFormSchema, DemandFormSchema,
                                          PaymentFormSchema, ReversalFormSchema)
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.clock import today
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.money import format_fen
from pms.estates import services as estates
from pms.estates.models import Room

bp = Blueprint("payments", __name__)


def _account_page(room_code: str, *, errors: dict | None = None, status: int = 200, form=None):
    principal, session = require_principal(), get_session()
    args = load_data(AccountPageQuerySchema(), request.args.to_dict())
    room = accounts.get_room_for_billing(session, principal, room_code)
    account = accounts.room_account(session, room, args["as_of"] or today(), recent_payments=50)
    context = dict(account=account, room=estates.room_view(session, principal, room),
                   demands=arrears.list_demands(session, room.id),
                   credit_notes=credit_notes.credit_notes_of_room(session, room.id),
                   late_fee_settlements=late_fee_settlements.settlements_of_room(session, room.id),
                   may_pay=payments.may_record(principal), channels=CHANNELS,
                   methods=DEMAND_METHODS, idempotency_key=uuid.uuid4().hex, errors=errors or {},
                   form=form or {})
    return render_template("billing/account.html", **context), status


@bp.get("/rooms/<code>/account")
@login_required
def room_account(code):
    """A room's account as of a day, with the front desk's forms."""
    return _account_page(code)


@bp.post("/rooms/<code>/payments")
@login_required
def record_payment(code):
    """The front desk records a payment (amount in yuan)."""
    try:
        data = load_data(PaymentFormSchema(), request.form.to_dict())
        result = payments.record_payment(get_session(), require_principal(), room_code=code,
                                         amount_fen=data["amount_fen"], channel=data["channel"],
                                         reference=data["reference"],
                                         idempotency_key=data["idempotency_key"])
    except Invalid as err:
        return _account_page(code, errors=err.fields, status=422, form=request.form)
    flash(_("Payment %(id)s recorded: %(paid)s paid on bills, %(prepaid)s kept as prepayment.",
            id=result.id, paid=format_fen(sum(a.amount_fen for a in result.allocations)),
            prepaid=format_fen(result.prepaid_fen)))
    return redirect(url_for("payments.room_account", code=code))


@bp.post("/payments/<int:payment_id>/reversal")
@login_required
def reverse_payment(payment_id):
    """Reverse a payment with a reason."""
    session, principal = get_session(), require_principal()
    payment = payments.get_payment(session, principal, payment_id)
    room_code = _room_code(session, payment.room_id)
    try:
        data = load_data(ReversalFormSchema(), request.form.to_dict())
        payments.reverse_payment(session, principal, payment_id, reason=data["reason"])
    except Invalid as err:
        return _account_page(room_code, errors={f"reversal_{payment_id}": err.fields.get("reason", [err.message])},
                             status=422)
    flash(_("Payment %(id)s reversed.", id=payment_id))
    return redirect(url_for("payments.room_account", code=room_code))


@bp.post("/bills/<number>/credit-notes")
@login_required
def issue_credit_note(number):
    """Finance credits part of a bill from the room's account page (amount in yuan, reason)."""
    session, principal = get_session(), require_principal()
    bill = credit_notes.get_bill_for_credit(session, principal, number)
    room_code = _room_code(session, bill.room_id)
    try:
        data = load_data(CreditNoteFormSchema(), request.form.to_dict())
        note = credit_notes.issue_credit_note(session, principal, number, amount_fen=data["amount_fen"],
                                              reason=data["reason"])
    except Invalid as err:
        fields = {"amount_fen" if k == "amount" else k: v for k, v in err.fields.items()}
        # The entered values come back under the bill's prefix (the payment form keeps its own).
        entered = {f"credit_{number}_{k}": request.form.get(k, "") for k in ("amount", "reason")}
        return _account_page(room_code, errors={f"credit_{number}_{k}": v for k, v in fields.items()},
                             status=422, form=entered)
    flash(_("Credit note %(number)s issued: %(amount)s off bill %(bill)s.", number=note.number,
            amount=format_fen(note.amount_fen), bill=note.bill))
    return redirect(url_for("payments.room_account", code=room_code))


@bp.post("/rooms/<code>/late-fee-settlements")
@login_required
def settle_late_fees(code):
    """The desk records late charges paid or waived (amount in yuan)."""
    late_fee_settlements.get_room_to_settle(get_session(), require_principal(), code)  # 404 / 403 first
    try:
        data = load_data(LateFeeSettlementFormSchema(), request.form.to_dict())
        result = late_fee_settlements.settle_late_fees(get_session(), require_principal(), code, **data)
    except Invalid as err:
        entered = {f"late_{k}": request.form.get(k, "") for k in ("amount", "kind", "channel", "reference", "reason")}
        return _account_page(code, errors={f"late_{'amount' if k == 'amount_fen' else k}": v
                                           for k, v in err.fields.items()}, status=422, form=entered)
    message = (_("Late charges of %(amount)s paid.", amount=format_fen(result.amount_fen)) if result.kind == "paid"
               else _("Late charges of %(amount)s waived.", amount=format_fen(result.amount_fen)))
    flash(message)
    return redirect(url_for("payments.room_account", code=code))


@bp.post("/late-fee-settlements/<int:settlement_id>/reversal")
@login_required
def reverse_late_fee_settlement(settlement_id):
    """Reverse a late-fee payment or waiver with a reason."""
    session, principal = get_session(), require_principal()
    room_code = late_fee_settlements.room_code_of(session, principal, settlement_id)  # 404 / 403 first
    try:
        data = load_data(ReversalFormSchema(), request.form.to_dict())
        late_fee_settlements.reverse_settlement(session, principal, settlement_id, reason=data["reason"])
    except Invalid as err:
        return _account_page(room_code, errors={f"late_reversal_{settlement_id}": err.fields.get("reason", [err.message])},
                             status=422)
    flash(_("Late-fee record %(id)s reversed.", id=settlement_id))
    return redirect(url_for("payments.room_account", code=room_code))


def _room_code(session, room_id: int) -> str:
    return session.get(Room, room_id).code


@bp.post("/rooms/<code>/demands")
@login_required
def record_demand(code):
    """Record a written demand (催缴)."""
    try:
        data = load_data(DemandFormSchema(), request.form.to_dict())
        arrears.record_demand(get_session(), require_principal(), code, method=data["method"],
                              demanded_on=data["demanded_on"], note=data["note"])
    except Invalid as err:
        return _account_page(code, errors={f"demand_{k}": v for k, v in err.fields.items()}, status=422,
                             form=request.form)
    flash(_("Demand recorded."))
    return redirect(url_for("payments.room_account", code=code))


@bp.get("/my/account")
@login_required
def my_account():
    """A resident's account on the phone: what is owed, late charges, recent payments."""
    principal, session = require_principal(), get_session()
    if not accounts.has_own_rooms(principal):
        return redirect(url_for("home.index"))
    return render_template("billing/account_my.html", accounts=accounts.accounts_of_own_rooms(session, principal))


@bp.get("/estates/<code>/arrears")
@login_required
def estate_arrears(code):
    """The arrears list of an estate (or building), with CSV and XLSX exports."""
    args = load_data(ArrearsPageQuerySchema(), request.args.to_dict())
    report = arrears.list_arrears(get_session(), require_principal(), code, building=args["building"],
                                  as_of=args["as_of"])
    if args["format"] == "html":
        return render_template("billing/arrears.html", report=report)
    body, mimetype = ((arrears.export_csv(report), "text/csv; charset=utf-8") if args["format"] == "csv"
                      else (arrears.export_xlsx(report), XLSX_MIMETYPE))
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{arrears.export_name(report, args["format"])}"'})


@bp.get("/billing/collection")
@login_required
def collection_rates():
    """Collection rates per estate, building and period (managers, finance, auditors)."""
    principal, session = require_principal(), get_session()
    args = load_data(CollectionPageQuerySchema(), request.args.to_dict())
    in_scope = estates.list_estates(session, principal)
    estate_code = args["estate"] or (in_scope[0].code if in_scope else None)
    report, periods = None, []
    if estate_code:
        estate = collection.get_estate_for_collection(session, principal, estate_code)
        periods = collection.billed_periods(session, estate.id)
        period = args["period"] or (periods[0] if periods else None)
        if period:
            report = collection.collection_rates(session, principal, estate_code, period,
                                                 building=args["building"])
    else:
        collection.ensure_reader(principal)
    return render_template("billing/collection.html", report=report, estates=in_scope, periods=periods,
                           estate_code=estate_code)
