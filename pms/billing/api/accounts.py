"""Payments API: payments and reversals, credit notes, late-fee settlements, room accounts, demands,
arrears and collection rates."""
from __future__ import annotations

from flask import Blueprint, Response

from pms.billing.services import accounts, arrears, collection, credit_notes, late_fee_settlements, payments
from pms.billing.schemas.accounts import (AccountSchema, ArrearsQuerySchema, ArrearsReportSchema,
                                          AsOfQuerySchema, CollectionQuerySchema, CollectionReportSchema,
                                          CreditNoteCreateSchema, CreditNoteSchema, DemandCreateSchema,
                                          DemandSchema, LateFeeSettlementCreateSchema,
                                          LateFeeSettlementSchema, PaymentCreateSchema, PaymentSchema,
                                          ReversalCreateSchema, ReversalSchema)
from pms.core.api import load_args, load_body
from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import get_session

bp = Blueprint("payments_api", __name__)

XLSX = arrears.XLSX_MIMETYPE


@bp.post("/payments")
@documented(summary="Record a payment: oldest bills first, the rest becomes prepayment. Idempotent "
                    "per idempotency_key: the same body answers the same payment (201 again, header "
                    "Idempotent-Replayed: true); another body → 409. Roles: finance, manager.",
            body=PaymentCreateSchema, response=PaymentSchema, status=201, tag="billing")
def create_payment():
    """Record money received for a room."""
    data = load_body(PaymentCreateSchema())
    result = payments.record_payment(get_session(), require_principal(), room_code=data["room"],
                                     amount_fen=data["amount_fen"], channel=data["channel"],
                                     reference=data["reference"], idempotency_key=data["idempotency_key"])
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return PaymentSchema().dump(result), 201, headers


@bp.post("/payments/<int:payment_id>/reversal")
@documented(summary="Reverse a mistaken payment (new record + reversal entry; bills it paid reopen)",
            body=ReversalCreateSchema, response=ReversalSchema, status=201, tag="billing")
def reverse_payment(payment_id):
    """Reverse a payment with a reason."""
    data = load_body(ReversalCreateSchema())
    result = payments.reverse_payment(get_session(), require_principal(), payment_id, reason=data["reason"])
    return ReversalSchema().dump(result), 201


@bp.post("/bills/<number>/credit-notes")
@documented(summary="Credit part or all of a bill's outstanding amount (finance, manager): a numbered "
                    "credit note, never an edit of the bill", body=CreditNoteCreateSchema,
            response=CreditNoteSchema, status=201, tag="billing")
def create_credit_note(number):
    """Issue a credit note against one bill."""
    data = load_body(CreditNoteCreateSchema())
    result = credit_notes.issue_credit_note(get_session(), require_principal(), number,
                                            amount_fen=data["amount_fen"], reason=data["reason"])
    return CreditNoteSchema().dump(result), 201


@bp.post("/rooms/<room>/late-fee-settlements")
@documented(summary="Settle a room's late charges (finance, manager): paid at the desk (channel) or "
                    "waived (reason); at most what the account shows as still owed",
            body=LateFeeSettlementCreateSchema, response=LateFeeSettlementSchema, status=201, tag="billing")
def settle_late_fees(room):
    """Record late charges paid or waived."""
    data = load_body(LateFeeSettlementCreateSchema())
    result = late_fee_settlements.settle_late_fees(get_session(), require_principal(), room, **data)
    return LateFeeSettlementSchema().dump(result), 201


@bp.post("/late-fee-settlements/<int:settlement_id>/reversal")
@documented(summary="Reverse a mistaken late-fee payment or waiver (a new record and entry, with a reason)",
            body=ReversalCreateSchema, response=LateFeeSettlementSchema, status=201, tag="billing")
def reverse_late_fee_settlement(settlement_id):
    """Take back a late-fee settlement."""
    data = load_body(ReversalCreateSchema())
    result = late_fee_settlements.reverse_settlement(get_session(), require_principal(), settlement_id,
                                                     reason=data["reason"])
    return LateFeeSettlementSchema().dump(result), 201


@bp.get("/rooms/<room>/account")
@documented(summary="A room's account as of a day (default today, Asia/Shanghai): balance, "
                    "prepayment, late charges, arrears, aging", query=AsOfQuerySchema,
            response=AccountSchema, tag="billing")
def room_account(room):
    """The room's account."""
    args = load_args(AsOfQuerySchema())
    account = accounts.get_account(get_session(), require_principal(), room, args["as_of"])
    return AccountSchema().dump(account)


@bp.post("/rooms/<room>/demands")
@documented(summary="Record a written demand (催缴: date, method, note); restarts the 3-year clock",
            body=DemandCreateSchema, response=DemandSchema, status=201, tag="billing")
def create_demand(room):
    """Record a demand for a room."""
    data = load_body(DemandCreateSchema())
    demand = arrears.record_demand(get_session(), require_principal(), room, method=data["method"],
                                   demanded_on=data["demanded_on"], note=data["note"])
    return DemandSchema().dump(demand), 201


@bp.get("/estates/<estate>/arrears")
@documented(summary="Arrears of an estate (optionally one building) with aging and the 3-year "
                    "limitation flag; format=json|csv|xlsx", query=ArrearsQuerySchema,
            response=ArrearsReportSchema, formats=("text/csv", XLSX), tag="billing")
def estate_arrears(estate):
    """The arrears list, as JSON or an export."""
    args = load_args(ArrearsQuerySchema())
    report = arrears.list_arrears(get_session(), require_principal(), estate, building=args["building"],
                                  as_of=args["as_of"])
    if args["format"] == "json":
        return ArrearsReportSchema().dump(report)
    body, mimetype = ((arrears.export_csv(report), "text/csv; charset=utf-8") if args["format"] == "csv"
                      else (arrears.export_xlsx(report), XLSX))
    disposition = f'attachment; filename="{arrears.export_name(report, args["format"])}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.get("/estates/<estate>/collection")
@documented(summary="Collection rates of a period by amount and by household, per building",
            query=CollectionQuerySchema, response=CollectionReportSchema, tag="billing")
def estate_collection(estate):
    """Collection rates."""
    args = load_args(CollectionQuerySchema())
    report = collection.collection_rates(get_session(), require_principal(), estate, args["period"],
                                         building=args["building"])
    return CollectionReportSchema().dump(report)
