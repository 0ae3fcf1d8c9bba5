"""Maintenance schemas at the API edge: separate load (input) and dump (output) schemas."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from pms.core import periods
from pms.core.api import (BoundedList, BusinessDate, Instant, PagedSchema, Period, Yuan, date_range_message,
                          utc_text)
from pms.core.pagination import PageArgsSchema
from pms.maintenance import rules
from pms.maintenance.services.common import parse_location

LOCATION_HELP = (
    "A common place of an estate: the string 'ESTATE' (an estate area), 'ESTATE-BUILDING' or "
    "'ESTATE-BUILDING-ENTRANCE' (e.g. 'YJL-3-2'), or the object "
    "{\"estate\": \"YJL\", \"building\": \"3\", \"entrance\": \"2\"} (building and entrance optional). "
    "Use `place` for a free-text spot such as 'north gate'. Give either `room` or `location`.")


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a Z suffix, to the second: 2026-01-05T08:30:00Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        return utc_text(value)


class LocationField(fields.Field):
    """'YJL' / 'YJL-3' / 'YJL-3-2' or {"estate", "building", "entrance"} → a dict."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                return parse_location(value)
            except ValueError:
                raise ValidationError(_("Use ESTATE, ESTATE-BUILDING or ESTATE-BUILDING-ENTRANCE.")) from None
        if isinstance(value, dict):
            unknown = set(value) - {"estate", "building", "entrance"}
            if unknown:
                raise ValidationError(_("Unknown keys: %(keys)s.", keys=", ".join(sorted(unknown))))
            out = {k: value.get(k) for k in ("estate", "building", "entrance")}
            if not isinstance(out["estate"], str) or not out["estate"].strip():
                raise ValidationError(_("estate is required."))
            for key in ("building", "entrance"):
                if out[key] is not None and (not isinstance(out[key], str) or not out[key].strip()):
                    raise ValidationError(_("%(key)s must be a non-empty string.", key=key))
            if out["entrance"] and not out["building"]:
                raise ValidationError(_("An entrance needs its building."))
            return out
        raise ValidationError(_("A string or an object is required."))


def _one_of(choices):
    return validate.OneOf(list(choices))


class TicketCreateSchema(Schema):
    room = fields.String(validate=validate.Length(min=1, max=64),
                         metadata={"description": "A room code ESTATE-BUILDING-ENTRANCE-ROOM (yours, if a resident)."})
    location = LocationField(metadata={"description": LOCATION_HELP, "type": "string",
                                       "example": "YJL-3-2"})
    place = fields.String(load_default="", validate=validate.Length(max=128))
    category = fields.String(required=True, validate=_one_of(rules.CATEGORIES),
                             metadata={"enum": list(rules.CATEGORIES)})
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    urgency = fields.String(required=True, validate=_one_of(rules.URGENCIES),
                            metadata={"enum": list(rules.URGENCIES)})
    channel = fields.String(validate=_one_of(rules.CHANNELS),
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
    to = fields.String(required=True, validate=_one_of(rules.STATUSES), metadata={"enum": list(rules.STATUSES)})
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    technician = fields.String(validate=validate.Length(min=1, max=64),
                               metadata={"description": "username; with to=assigned"})
    payer = fields.String(validate=_one_of(rules.PAYERS), metadata={"description": "with to=resolved"})
    amount_fen = fields.Integer(strict=True, validate=validate.Range(min=0, max=100_000_000),
                                metadata={"description": "with to=resolved"})
    rating = fields.Integer(strict=True, validate=validate.Range(min=1, max=5),
                            metadata={"description": "1–5, with to=closed (residents)"})
    comment = fields.String(validate=validate.Length(max=500))


class AssignSchema(Schema):
    technician = fields.String(required=True, validate=validate.Length(min=1, max=64))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class PayerSchema(Schema):
    payer = fields.String(required=True, validate=_one_of(rules.PAYERS))
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

    urgency = fields.String(validate=_one_of(rules.URGENCIES))
    category = fields.String(validate=_one_of(rules.CATEGORIES))
    assignee = fields.String(validate=validate.Length(min=1, max=64),
                             metadata={"description": "a technician's username, or 'none' for unassigned"})
    q = fields.String(validate=validate.Length(max=100),
                      metadata={"description": "search: ticket number, room or place code, words of the request"})


class TicketQuerySchema(PageArgsSchema, TicketFilterFields):
    estate = fields.String(validate=validate.Length(max=32))
    status = fields.String(validate=_one_of(rules.STATUSES))
    open = fields.Boolean(load_default=False)
    mine = fields.Boolean(load_default=False, metadata={"description": "technicians: assigned to me; "
                                                                      "residents: filed by me"})


# The queue page's `status`: a status code, 'open' (the default: every unfinished request) or 'all'.
QUEUE_STATUSES = ("open", "all", *rules.STATUSES)


class QueueQuerySchema(TicketFilterFields):
    """/maintenance/queue?status=&urgency=&category=&estate=&assignee=&q=&page= (blank = no filter)."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="open", validate=_one_of(QUEUE_STATUSES))
    estate = fields.String(validate=validate.Length(min=1, max=32))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    all = fields.Boolean(load_default=False, metadata={"description": "old link: same as status=all"})

    @pre_load
    def drop_blanks(self, data, **_kwargs):
        """Browsers send empty strings for the filters left at 'any'."""
        return {k: v.strip() if isinstance(v, str) else v for k, v in dict(data).items()
                if v is not None and str(v).strip() != ""}


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


# ---- SLA policies, projects, elevators, work orders, planned works, KPIs -----------------------

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


class ComponentInSchema(Schema):
    kind = fields.String(required=True, validate=_one_of(rules.COMPONENT_KINDS),
                         metadata={"enum": list(rules.COMPONENT_KINDS)})
    building = fields.String(load_default=None, validate=validate.Length(min=1, max=16))
    entrance = fields.String(load_default=None, validate=validate.Length(min=1, max=16))
    warranty_ends_on = BusinessDate(load_default=None, metadata={
        "description": "Override (last covered day); never earlier than the statutory end."})
    note = fields.String(load_default="", validate=validate.Length(max=200))


class ProjectInSchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    contractor = fields.String(required=True, validate=validate.Length(min=1, max=128))
    contractor_phone = fields.String(load_default="", validate=validate.Length(max=32))
    accepted_on = BusinessDate(required=True, metadata={"description": "completion-acceptance date"})
    components = BoundedList(fields.Nested(ComponentInSchema), required=True, min_length=1, max_length=200)


class ProjectCreatedSchema(Schema):
    id = fields.Integer()


class ComponentOutSchema(Schema):
    component = fields.String()
    kind = fields.String()
    place = fields.String()
    contractor = fields.String()
    contractor_phone = fields.String()
    project = fields.String()
    accepted_on = fields.Date()
    warranty_ends_on = fields.Date()
    overridden = fields.Boolean()
    in_warranty = fields.Boolean()


class ComponentListSchema(Schema):
    items = fields.List(fields.Nested(ComponentOutSchema))


class EstateQuerySchema(Schema):
    estate = fields.String(validate=validate.Length(max=32))


class ElevatorInSchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    building = fields.String(required=True, validate=validate.Length(min=1, max=16))
    entrance = fields.String(required=True, validate=validate.Length(min=1, max=16))
    registration_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    accepted_on = BusinessDate(required=True)
    maintainer = fields.String(load_default="", validate=validate.Length(max=128))
    maintainer_phone = fields.String(load_default="", validate=validate.Length(max=32))


class ElevatorSchema(Schema):
    id = fields.Integer()
    estate_code = fields.String()
    place = fields.String()
    registration_number = fields.String()
    accepted_on = fields.Date()
    maintainer = fields.String()
    maintainer_phone = fields.String()
    status = fields.String(metadata={"description": "in_service or stopped (停用)"})
    reason = fields.String()
    last_inspection_due = fields.Date(allow_none=True)
    next_inspection_due = fields.Date(allow_none=True)
    next_maintenance_due = fields.Date(allow_none=True)
    overdue_orders = fields.Integer()


class ElevatorListSchema(Schema):
    items = fields.List(fields.Nested(ElevatorSchema))


class WorkOrderSchema(Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    kind = fields.String()
    due_on = fields.Date()
    status = fields.String()
    result = fields.String(allow_none=True)
    overdue = fields.Boolean()
    note = fields.String()


class WorkOrderListSchema(Schema):
    items = fields.List(fields.Nested(WorkOrderSchema))


class WorkOrderQuerySchema(Schema):
    estate = fields.String(validate=validate.Length(max=32))
    status = fields.String(validate=validate.OneOf(["open", "done"]))
    overdue = fields.Boolean(load_default=False)


class WorkOrderDoneSchema(Schema):
    result = fields.String(required=True, validate=validate.OneOf(["done", "passed", "failed"]))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class PlannedWorkInSchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    building = fields.String(required=True, validate=validate.Length(min=1, max=16))
    entrance = fields.String(required=True, validate=validate.Length(min=1, max=16))
    service = fields.String(required=True, validate=_one_of(rules.SERVICES), metadata={"enum": list(rules.SERVICES)})
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


class KpiQuerySchema(Schema):
    period = Period(required=True)


class KpiPageQuerySchema(Schema):
    """The KPI page's filter form (blank fields: the first estate, the previous month)."""

    class Meta:
        unknown = EXCLUDE

    estate = fields.String(load_default=None, validate=validate.Length(max=32))
    period = Period(load_default=None)

    @pre_load
    def _drop_blanks(self, data, **_kwargs):
        return {k: v for k, v in dict(data).items() if v not in ("", None)}


class KpiSchema(Schema):
    estate = fields.String()
    period = fields.String()
    households = fields.Integer()
    requests = fields.Integer()
    requests_per_100_households = fields.Float(allow_none=True)
    response_minutes_median = fields.Float(allow_none=True)
    response_minutes_p90 = fields.Float(allow_none=True)
    resolution_hours_median = fields.Float(allow_none=True)
    resolution_hours_p90 = fields.Float(allow_none=True)
    sla_compliance_percent = fields.Float(allow_none=True)
    sla_met = fields.Integer()
    sla_breached = fields.Integer()
    average_rating = fields.Float(allow_none=True)
    ratings = fields.Integer()
    reopen_rate_percent = fields.Float(allow_none=True)
    complaints = fields.Integer()


# ---- HTML forms (strings from the browser; money typed in yuan) ------------------------------

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
    category = fields.String(required=True, validate=_one_of(rules.CATEGORIES))
    description = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    urgency = fields.String(required=True, validate=_one_of(rules.URGENCIES))
    channel = fields.String(validate=_one_of(rules.CHANNELS))
    reporter_name = fields.String(load_default="", validate=validate.Length(max=64))
    reporter_phone = fields.String(load_default="", validate=validate.Length(max=32))
    complaint = fields.Boolean(load_default=False)

    @validates_schema
    def _room_or_location(self, data, **kwargs):
        if ("room" in data) == ("location" in data):
            raise ValidationError(_("Choose your home or a common place."), field_name="room")


class MoveFormSchema(Schema):
    to = fields.String(required=True, validate=_one_of(rules.STATUSES))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    technician = fields.String(validate=validate.Length(min=1, max=64))
    payer = fields.String(validate=_one_of(rules.PAYERS))
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
    service = fields.String(required=True, validate=_one_of(rules.SERVICES))
    starts_at = LocalDateTimeField(required=True)
    ends_at = LocalDateTimeField(required=True)
    title = fields.String(load_default="", validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=1000))
