"""The portal's query arguments and the read-only API's responses (amounts in integer fen)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from pms.core.fields import Instant
from pms.core.pagination import MAX_PAGE, PageArgsSchema

SPAN_HELP = "a month YYYY-MM or a year YYYY; default last month"


class PortalQuerySchema(Schema):
    period = fields.String(load_default=None, validate=validate.Length(max=7), metadata={"description": SPAN_HELP})
    district = fields.String(load_default=None, validate=validate.Length(max=6),
                             metadata={"description": "the platform only: which district (default the first)"})


class PortalPageQuerySchema(PortalQuerySchema):
    """The overview page's arguments: its estate table is shown a page at a time."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class RowsQuerySchema(PortalQuerySchema, PageArgsSchema):
    program = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    estate = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv", "xlsx")))


class MoneySchema(Schema):
    program = fields.String()
    program_name = fields.String()
    kind = fields.String()
    estate = fields.String(allow_none=True)
    estate_name = fields.String(allow_none=True)
    budget_fen = fields.Integer(allow_none=True)
    allocated_fen = fields.Integer()
    claims = fields.Integer()
    claimed_fen = fields.Integer()
    approved_fen = fields.Integer()
    disbursed_fen = fields.Integer()
    clawed_back_fen = fields.Integer()
    paid_to_date_fen = fields.Integer()
    remaining_fen = fields.Integer(allow_none=True)
    idle_fen = fields.Integer()


class ProgramMoneySchema(MoneySchema):
    estates = fields.List(fields.Nested(MoneySchema))


class EstateFiguresSchema(Schema):
    estate = fields.String()
    name = fields.String()
    households = fields.Integer()
    bills = fields.Integer()
    bills_paid = fields.Integer()
    receivable_fen = fields.Integer()
    received_fen = fields.Integer()
    collection_by_amount = fields.String(allow_none=True, metadata={"description": "per cent, one decimal"})
    collection_by_household = fields.String(allow_none=True)
    requests = fields.Integer()
    sla_met = fields.Integer()
    sla_breached = fields.Integer()
    sla_percent = fields.String(allow_none=True)
    ratings = fields.Integer()
    average_rating = fields.String(allow_none=True)
    complaints = fields.Integer()
    complaints_per_100 = fields.String(allow_none=True)
    visits_planned = fields.Integer()
    visits_delivered = fields.Integer()
    visits_verified = fields.Integer()
    delivery_percent = fields.String(allow_none=True)
    verified_percent = fields.String(allow_none=True)
    missed_check_ins = fields.Integer()
    open_anomalies = fields.Integer()


class OverviewSchema(Schema):
    district = fields.String()
    district_name = fields.String()
    period = fields.String()
    first_month = fields.String()
    last_month = fields.String()
    as_of = Instant()
    programs = fields.List(fields.Nested(ProgramMoneySchema))
    estates = fields.List(fields.Nested(EstateFiguresSchema))
    total = fields.Nested(EstateFiguresSchema)


class RowsSchema(Schema):
    kind = fields.String()
    columns = fields.List(fields.Dict())
    items = fields.List(fields.Dict(), metadata={"description": "one object per row, keyed by the columns"})
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class SealCheckSchema(Schema):
    ok = fields.Boolean()
    detail = fields.String(allow_none=True)
    seq = fields.Integer(allow_none=True)
    head_hash = fields.String(allow_none=True)
    sealed_at = Instant(allow_none=True)
    reason = fields.String(allow_none=True)
