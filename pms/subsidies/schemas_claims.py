"""Claim schemas at the API edge (CONTRACT.md "Subsidies")."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from pms.core.fields import Period


class ClaimCreateSchema(Schema):
    program = fields.String(required=True, validate=validate.Length(min=1, max=32))
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = Period(required=True)


class VisitEvidenceSchema(Schema):
    id = fields.Integer()
    date = fields.String()
    service = fields.String()
    checked_in_at = fields.DateTime()
    checked_out_at = fields.DateTime()
    confirmed_at = fields.DateTime()
    verified = fields.Boolean()


class EvidenceSchema(Schema):
    type = fields.String(metadata={"enum": ["bill_line", "visit"]})
    ref = fields.String(metadata={"description": "bill number:item code, or visit:id"})
    bill = fields.String()
    room = fields.String()
    visit = fields.Nested(VisitEvidenceSchema, allow_none=True)


class ClaimLineSchema(Schema):
    id = fields.Integer()
    room = fields.String()
    amount_fen = fields.Integer()
    status = fields.String()
    evidence = fields.Nested(EvidenceSchema)


class ClaimSchema(Schema):
    id = fields.Integer()
    program = fields.String()
    program_name = fields.String()
    estate = fields.String()
    period = fields.String()
    status = fields.String()
    total_fen = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    submitted_by = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(ClaimLineSchema))


class ClaimSummarySchema(Schema):
    id = fields.Integer()
    program = fields.String()
    estate = fields.String()
    period = fields.String()
    status = fields.String()
    total_fen = fields.Integer()


class ClaimListSchema(Schema):
    items = fields.List(fields.Nested(ClaimSummarySchema))


class ClaimQuerySchema(Schema):
    estate = fields.String(validate=validate.Length(min=1, max=32))


class FindingSchema(Schema):
    rule = fields.String()
    line = fields.Integer(allow_none=True)
    detail = fields.String()


class FindingListSchema(Schema):
    items = fields.List(fields.Nested(FindingSchema))
