"""Schemas at the edge of statements: the building print form."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from pms.core.fields import Period
from pms.core.i18n import translate as _


class BuildingPrintSchema(Schema):
    """Estate, period and building of a print (blank fields: not chosen yet)."""

    class Meta:
        unknown = EXCLUDE

    estate = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    period = Period(load_default=None)
    building = fields.String(load_default=None, validate=validate.Length(min=1, max=16))

    @pre_load
    def _drop_blanks(self, data, **_kwargs):
        return {k: v.strip() for k, v in dict(data).items() if isinstance(v, str) and v.strip()}


class BuildingPrintConfirmSchema(BuildingPrintSchema):
    """The confirmed print: all three chosen."""

    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = Period(required=True)
    building = fields.String(required=True, validate=validate.Length(min=1, max=16))


class NoticesSchema(Schema):
    """Which arrears notices to print: the estate's (from the path), or one building's."""

    building = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=16))


class NoticesFormSchema(NoticesSchema):
    """The arrears page's button: a blank building is the whole estate; the CSRF token is no field."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_is_none(self, data, **kwargs):
        data = dict(data)
        if not (data.get("building") or "").strip():
            data["building"] = None
        return data


class ReceiptSchema(Schema):
    """A receipt as a room's list shows it."""

    number = fields.String(metadata={"description": "e.g. ACME-R2026-000001; its PDF: /api/v1/receipts/{number}.pdf"})
    kind = fields.String(metadata={"description": "payment, late_fee_settlement or reversal_note"})
    amount_fen = fields.Integer()
    issued_at = fields.DateTime()
    void = fields.Boolean(metadata={"description": "true once its payment or late-fee payment was reversed"})
    void_at = fields.DateTime(allow_none=True)
    reverses = fields.String(allow_none=True, metadata={"description": "a reversal note: the receipt it reverses"})


class ReceiptListSchema(Schema):
    """A room's receipts and reversal notes, newest first."""

    room = fields.String()
    items = fields.List(fields.Nested(ReceiptSchema))


class PrintRunSchema(Schema):
    """A print run to preview or request: the kind, the estate, the period (statements) or the
    date range (receipts; notices are of the day the run works), optionally one building."""

    kind = fields.String(required=True, validate=validate.OneOf(("statements", "receipts", "notices")),
                         metadata={"description": "statements, receipts or notices"})
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = Period(load_default=None, allow_none=True, metadata={"description": "statements: YYYY-MM"})
    date_from = fields.Date(load_default=None, allow_none=True, data_key="from",
                            metadata={"description": "receipts: first day issued, YYYY-MM-DD"})
    date_to = fields.Date(load_default=None, allow_none=True, data_key="to",
                          metadata={"description": "receipts: last day issued, YYYY-MM-DD"})
    building = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=16),
                             metadata={"description": "one building; absent: the whole estate"})

    @validates_schema
    def _scope_of_kind(self, data, **_kwargs):
        if data.get("kind") == "statements" and not data.get("period"):
            raise ValidationError({"period": [_("Statements need a period.")]})
        if data.get("kind") == "receipts":
            missing = {key: [_("Receipts need a date range.")] for key, name in (("from", "date_from"), ("to", "date_to"))
                       if not data.get(name)}
            if missing:
                raise ValidationError(missing)
            if data["date_to"] < data["date_from"]:
                raise ValidationError({"to": [_("Must not be before the start.")]})

    @post_load
    def _only_what_the_kind_uses(self, data, **_kwargs):
        if data["kind"] != "statements":
            data["period"] = None
        if data["kind"] != "receipts":
            data["date_from"] = data["date_to"] = None
        return data


class PrintRunFormSchema(PrintRunSchema):
    """The print page's form and query string: blanks are absent, the CSRF token is no field."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _drop_blanks(self, data, **_kwargs):
        return {k: v.strip() for k, v in dict(data).items() if isinstance(v, str) and v.strip()}


class PrintRunStateSchema(Schema):
    """A print run's state and, once done, its files (`/api/v1/print-runs/{id}/files/{name}`)."""

    id = fields.Integer()
    kind = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    period = fields.String(allow_none=True)
    date_from = fields.Date(allow_none=True, data_key="from")
    date_to = fields.Date(allow_none=True, data_key="to")
    building = fields.String(allow_none=True)
    buildings_total = fields.Integer()
    buildings_done = fields.Integer()
    documents = fields.Integer()
    percent = fields.Integer()
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    files = fields.List(fields.String())
    files_deleted_at = fields.DateTime(allow_none=True, metadata={
        "description": "when its PDFs were deleted from storage (PMS_PRINT_RUN_KEEP_DAYS after it finished)"})


class PublishNoticeSchema(Schema):
    """Publish an estate's annual public notice for a year (2000 to the current year)."""

    year = fields.Integer(required=True, strict=False, validate=validate.Range(min=2000, max=2999),
                          metadata={"description": "the calendar year; the current year is published to date"})


class PublishNoticeFormSchema(PublishNoticeSchema):
    """The publish form: the year and the confirmation; the CSRF token is no field."""

    class Meta:
        unknown = EXCLUDE

    confirm = fields.String(load_default="", validate=validate.OneOf(["", "yes"]))


class NoticeQuerySchema(Schema):
    """Which version of a year's notice (default: the latest published)."""

    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(load_default=None, validate=validate.Range(min=1))


class NoticeVersionSchema(Schema):
    """One published version of an annual public notice."""

    year = fields.Integer()
    version = fields.Integer()
    published_at = fields.DateTime()
    published_by = fields.String(metadata={"description": "the publisher's username"})


class NoticeListSchema(Schema):
    """An estate's published public notices, newest year and version first."""

    estate = fields.String()
    items = fields.List(fields.Nested(NoticeVersionSchema))


class NoticeSchema(Schema):
    """A published annual public notice (公示): the frozen figures of its version, money in fen."""

    estate = fields.Dict(metadata={"description": "{code, name}"})
    company = fields.String()
    district = fields.String()
    year = fields.Integer()
    version = fields.Integer()
    published_at = fields.String(metadata={"description": "YYYY-MM-DD HH:MM, Asia/Shanghai"})
    published_by = fields.String()
    to_date = fields.Boolean(metadata={"description": "true: the current year, figures up to as_of"})
    as_of = fields.String(metadata={"description": "the last day the figures cover (YYYY-MM-DD)"})
    fee_items = fields.List(fields.Dict(), metadata={
        "description": "{code, name, kind, rate_fen_per_m2, monthly_cost_fen, amount_fen, usages, entrances, "
                       "rooms, from, to}: the items of the fee plans in force and the periods they cover"})
    income = fields.Dict(metadata={
        "description": "items: [{code, name, billed_fen, subsidy_fen, payable_fen, lines, share_percent}]; "
                       "total: {billed_fen, subsidy_fen, payable_fen, waived_fen, received_fen, bills, periods, "
                       "collection_percent}; bill lines of the year's periods (bills not void)"})
    subsidies = fields.List(fields.Dict(), metadata={
        "description": "{program, name, kind, subsidy_fen, claims, claimed_fen, approved_fen, disbursed_fen}"})
    repairs = fields.Dict(metadata={
        "description": "categories: [{category, requests, resolved, sla_met, sla_breached, sla_percent}]; total"})
    works = fields.List(fields.Dict(), metadata={
        "description": "{title, service, building, entrance, starts_on, ends_on, status}"})
    elevator_upkeep = fields.List(fields.Dict(), metadata={"description": "{kind, due, done, overdue}"})
    spending = fields.Dict(metadata={
        "description": "repairs: [{payer: common/fund, requests, amount_fen}]; renovation: [{name, contractor, "
                       "accepted_on, contract_fen}]"})
    maintenance_fund = fields.Dict(metadata={"description": "{repairs, balance_recorded: false}"})
    common_area_income = fields.Dict(metadata={"description": "{recorded: false}: not recorded in the system"})
