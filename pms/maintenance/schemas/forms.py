"""HTML forms of the maintenance pages (strings from the browser; money typed in yuan)."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from pms.core import periods
from pms.core.fields import Yuan, date_range_message
from pms.maintenance import rules
from pms.maintenance.schemas.fields import LocationField, one_of


class LocalDateTimeField(fields.Field):
    """A browser's datetime-local value ('2026-03-05T09:00') in the business timezone → aware."""

    def _deserialize(self, value, attr, data, **kwargs):
        from datetime import datetime

        from pms.core import clock

        try:
            naive = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(_("Enter a date and time.")) from None
        if not periods.in_bounds(naive.date()):  # before any conversion (year 1 cannot move back)
            raise ValidationError(date_range_message())
        return naive if naive.tzinfo else naive.replace(tzinfo=clock.timezone())


class TicketFormSchema(Schema):
    room = fields.String(validate=validate.Length(min=1, max=64))
    location = LocationField()
    place = fields.String(load_default="", validate=validate.Length(max=128))
    category = fields.String(required=True, validate=one_of(rules.CATEGORIES))
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    urgency = fields.String(required=True, validate=one_of(rules.URGENCIES))
    channel = fields.String(validate=one_of(rules.CHANNELS))
    reporter_name = fields.String(load_default="", validate=validate.Length(max=64))
    reporter_phone = fields.String(load_default="", validate=validate.Length(max=32))
    complaint = fields.Boolean(load_default=False)

    @validates_schema
    def _room_or_location(self, data, **kwargs):
        if ("room" in data) == ("location" in data):
            raise ValidationError(_("Choose your home or a common place."), field_name="room")


class MoveFormSchema(Schema):
    to = fields.String(required=True, validate=one_of(rules.STATUSES))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    technician = fields.String(validate=validate.Length(min=1, max=64))
    payer = fields.String(validate=one_of(rules.PAYERS))
    amount = Yuan(data_key="amount")
    rating = fields.Integer(validate=validate.Range(min=1, max=5))
    comment = fields.String(validate=validate.Length(max=500))


class CostFormSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["material", "labour"]))
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    unit_price = Yuan(required=True, maximum_fen=10_000_000)


class PlannedWorkFormSchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    building = fields.String(required=True, validate=validate.Length(min=1, max=16))
    entrance = fields.String(required=True, validate=validate.Length(min=1, max=16))
    service = fields.String(required=True, validate=one_of(rules.SERVICES))
    starts_at = LocalDateTimeField(required=True)
    ends_at = LocalDateTimeField(required=True)
    title = fields.String(load_default="", validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=1000))
