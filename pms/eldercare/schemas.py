"""Elder-care schemas at the API edge: separate load (input) and dump (output) schemas."""
from __future__ import annotations

from datetime import date, time

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from pms.core.fields import BoundedList, BusinessDate, PagedSchema, Period, utc_text
from pms.core.pagination import PageArgsSchema
from pms.eldercare import rules
from pms.eldercare.models.services import RECURRENCES, SERVICE_KINDS, UNITS
from pms.eldercare.services.visits import OUTCOMES


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a Z suffix, to the second: 2026-01-05T08:30:00Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        return utc_text(value)


class ClockTime(fields.Field):
    """'HH:MM' (24 h) ↔ a time of day."""

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:30",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) != 5 or value[2] != ":" or \
                not (value[:2].isascii() and value[:2].isdigit() and value[3:].isascii() and value[3:].isdigit()):
            raise ValidationError(_("Use HH:MM, e.g. 09:30."))
        hour, minute = int(value[:2]), int(value[3:])
        if hour > 23 or minute > 59:
            raise ValidationError(_("Use HH:MM, e.g. 09:30."))
        return time(hour, minute)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%H:%M")


def _one_of(choices):
    return validate.OneOf(list(choices))


# ---- elders -------------------------------------------------------------------------------------

class ContactSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(required=True, validate=validate.Regexp(r"^[0-9+\- ]{3,32}$"))
    relation = fields.String(required=True, validate=validate.Length(min=1, max=32))


class ElderCreateSchema(Schema):
    room = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    # Not a BusinessDate (years 2000–2100): elders are born in the last century.
    birth_date = fields.Date(required=True, validate=validate.Range(min=date(1880, 1, 1), max=date(2100, 12, 31)),
                             metadata={"description": "YYYY-MM-DD; not in the future"})
    lives_alone = fields.Boolean(required=True)
    disability_tier = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.OneOf([1, 2]),
                                     metadata={"enum": [1, 2, None]})
    hardship = fields.String(load_default=None, allow_none=True, validate=_one_of(rules.HARDSHIPS),
                             metadata={"enum": [*rules.HARDSHIPS, None]})
    emergency_contacts = BoundedList(fields.Nested(ContactSchema), max_length=5, load_default=list)
    health_notes = fields.String(load_default="", validate=validate.Length(max=2000))
    consent = fields.Boolean(required=True, metadata={"description": "The elder's consent (recorded: who, when)."})
    confirmation_pin = fields.String(required=True, load_only=True, validate=validate.Regexp(r"^[0-9]{4,6}$"),
                                     metadata={"description": "4–6 digits; stored hashed, never shown again."})
    daily_check_in = fields.Boolean(load_default=None, allow_none=True,
                                    metadata={"description": "Default: yes when the elder lives alone."})


class ConsentSchema(Schema):
    by = fields.String()
    at = UtcDateTime()


class ElderSchema(Schema):
    """An elder; `health_notes` and `emergency_contacts` only for care workers, managers and the
    resident accounts of the elder's room; `home_code` only in the answer that issued it."""

    id = fields.Integer()
    room = fields.String()
    name = fields.String()
    birth_date = fields.Date()
    age = fields.Integer()
    lives_alone = fields.Boolean()
    daily_check_in = fields.Boolean()
    disability_tier = fields.Integer(allow_none=True)
    hardship = fields.String(allow_none=True)
    consent = fields.Nested(ConsentSchema)
    home_code_issued_at = UtcDateTime()
    health_notes = fields.String()
    emergency_contacts = fields.List(fields.Nested(ContactSchema))
    home_code = fields.String()

    def dump(self, obj, **kwargs):
        data = super().dump(obj, **kwargs)
        if not obj.private:
            data.pop("health_notes", None)
            data.pop("emergency_contacts", None)
        if obj.home_code is None:
            data.pop("home_code", None)
        return data


class ElderQuerySchema(PageArgsSchema):
    estate = fields.String(validate=validate.Length(min=1, max=32))
    lives_alone = fields.Boolean()


class ElderRowSchema(Schema):
    id = fields.Integer()
    room = fields.String()
    name = fields.String()
    age = fields.Integer()
    lives_alone = fields.Boolean()
    disability_tier = fields.Integer(allow_none=True)
    hardship = fields.String(allow_none=True)


class ElderListSchema(PagedSchema):
    items = fields.List(fields.Nested(ElderRowSchema))


class HomeCodeSchema(Schema):
    home_code = fields.String()
    issued_at = UtcDateTime()


class EligibilityQuerySchema(Schema):
    as_of = BusinessDate(metadata={"description": "YYYY-MM-DD; default today"})


class AllowanceSchema(Schema):
    code = fields.String(metadata={"enum": list(rules.ALLOWANCE_CODES)})
    amount_fen = fields.Integer()
    reason = fields.String()


class EligibilitySchema(Schema):
    as_of = fields.Date()
    allowances = fields.List(fields.Nested(AllowanceSchema))
    total_fen = fields.Integer()


# ---- catalogue and settings -----------------------------------------------------------------------

class ServicePutSchema(Schema):
    kind = fields.String(required=True, validate=_one_of(SERVICE_KINDS), metadata={"enum": list(SERVICE_KINDS)})
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    price_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000_000))
    unit = fields.String(required=True, validate=_one_of(UNITS), metadata={"enum": list(UNITS)})
    min_minutes = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1440))
    company = fields.String(validate=validate.Length(min=1, max=32),
                            metadata={"description": "the company's code (platform admins only)"})
    program = fields.String(allow_none=True, validate=validate.Length(min=1, max=32),
                            metadata={"description": "the elder-care programme that pays the subsidy part of the "
                                                     "service's bill lines; null: none (the resident pays all); "
                                                     "left out: unchanged"})


class ServiceCodeSchema(Schema):
    # 27: a bill line's code is "care:" + this code within bill_line.item_code's 32 characters.
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,27}$"))


class ServiceSchema(Schema):
    code = fields.String()
    kind = fields.String()
    name = fields.String()
    price_fen = fields.Integer()
    unit = fields.String()
    min_minutes = fields.Integer()
    subsidy_fen_per_day = fields.Integer(metadata={"description": "what eligible elders' programme pays a day"})
    program = fields.String(allow_none=True, metadata={"description": "the programme billed for the subsidy part"})


class ServiceListSchema(Schema):
    items = fields.List(fields.Nested(ServiceSchema))


class SettingsSchema(Schema):
    grace_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1440))
    check_in_start = ClockTime(required=True)
    check_in_end = ClockTime(required=True)
    escalate_minutes = fields.Integer(strict=True, validate=validate.Range(min=1, max=1440), metadata={
        "description": "an alert nobody acknowledged this long after it was raised is escalated once "
                       "(default 30; left out: unchanged)"})
    company = fields.String(load_only=True, validate=validate.Length(min=1, max=32))


# ---- visits -------------------------------------------------------------------------------------------

class VisitCreateSchema(Schema):
    elder = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    service = fields.String(required=True, validate=validate.Length(min=1, max=32))
    date = BusinessDate(required=True)
    start = ClockTime(required=True)
    end = ClockTime(required=True)
    worker = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "a care worker's username"})


class VisitCreatedSchema(Schema):
    id = fields.Integer()
    status = fields.String()


class VisitQuerySchema(Schema):
    date = BusinessDate(metadata={"description": "YYYY-MM-DD; default today"})
    mine = fields.Boolean(load_default=False, metadata={"description": "care workers: theirs and unassigned"})


class CheckInSchema(Schema):
    home_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class CheckOutSchema(Schema):
    outcome = fields.String(required=True, validate=_one_of(OUTCOMES), metadata={"enum": list(OUTCOMES)})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ConfirmationSchema(Schema):
    pin = fields.String(required=True, validate=validate.Length(min=1, max=16))


class VisitRatingCreateSchema(Schema):
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class VisitRatingSchema(Schema):
    stars = fields.Integer()
    comment = fields.String()
    rated_at = UtcDateTime()


class VisitSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["planned", "checked_in", "checked_out", "confirmed", "missed",
                                              "cancelled"]})
    verified = fields.Boolean(allow_none=True)
    elder = fields.Integer()
    elder_name = fields.String()
    room = fields.String()
    service = fields.String()
    service_kind = fields.String()
    service_name = fields.String()
    date = fields.Date()
    start = fields.String()
    end = fields.String()
    worker = fields.String(allow_none=True)
    plan = fields.Integer(allow_none=True)
    checked_in_at = UtcDateTime(allow_none=True)
    checked_out_at = UtcDateTime(allow_none=True)
    outcome = fields.String()
    note = fields.String()
    confirmed_at = UtcDateTime(allow_none=True)
    confirmation_locked = fields.Boolean()
    anomalies = fields.List(fields.String())
    rating = fields.Nested(VisitRatingSchema, allow_none=True,
                           metadata={"description": "the household's rating, once given"})


class VisitListSchema(Schema):
    date = fields.Date()
    items = fields.List(fields.Nested(VisitSchema))


# ---- care plans and alerts -------------------------------------------------------------------------------

class PlanCreateSchema(Schema):
    elder = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    service = fields.String(required=True, validate=validate.Length(min=1, max=32))
    recurrence = fields.String(required=True, validate=_one_of(RECURRENCES), metadata={"enum": list(RECURRENCES)})
    weekdays = BoundedList(fields.String(validate=_one_of(rules.WEEKDAY_NAMES)), max_length=7, load_default=list,
                           metadata={"description": "weekly plans: mon … sun"})
    start = ClockTime(required=True)
    end = ClockTime(required=True)
    worker = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    starts_on = BusinessDate(load_default=None, allow_none=True)
    ends_on = BusinessDate(load_default=None, allow_none=True)


class PlanSchema(Schema):
    id = fields.Integer()
    elder = fields.Integer(attribute="elder_id")
    service = fields.String()
    recurrence = fields.String()
    weekdays = fields.List(fields.String())
    start = ClockTime(attribute="start_time")
    end = ClockTime(attribute="end_time")
    worker = fields.String(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class PlanListSchema(Schema):
    items = fields.List(fields.Nested(PlanSchema))


class AcknowledgeSchema(Schema):
    finding = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AlertSchema(Schema):
    id = fields.Integer()
    visit = fields.Integer(attribute="visit_id")
    kind = fields.String()
    created_at = UtcDateTime()
    acknowledged_at = UtcDateTime(allow_none=True)
    escalated_at = UtcDateTime(allow_none=True)
    finding = fields.String()


class AlertRowSchema(AlertSchema):
    date = fields.Date()
    elder_name = fields.String()
    room = fields.String()


class AlertQuerySchema(Schema):
    open = fields.Boolean(load_default=True, metadata={"description": "only alerts nobody acknowledged yet"})


class AlertListSchema(Schema):
    items = fields.List(fields.Nested(AlertRowSchema))


# ---- emergency calls ------------------------------------------------------------------------------

class EmergencyCallCreateSchema(Schema):
    notes = fields.String(load_default="", validate=validate.Length(max=2000),
                          metadata={"description": "who called and what they said"})


class EmergencyCallResponseSchema(Schema):
    outcome = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"description": "what was done, e.g. visited, the elder had fallen, 120 called"})
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class EmergencyCallSchema(Schema):
    id = fields.Integer()
    elder = fields.Integer(attribute="elder_id")
    elder_name = fields.String()
    room = fields.String()
    received_at = UtcDateTime()
    received_by = fields.String()
    responded_at = UtcDateTime(allow_none=True)
    responder = fields.String(allow_none=True)
    outcome = fields.String()
    notes = fields.String()
    response_minutes = fields.Float(allow_none=True, metadata={"description": "minutes from receipt to response, "
                                                                              "one decimal; null while open"})


class EmergencyCallQuerySchema(Schema):
    estate = fields.String(validate=validate.Length(min=1, max=32))
    open = fields.Boolean(load_default=False, metadata={"description": "only calls not answered yet"})


class EmergencyCallListSchema(Schema):
    items = fields.List(fields.Nested(EmergencyCallSchema))


# ---- monthly figures ---------------------------------------------------------------------------------

class CareKpiQuerySchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    month = Period(metadata={"description": "YYYY-MM (default: this month)"})


class CareTrendMonthSchema(Schema):
    month = fields.String()
    planned = fields.Integer()
    delivered = fields.Integer()


class CareKpiSchema(Schema):
    estate = fields.String()
    month = fields.String()
    elders_served = fields.Integer()
    visits_planned = fields.Integer()
    visits_delivered = fields.Integer()
    visits_verified = fields.Integer()
    visits_confirmed = fields.Integer()
    missed_check_ins = fields.Integer()
    alerts_open = fields.Integer()
    ack_minutes_median = fields.Float(allow_none=True)
    ack_minutes_p90 = fields.Float(allow_none=True, metadata={"description": "nearest-rank percentile"})
    calls = fields.Integer()
    calls_answered = fields.Integer()
    call_response_minutes_median = fields.Float(allow_none=True)
    call_response_minutes_p90 = fields.Float(allow_none=True, metadata={"description": "nearest-rank percentile"})
    trend = fields.List(fields.Nested(CareTrendMonthSchema),
                        metadata={"description": "the 12 months ending with month"})
