"""Planned works (停水/停电/电梯停运) at the API edge."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from pms.core.fields import Instant
from pms.maintenance import rules
from pms.maintenance.schemas.fields import UtcDateTime, one_of


class PlannedWorkInSchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    building = fields.String(required=True, validate=validate.Length(min=1, max=16))
    entrance = fields.String(required=True, validate=validate.Length(min=1, max=16))
    service = fields.String(required=True, validate=one_of(rules.SERVICES), metadata={"enum": list(rules.SERVICES)})
    starts_at = Instant(required=True)
    ends_at = Instant(required=True, metadata={"description": "after starts_at"})
    title = fields.String(load_default="", validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=1000))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ValidationError(_("The work must end after it starts."), field_name="ends_at")


class PlannedWorkSchema(Schema):
    id = fields.Integer()
    estate_code = fields.String()
    place = fields.String()
    service = fields.String()
    title = fields.String()
    note = fields.String()
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    cancelled = fields.Boolean()
    ongoing = fields.Boolean()


class PlannedWorkListSchema(Schema):
    items = fields.List(fields.Nested(PlannedWorkSchema))
