"""Account schemas at the API edge."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    name = fields.String(load_default="", validate=validate.Length(max=64),
                         metadata={"description": "What the token is for, shown in the token list."})


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class TokenInfoSchema(Schema):
    """One of your tokens (never the token itself)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True, required=True,
                                   metadata={"description": "Recorded to the minute; null: never used."})
    current = fields.Boolean(required=True, metadata={"description": "The token of this request."})


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenInfoSchema), required=True)


class MeSchema(Schema):
    username = fields.String()
    role = fields.String()
    display_name = fields.String()
