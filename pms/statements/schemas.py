"""Schemas at the edge of statements: the building print form."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from pms.core.fields import Period


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
