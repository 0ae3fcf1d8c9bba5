"""Maintenance schemas of repair requests at the API edge: filing, workflow moves and actions, filters, the dumps of a
ticket, and the estate's SLA policy. Separate load (input) and dump (output) schemas."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from pms.core.fields import FilterQuerySchema, PagedSchema
from pms.core.pagination import PageArgsSchema
from pms.maintenance import rules
from pms.maintenance.schemas.fields import LOCATION_HELP, LocationField, UtcDateTime, one_of


class TicketCreateSchema(Schema):
    room = fields.String(validate=validate.Length(min=1, max=64),
                         metadata={"description": "A room code ESTATE-BUILDING-ENTRANCE-ROOM (yours, if a resident)."})
    location = LocationField(metadata={"description": LOCATION_HELP, "type": "string",
                                       "example": "YJL-3-2"})
    place = fields.String(load_default="", validate=validate.Length(max=128))
    category = fields.String(required=True, validate=one_of(rules.CATEGORIES),
                             metadata={"enum": list(rules.CATEGORIES)})
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    urgency = fields.String(required=True, validate=one_of(rules.URGENCIES),
                            metadata={"enum": list(rules.URGENCIES)})
    channel = fields.String(validate=one_of(rules.CHANNELS),
                            metadata={"description": "Staff filing on a resident's behalf: phone (default), "
                                                     "walk_in or visit. Residents always file via app."})
    reporter_name = fields.String(load_default="", validate=validate.Length(max=64))
    reporter_phone = fields.String(load_default="", validate=validate.Length(max=32))
    complaint = fields.Boolean(load_default=False)

    @validates_schema
    def _room_or_location(self, data, **kwargs):
        if ("room" in data) == ("location" in data):
            raise ValidationError(_("Give either room or location."), field_name="room")
        if not data["description"].strip():
            raise ValidationError(_("Describe the problem."), field_name="description")


class TicketCreatedSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    respond_by = UtcDateTime()
    resolve_by = UtcDateTime()


class TransitionSchema(Schema):
    to = fields.String(required=True, validate=one_of(rules.STATUSES), metadata={"enum": list(rules.STATUSES)})
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    technician = fields.String(validate=validate.Length(min=1, max=64),
                               metadata={"description": "username; with to=assigned"})
    payer = fields.String(validate=one_of(rules.PAYERS), metadata={"description": "with to=resolved"})
    amount_fen = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000_000),
                                metadata={"description": "with to=resolved"})
    rating = fields.Integer(strict=True, validate=validate.Range(min=1, max=5),
                            metadata={"description": "1–5, with to=closed (residents)"})
    comment = fields.String(validate=validate.Length(max=500))


class AssignSchema(Schema):
    technician = fields.String(required=True, validate=validate.Length(min=1, max=64))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class PayerSchema(Schema):
    payer = fields.String(required=True, validate=one_of(rules.PAYERS))
    amount_fen = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000_000))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class CostSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["material", "labour"]))
    description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000),
                              metadata={"description": "pieces/metres; minutes for labour"})
    unit_price_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000_000),
                                    metadata={"description": "per piece; per HOUR for labour"})


class RatingSchema(Schema):
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class NoteSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ComplaintSchema(Schema):
    complaint = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class TicketFilterFields(Schema):
    """The filters the queue page and the ticket list share (all optional, combined with AND)."""

    urgency = fields.String(validate=one_of(rules.URGENCIES))
    category = fields.String(validate=one_of(rules.CATEGORIES))
    assignee = fields.String(validate=validate.Length(min=1, max=64),
                             metadata={"description": "a technician's username, or 'none' for unassigned"})
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "search: ticket number, room or place code, words of the request"})


class TicketQuerySchema(PageArgsSchema, TicketFilterFields):
    estate = fields.String(validate=validate.Length(max=32))
    status = fields.String(validate=one_of(rules.STATUSES))
    open = fields.Boolean(load_default=False)
    mine = fields.Boolean(load_default=False, metadata={"description": "technicians: assigned to me; "
                                                                      "residents: filed by me"})


# The queue page's `status`: a status code, 'open' (the default: every unfinished request) or 'all'.
QUEUE_STATUSES = ("open", "all", *rules.STATUSES)


class QueueQuerySchema(TicketFilterFields, FilterQuerySchema):
    """/maintenance/queue?status=&urgency=&category=&estate=&assignee=&q=&page= (blank = no filter)."""

    status = fields.String(load_default="open", validate=one_of(QUEUE_STATUSES))
    estate = fields.String(validate=validate.Length(min=1, max=32))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    all = fields.Boolean(load_default=False, metadata={"description": "old link: same as status=all"})


# ---- dumps ---------------------------------------------------------------------------------

class SlaClockSchema(Schema):
    state = fields.String(metadata={"description": "met, breached, pending or n/a"})
    minutes_left = fields.Integer(allow_none=True)


class SlaSchema(Schema):
    respond = fields.Nested(SlaClockSchema)
    resolve = fields.Nested(SlaClockSchema)


class PersonRefSchema(Schema):
    username = fields.String()
    display_name = fields.String()


class WarrantyInfoSchema(Schema):
    component = fields.String()
    kind = fields.String()
    place = fields.String()
    contractor = fields.String()
    contractor_phone = fields.String()
    project = fields.String()
    warranty_ends_on = fields.Date()


class PhotoSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    width = fields.Integer()
    height = fields.Integer()
    uploaded_at = UtcDateTime()


class CostOutSchema(Schema):
    kind = fields.String()
    description = fields.String()
    quantity = fields.Integer()
    unit_price_fen = fields.Integer()
    amount_fen = fields.Integer()


class EventSchema(Schema):
    at = UtcDateTime()
    actor = fields.String()
    kind = fields.String()
    from_status = fields.String(data_key="from", allow_none=True)
    to_status = fields.String(data_key="to", allow_none=True)
    note = fields.String()


class TicketSummarySchema(Schema):
    id = fields.Integer()
    status = fields.String()
    estate = fields.String()
    room = fields.String(allow_none=True)
    location = fields.String()
    place = fields.String()
    category = fields.String()
    description = fields.String()
    urgency = fields.String()
    channel = fields.String()
    submitted_at = UtcDateTime()
    respond_by = UtcDateTime()
    resolve_by = UtcDateTime()
    responded_at = UtcDateTime(allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    sla = fields.Nested(SlaSchema)
    in_warranty = fields.Boolean()
    assignee = fields.Nested(PersonRefSchema, allow_none=True)
    payer = fields.String(allow_none=True)
    amount_fen = fields.Integer()
    rating = fields.Integer(allow_none=True)
    complaint = fields.Boolean()
    reopen_count = fields.Integer()
    allowed_moves = fields.List(fields.String())


class TicketSchema(TicketSummarySchema):
    reporter_name = fields.String()
    reporter_phone = fields.String()
    rating_comment = fields.String()
    warranty = fields.Nested(WarrantyInfoSchema, allow_none=True)
    photos = fields.List(fields.Nested(PhotoSchema))
    costs = fields.List(fields.Nested(CostOutSchema))
    events = fields.List(fields.Nested(EventSchema))


class TicketListSchema(PagedSchema):
    items = fields.List(fields.Nested(TicketSummarySchema))


class PhotoListSchema(Schema):
    items = fields.List(fields.Nested(PhotoSchema))


# ---- SLA policies ----------------------------------------------------------------------------

class SlaMinutesSchema(Schema):
    respond_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=525_600))
    resolve_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=525_600))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["resolve_minutes"] < data["respond_minutes"]:
            raise ValidationError(_("Must be at least the response time."), field_name="resolve_minutes")


class SlaPolicySchema(Schema):
    emergency = fields.Nested(SlaMinutesSchema)
    urgent = fields.Nested(SlaMinutesSchema)
    normal = fields.Nested(SlaMinutesSchema)
