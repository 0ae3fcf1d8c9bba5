"""Documents API schemas (dump only)."""
from __future__ import annotations

from marshmallow import Schema, fields


class EstateRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class IssuedDocumentSchema(Schema):
    kind = fields.String(metadata={"description": "statement, receipt, credit_note, arrears_notice, "
                                                  "public_notice, audit_report"})
    kind_label = fields.String()
    number = fields.String()
    variant = fields.String(metadata={"description": "language, then marks: masked (owners' names), void"})
    estate = fields.Nested(EstateRefSchema, allow_none=True)
    issued_at = fields.String()
    issued_on = fields.String()
    issued_by = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    later_variants = fields.List(fields.String(), metadata={
        "description": "renditions issued after this one (e.g. zh_CN-void: the receipt was voided since)"})


class VerdictSchema(Schema):
    status = fields.String(metadata={"description": "genuine, altered or unknown"})
    ok = fields.Boolean()
    sha256 = fields.String()
    claimed = fields.String(allow_none=True, metadata={"description": "the identification the file carries"})
    message = fields.String()
    document = fields.Nested(IssuedDocumentSchema, allow_none=True)
