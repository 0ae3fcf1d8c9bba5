"""Notifications API: the caller's in-app notifications; the outbox's query and what a manager sees of a
message (never its body)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from pms.core.fields import PagedSchema, utc_text
from pms.notifications.services import STATUSES


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a Z suffix, to the second: 2026-01-05T08:30:00Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        return utc_text(value)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String()
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


class OutboxQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={
        "enum": list(STATUSES),
        "description": "queued, sending, retrying (a temporary failure, due again at next_attempt_at), "
                       "failed (given up; last_error says why) or sent. Absent: every message."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000_000))


class OutboxMessageSchema(Schema):
    id = fields.Integer()
    estate = fields.String(allow_none=True, metadata={"description": "the estate's code"})
    channel = fields.String(metadata={"enum": ["email", "sms"]})
    recipient = fields.String(allow_none=True, metadata={"description": "the recipient's username, if an account"})
    to_address = fields.String(metadata={"description": "the address it goes to (an account's e-mail when "
                                                        "the message names no address); empty when unknown"})
    subject = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    attempts = fields.Integer()
    last_error = fields.String(metadata={"description": "why the last attempt failed (empty if none)"})
    created_at = UtcDateTime()
    next_attempt_at = UtcDateTime(allow_none=True)
    failed_at = UtcDateTime(allow_none=True)
    sent_at = UtcDateTime(allow_none=True)


class OutboxListSchema(PagedSchema):
    items = fields.List(fields.Nested(OutboxMessageSchema))


class OutboxPageArgsSchema(Schema):
    """Query string of the outbox page: which messages (default: the ones needing attention), a page."""

    class Meta:
        unknown = EXCLUDE  # ?lang= and whatever a browser adds

    status = fields.String(load_default="attention", validate=validate.OneOf(("attention", *STATUSES)))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
