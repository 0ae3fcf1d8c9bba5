"""Schemas at the edge of payments, accounts, demands, arrears and collection rates."""
from __future__ import annotations

from operator import attrgetter

from flask_babel import lazy_gettext as _l
from marshmallow import (EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate,
                         validates, validates_schema)

from pms.billing.rules import AGING_BUCKETS
from pms.billing.models.payments import CHANNELS, DEMAND_METHODS, LATE_FEE_SETTLEMENT_KINDS
from pms.core.money import format_fen, parse_yuan
from pms.core.fields import BusinessDate, FilterQuerySchema, Period
from pms.core.codes import natural_key
from pms.core.sorting import sort_field

MAX_PAYMENT_FEN = 1_000_000_000  # ¥10,000,000: far above any household payment, below INT limits


class WholeFen(fields.Integer):
    """An integer number of fen: JSON integers only (no 12.5, no "12", no true)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class PaymentCreateSchema(Schema):
    room = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount_fen = WholeFen(required=True, validate=validate.Range(min=1, max=MAX_PAYMENT_FEN))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    reference = fields.String(load_default="", validate=validate.Length(max=128))
    idempotency_key = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(min=1, max=128))


class AllocationSchema(Schema):
    bill = fields.String()
    period = fields.String()
    amount_fen = fields.Integer()


class PaymentSchema(Schema):
    id = fields.Integer()
    room = fields.String()
    amount_fen = fields.Integer()
    channel = fields.String()
    reference = fields.String()
    received_at = fields.DateTime()
    allocations = fields.List(fields.Nested(AllocationSchema))
    prepaid_fen = fields.Integer()
    receipt = fields.String(metadata={"description": "the receipt's number (GET /api/v1/receipts/{number}.pdf)"})


class ReversalCreateSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))

    @validates("reason")
    def _not_blank(self, value, **_kwargs):
        if not value.strip():
            raise ValidationError(_l("A reason is required."))


class CreditNoteCreateSchema(ReversalCreateSchema):
    """A credit note on a bill: the amount to take off and why (the reason is required too)."""

    amount_fen = WholeFen(required=True, validate=validate.Range(min=1, max=MAX_PAYMENT_FEN))


class LateFeeSettlementCreateSchema(Schema):
    """Late charges paid at the desk (channel required) or waived (reason required)."""

    kind = fields.String(required=True, validate=validate.OneOf(LATE_FEE_SETTLEMENT_KINDS))
    amount_fen = WholeFen(required=True, validate=validate.Range(min=1, max=MAX_PAYMENT_FEN))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CHANNELS))
    reference = fields.String(load_default="", validate=validate.Length(max=128))
    reason = fields.String(load_default="", validate=validate.Length(max=255))

    @validates_schema
    def _channel_or_reason(self, data, **_kwargs):
        if data.get("kind") == "paid" and not data.get("channel"):
            raise ValidationError({"channel": [_l("A channel is required for a payment.")]})
        if data.get("kind") == "waived" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": [_l("A reason is required.")]})


class LateFeeSettlementSchema(Schema):
    id = fields.Integer()
    room = fields.String()
    kind = fields.String()
    amount_fen = fields.Integer()
    business_date = fields.Date()
    late_fee_fen = fields.Integer()
    receipt = fields.String(metadata={"description": "late charges paid: the receipt's number; a reversal: "
                                                     "the reversal note's; a waiver: empty"})


class CreditedLineSchema(Schema):
    code = fields.String()
    amount_fen = fields.Integer()


class CreditNoteSchema(Schema):
    number = fields.String()
    bill = fields.String()
    room = fields.String()
    amount_fen = fields.Integer()
    reason = fields.String()
    business_date = fields.Date()
    issued_by = fields.String()
    issued_at = fields.DateTime()
    lines = fields.List(fields.Nested(CreditedLineSchema))
    bill_status = fields.String()
    bill_outstanding_fen = fields.Integer()


class ReversalSchema(Schema):
    id = fields.Integer()
    payment_id = fields.Integer()
    room = fields.String()
    reason = fields.String()
    reversed_at = fields.DateTime()
    bills_reopened = fields.List(fields.Nested(AllocationSchema))
    prepayment_reversed_fen = fields.Integer()
    reapplied_fen = fields.Integer()
    reversal_note = fields.String(metadata={"description": "the reversal note's number (the payment's receipt is void)"})


class AsOfQuerySchema(Schema):
    as_of = BusinessDate(load_default=None)


class ArrearsItemSchema(Schema):
    bill = fields.String()
    period = fields.String()
    due_date = fields.Date()
    days_overdue = fields.Integer()
    outstanding_fen = fields.Integer()
    aging = fields.String()
    limitation_flag = fields.Boolean()


class AgingSchema(Schema):
    class Meta:
        ordered = True

    zero_30 = fields.Integer(data_key="0-30", attribute="0-30")
    d31_90 = fields.Integer(data_key="31-90", attribute="31-90")
    d91_365 = fields.Integer(data_key="91-365", attribute="91-365")
    over_365 = fields.Integer(data_key="365+", attribute="365+")


assert tuple(f.data_key for f in AgingSchema().fields.values()) == AGING_BUCKETS


class AccountPaymentSchema(Schema):
    id = fields.Integer()
    received_on = fields.Date()
    amount_fen = fields.Integer()
    channel = fields.String()
    reference = fields.String()
    reversed = fields.Boolean()


class AccountSchema(Schema):
    room = fields.String()
    as_of = fields.Date()
    balance_fen = fields.Integer()
    prepaid_fen = fields.Integer()
    late_fee_fen = fields.Integer()
    late_fee_settled_fen = fields.Integer()
    arrears = fields.List(fields.Nested(ArrearsItemSchema))
    aging = fields.Nested(AgingSchema)
    last_payment_on = fields.Date(allow_none=True)
    last_demand_on = fields.Date(allow_none=True)
    payments = fields.List(fields.Nested(AccountPaymentSchema))


class DemandCreateSchema(Schema):
    demanded_on = BusinessDate(load_default=None)
    method = fields.String(required=True, validate=validate.OneOf(DEMAND_METHODS))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class DemandSchema(Schema):
    id = fields.Integer()
    demanded_on = fields.Date()
    method = fields.String()
    note = fields.String()
    recorded_by = fields.String()


class ArrearsQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))
    building = fields.String(load_default=None, validate=validate.Length(min=1, max=16))
    as_of = BusinessDate(load_default=None)


class ArrearsRowSchema(Schema):
    room = fields.String()
    building = fields.String()
    owners = fields.String()
    bills = fields.Integer()
    bill_numbers = fields.List(fields.String())
    oldest_period = fields.String()
    outstanding_fen = fields.Integer()
    days_overdue = fields.Integer()
    aging = fields.String()
    aging_fen = fields.Nested(AgingSchema)
    last_payment_on = fields.Date(allow_none=True)
    last_demand_on = fields.Date(allow_none=True)
    limitation_flag = fields.Boolean()
    limitation_fen = fields.Integer()


class ArrearsReportSchema(Schema):
    estate = fields.String(attribute="estate_code")
    building = fields.String(allow_none=True)
    as_of = fields.Date()
    rooms = fields.Integer()
    outstanding_fen = fields.Integer()
    limitation_rooms = fields.Integer()
    aging = fields.Nested(AgingSchema)
    items = fields.List(fields.Nested(ArrearsRowSchema), attribute="rows")


class CollectionQuerySchema(Schema):
    period = Period(required=True)
    building = fields.String(load_default=None, validate=validate.Length(min=1, max=16))


class CollectionRowSchema(Schema):
    building = fields.String(allow_none=True)
    receivable_fen = fields.Integer()
    received_fen = fields.Integer()
    households = fields.Integer()
    households_paid = fields.Integer()
    rate_by_amount = fields.String(allow_none=True)
    rate_by_household = fields.String(allow_none=True)


class CollectionReportSchema(Schema):
    estate = fields.String(attribute="estate_code")
    period = fields.String()
    total = fields.Nested(CollectionRowSchema)
    buildings = fields.List(fields.Nested(CollectionRowSchema))


# ---- HTML forms (the CSRF token and the submit button are not data) -----------------------

class _FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class _YuanFormSchema(_FormSchema):
    """A form with an amount in yuan ("123.45"), parsed with Decimal here into amount_fen."""

    amount = fields.String(required=True)

    @post_load
    def to_fen(self, data, **_kwargs):
        try:
            fen = parse_yuan(data.pop("amount"))
        except ValueError as exc:
            raise ValidationError({"amount": [_l("Enter an amount in yuan, e.g. 123.45.")]}) from exc
        if fen <= 0:
            raise ValidationError({"amount": [_l("The amount must be greater than zero.")]})
        if fen > MAX_PAYMENT_FEN:
            raise ValidationError({"amount": [_l("The amount may be at most %(max)s.",
                                                 max=format_fen(MAX_PAYMENT_FEN))]})
        data["amount_fen"] = fen
        return data


class PaymentFormSchema(_YuanFormSchema):
    """The front desk's payment form."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    reference = fields.String(load_default="", validate=validate.Length(max=128))
    idempotency_key = fields.String(load_default=None, validate=validate.Length(min=1, max=128))


class CreditNoteFormSchema(_YuanFormSchema, ReversalCreateSchema):
    """Finance's credit-note form on a room's account: amount in yuan and a reason."""


class LateFeeSettlementFormSchema(_YuanFormSchema, LateFeeSettlementCreateSchema):
    """The desk's late-charge form: paid (channel) or waived (reason), amount in yuan."""

    amount_fen = fields.Integer(load_default=None)  # set from `amount` after loading


class ReversalFormSchema(_FormSchema, ReversalCreateSchema):
    pass


class DemandFormSchema(_FormSchema):
    demanded_on = BusinessDate(load_default=None)
    method = fields.String(required=True, validate=validate.OneOf(DEMAND_METHODS))
    note = fields.String(load_default="", validate=validate.Length(max=500))

    @pre_load
    def blank_date_is_today(self, data, **_kwargs):
        data = dict(data)
        if not data.get("demanded_on"):
            data.pop("demanded_on", None)
        return data


# What people compare on the billing pages: ?sort=key (ascending) or ?sort=-key (descending).
BILL_SORT_KEYS = {"period": attrgetter("period"), "due": attrgetter("due_date"),
                  "payable": attrgetter("payable_fen"), "outstanding": attrgetter("outstanding_fen")}
# The bills pages (/my/bills, /rooms/<code>/bills) list BillViews: still to pay = payable − paid − credited.
BILL_LIST_SORT_KEYS = {"period": attrgetter("period"), "due": attrgetter("due_date"),
                       "payable": attrgetter("payable_fen"),
                       "outstanding": lambda b: b.payable_fen - b.paid_fen - b.waived_fen}
ARREARS_SORT_KEYS = {"room": lambda r: natural_key(r.room), "outstanding": attrgetter("outstanding_fen"),
                     "days": attrgetter("days_overdue"), "bills": attrgetter("bills")}
COLLECTION_SORT_KEYS = {"building": lambda r: natural_key(r.building), "receivable": attrgetter("receivable_fen"),
                        "received": attrgetter("received_fen"), "rate": attrgetter("rate_by_amount"),
                        "household_rate": attrgetter("rate_by_household")}


class BillsPageQuerySchema(_FormSchema):
    sort = sort_field(BILL_LIST_SORT_KEYS, default="-period")


class AccountPageQuerySchema(_FormSchema):
    as_of = BusinessDate(load_default=None)
    sort = sort_field(BILL_SORT_KEYS, default="-period")
    # After a payment the desk lands here with its receipt's number: the page offers to print it.
    receipt = fields.String(load_default=None, validate=validate.Length(max=64))


class ArrearsPageQuerySchema(FilterQuerySchema):
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "csv", "xlsx")))
    building = fields.String(load_default=None)
    as_of = BusinessDate(load_default=None)
    sort = sort_field(ARREARS_SORT_KEYS, default="room")


class CollectionPageQuerySchema(FilterQuerySchema):
    estate = fields.String(load_default=None)
    period = Period(load_default=None)
    building = fields.String(load_default=None)
    sort = sort_field(COLLECTION_SORT_KEYS, default="building")
