"""Account schemas at the API edge."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class MeSchema(Schema):
    username = fields.String()
    role = fields.String()
    display_name = fields.String()
