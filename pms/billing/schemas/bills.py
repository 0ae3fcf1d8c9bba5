"""Billing schemas at the edge: the fee plan document (CONTRACT.md), billing runs and bills.

The fee plan schema checks the document's shape and the rules that need no database (kinds,
signs, ranges, periods, duplicate codes, subsidies naming items). References to the estate's
entrances, rooms and programmes, and plan succession, are checked by `pms.billing.services.plans`.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from pms.billing.models.plans import ITEM_KINDS
from pms.core.fields import BoundedDict, BoundedList, FilterQuerySchema, PagedSchema, Period
from pms.core.pagination import MAX_LIMIT, MAX_OFFSET, MAX_PAGE
from pms.estates.models import USAGES

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
ENTRANCE_RE = re.compile(r"^[^-\s]{1,16}-[^-\s]{1,16}$")
FLOOR_RE = re.compile(r"^-?\d{1,3}$")

# Upper bounds keep every amount inside a 32-bit integer column after multiplication.
MAX_RATE_FEN_PER_M2 = 100_000
MAX_AMOUNT_FEN = 100_000_000
# List bounds: a plan is a handful of items, yet a document of 120,000 items was once accepted
# (45 s) and made the estate's fee page 26.5 MB. These are far above any real plan: a fixed item
# may list every room of a large estate, an elevator item every entrance.
MAX_ITEMS = 50
MAX_ROOMS_PER_ITEM = 10_000
MAX_ENTRANCES_PER_ITEM = 1_000
MAX_FLOORS = 200
MAX_SUBSIDIES = 50
MAX_SUBSIDY_PERIODS = 240  # twenty years of months

# The fields each kind needs and may have.
KIND_FIELDS = {
    "area": ({"rate_fen_per_m2"}, {"rate_fen_per_m2", "usages"}),
    "elevator_share": ({"entrances", "monthly_cost_fen", "floor_weights"},
                       {"entrances", "monthly_cost_fen", "floor_weights"}),
    "fixed": ({"amount_fen"}, {"amount_fen", "rooms"}),
}
ALL_KIND_FIELDS = set().union(*(allowed for _req, allowed in KIND_FIELDS.values()))


def _int(*, required=False, minimum=0, maximum=None, **kw):
    return fields.Integer(required=required, strict=True,
                          validate=validate.Range(min=minimum, max=maximum), **kw)


class LateFeeSchema(Schema):
    """The contract's late-charge clause: simple daily interest after a grace period, capped."""

    daily_rate_per_10k = _int(required=True, maximum=10_000)
    grace_days = _int(required=True, maximum=3650)
    cap_percent = _int(required=True, maximum=100)


class FeeItemSchema(Schema):
    """One charge: by area, an elevator share by floor weights, or a fixed amount."""

    code = fields.String(required=True, validate=validate.Regexp(CODE_RE, error=_l("1 to 32 letters, digits, '.', '_' or '-'.")))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(ITEM_KINDS))
    rate_fen_per_m2 = _int(maximum=MAX_RATE_FEN_PER_M2)
    usages = BoundedList(fields.String(validate=validate.OneOf(USAGES)), min_length=1, max_length=len(USAGES))
    entrances = BoundedList(fields.String(validate=validate.Regexp(
        ENTRANCE_RE, error=_l("Not an entrance (BUILDING-ENTRANCE)."))),
        min_length=1, max_length=MAX_ENTRANCES_PER_ITEM)
    monthly_cost_fen = _int(maximum=MAX_AMOUNT_FEN)
    floor_weights = BoundedDict(
        keys=fields.String(validate=validate.Regexp(FLOOR_RE, error=_l("Not a floor number."))),
        values=_int(maximum=1_000_000), min_length=1, max_length=MAX_FLOORS)
    amount_fen = _int(maximum=MAX_AMOUNT_FEN)
    rooms = BoundedList(fields.String(validate=validate.Length(min=1, max=64)),
                        min_length=1, max_length=MAX_ROOMS_PER_ITEM)

    @validates_schema
    def _fields_of_kind(self, data, **_kwargs):
        required, allowed = KIND_FIELDS[data["kind"]]
        errors = {}
        for name in sorted(required - data.keys()):
            errors[name] = [f"Required for kind {data['kind']}."]
        for name in sorted((ALL_KIND_FIELDS - allowed) & data.keys()):
            errors[name] = [f"Not allowed for kind {data['kind']}."]
        if data["kind"] == "elevator_share" and "floor_weights" in data and "monthly_cost_fen" in data \
                and data["monthly_cost_fen"] > 0 and not any(data["floor_weights"].values()):
            errors["floor_weights"] = ["At least one floor needs a weight above 0."]
        if errors:
            raise ValidationError(errors)


class SubsidySchema(Schema):
    """A programme pays a percentage of an item's lines in the listed periods."""

    program = fields.String(required=True, validate=validate.Length(min=1, max=32))
    item = fields.String(required=True, validate=validate.Length(min=1, max=32))
    percent_by_period = BoundedDict(keys=Period(), values=_int(maximum=100), required=True,
                                    min_length=1, max_length=MAX_SUBSIDY_PERIODS)


class FeePlanDocumentSchema(Schema):
    """The fee plan document of CONTRACT.md."""

    estate = fields.String(validate=validate.Length(min=1, max=32))
    effective_from = Period(required=True)
    due_day = _int(required=True, minimum=1, maximum=31)
    late_fee = fields.Nested(LateFeeSchema, allow_none=True, load_default=None)
    items = BoundedList(fields.Nested(FeeItemSchema), required=True, min_length=1, max_length=MAX_ITEMS)
    subsidies = BoundedList(fields.Nested(SubsidySchema), load_default=list, max_length=MAX_SUBSIDIES)

    @validates_schema
    def _codes_and_subsidies(self, data, **_kwargs):
        errors: dict = {}
        seen: dict[str, int] = {}
        for index, item in enumerate(data["items"]):
            if item["code"] in seen:
                errors.setdefault("items", {})[index] = {
                    "code": [f"Duplicate item code (also items.{seen[item['code']]})."]}
            seen.setdefault(item["code"], index)
        subsidised: dict[tuple[str, str], int] = {}
        for index, subsidy in enumerate(data.get("subsidies") or []):
            if subsidy["item"] not in seen:
                errors.setdefault("subsidies", {})[index] = {"item": ["Not an item code of this plan."]}
                continue
            for period in sorted(subsidy["percent_by_period"]):
                key = (subsidy["item"], period)
                if key in subsidised:
                    errors.setdefault("subsidies", {}).setdefault(index, {}).setdefault(
                        "percent_by_period", {})[period] = [
                        f"Item {subsidy['item']} is already subsidised in {period} "
                        f"(subsidies.{subsidised[key]})."]
                subsidised.setdefault(key, index)
        if errors:
            raise ValidationError(errors)


class WarningSchema(Schema):
    field = fields.String()
    message = fields.String()


class FeePlanSchema(FeePlanDocumentSchema):
    """A stored plan: the document, the periods it applies to, and load warnings."""

    id = fields.Integer()
    until = fields.String(allow_none=True, metadata={"description": "last period before a later plan takes over"})
    created_at = fields.DateTime()
    created_by = fields.String()
    warnings = fields.List(fields.Nested(WarningSchema))


class FeePlanListSchema(Schema):
    items = fields.List(fields.Nested(FeePlanSchema))


class BillingRunRequestSchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = Period(required=True)


class BillingRunSchema(Schema):
    run_id = fields.Integer()
    estate = fields.String()
    period = fields.String()
    bills_created = fields.Integer(metadata={"description": "bills this call created (0 when the period was already billed)"})
    total_fen = fields.Integer()
    subsidy_fen = fields.Integer()
    payable_fen = fields.Integer()
    created = fields.Boolean(metadata={"description": "false when the period was already billed"})
    prepayment_applied_fen = fields.Integer()


class BillingRunRowSchema(Schema):
    run_id = fields.Integer()
    estate = fields.String()
    period = fields.String()
    fee_plan_id = fields.Integer()
    bills_created = fields.Integer()
    total_fen = fields.Integer()
    subsidy_fen = fields.Integer()
    payable_fen = fields.Integer()
    triggered_by = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class BillingRunListSchema(PagedSchema):
    items = fields.List(fields.Nested(BillingRunRowSchema))


class BillingRunQuerySchema(Schema):
    estate = fields.String(validate=validate.Length(min=1, max=32))
    period = Period()
    limit = fields.Integer(load_default=MAX_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": "at most this many runs (500 unless given)"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


class RunPageQuerySchema(FilterQuerySchema):
    """/billing/runs?estate=&period=&page= (blank fields: no filter)."""

    estate = fields.String(validate=validate.Length(min=1, max=32))
    period = Period()
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


class BillLineSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    amount_fen = fields.Integer()
    subsidy_fen = fields.Integer()
    payable_fen = fields.Integer()
    program = fields.String(allow_none=True)
    basis = fields.Dict()


class BillSchema(Schema):
    number = fields.String()
    room = fields.String()
    period = fields.String()
    due_date = fields.Date()
    status = fields.String()
    total_fen = fields.Integer()
    subsidy_fen = fields.Integer()
    payable_fen = fields.Integer()
    paid_fen = fields.Integer()
    waived_fen = fields.Integer()
    issued_at = fields.DateTime()
    lines = fields.List(fields.Nested(BillLineSchema))


class BillListSchema(Schema):
    items = fields.List(fields.Nested(BillSchema))
