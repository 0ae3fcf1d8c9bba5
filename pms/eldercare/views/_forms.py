"""The elder-care pages' forms: labels (form helper specs) and their schemas over the API's ones."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate

from pms.core.fields import Period
from pms.core.forms import form_spec
from pms.eldercare import schemas as s

CONTACT_ROWS = 3  # rows of the registration form; two are the minimum the brief of the page asks for


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE


class TodayQuerySchema(_Form):
    worker = fields.String(load_default="", validate=validate.Length(max=64))


class ElderSearchSchema(_Form):
    q = fields.String(load_default="", validate=validate.Length(max=64))


class AlertQuerySchema(_Form):
    open = fields.Boolean(load_default=True)


class CheckInFormSchema(_Form, s.CheckInSchema):
    pass


class CheckOutFormSchema(_Form, s.CheckOutSchema):
    pass


class ConfirmationFormSchema(_Form, s.ConfirmationSchema):
    pass


class AcknowledgeFormSchema(_Form, s.AcknowledgeSchema):
    pass


class CallsQuerySchema(_Form):
    open = fields.Boolean(load_default=True)
    elder = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class CallFormSchema(_Form, s.EmergencyCallCreateSchema):
    elder = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


class CallResponseFormSchema(_Form, s.EmergencyCallResponseSchema):
    pass


class CareKpiQuerySchema(_Form):
    estate = fields.String(load_default="", validate=validate.Length(max=32))
    month = Period(load_default=None)


TODAY_FORM = form_spec("care-today", {"worker": _l("Care worker")})
SEARCH_FORM = form_spec("elder-search", {"q": _l("Name or room")})
ALERTS_FORM = form_spec("care-alerts", {"open": _l("Show")})
CHECK_IN_FORM = form_spec("check-in", {"home_code": _l("Home code (on the elder's card)")})
CHECK_OUT_FORM = form_spec("check-out", {"outcome": _l("Outcome"), "note": _l("Note")})
CONFIRM_FORM = form_spec("confirm-visit", {"pin": _l("The elder's confirmation PIN")})
ACK_FORM = form_spec("acknowledge-alert", {"finding": _l("What did you find?")})
CALLS_FORM = form_spec("care-calls", {"open": _l("Show"), "elder": _l("Elder")})
CALL_FORM = form_spec("emergency-call", {"elder": _l("Elder"), "notes": _l("Who called and what they said")})
RESPONSE_FORM = form_spec("call-response", {"outcome": _l("How the call was handled"), "notes": _l("Further notes")})
KPI_FORM = form_spec("care-kpis", {"estate": _l("Estate"), "month": _l("Month")})

def _contact_label(part: str, row: int):
    return _l("Contact %(n)d: %(part)s", n=row + 1, part={"name": _l("name"), "phone": _l("phone"),
                                                           "relation": _l("relation")}[part])


ELDER_FORM = form_spec("elder", {
    "room": _l("Room (e.g. YJL-3-2-501)"), "name": _l("Name"), "birth_date": _l("Birth date"),
    "lives_alone": _l("Lives alone"), "daily_check_in": _l("Daily check-in visit"),
    "disability_tier": _l("Disability tier"), "hardship": _l("Hardship category"),
    **{f"contact_{part}_{row}": _contact_label(part, row) for row in range(CONTACT_ROWS)
       for part in ("name", "phone", "relation")},
    "health_notes": _l("Health notes"), "consent": _l("The elder agrees that the company keeps these details"),
    "confirmation_pin": _l("Confirmation PIN (4–6 digits)")},
    aliases={"emergency_contacts": "contact_name_0"})


def elder_payload(form) -> tuple[dict, list[int]]:
    """The registration form as the API's body, and the form row of each contact sent (blank rows
    are left out; a refusal's `emergency_contacts.<i>.<part>` is put back on row rows[i])."""
    rows = [row for row in range(CONTACT_ROWS)
            if any(form.get(f"contact_{part}_{row}", "").strip() for part in ("name", "phone", "relation"))]
    tier, daily = form.get("disability_tier", ""), form.get("daily_check_in", "")
    payload = {"room": form.get("room", "").strip().upper(), "name": form.get("name", "").strip(),
               "birth_date": form.get("birth_date", ""), "lives_alone": form.get("lives_alone") == "y",
               "disability_tier": int(tier) if tier in ("1", "2") else (tier or None),
               "hardship": form.get("hardship") or None,
               "emergency_contacts": [{part: form.get(f"contact_{part}_{row}", "").strip()
                                       for part in ("name", "phone", "relation")} for row in rows],
               "health_notes": form.get("health_notes", ""), "consent": form.get("consent") == "y",
               "confirmation_pin": form.get("confirmation_pin", ""),
               "daily_check_in": {"yes": True, "no": False}.get(daily)}
    return payload, rows


def contact_fields(fields_: dict, rows: list[int]) -> dict:
    """A refusal's contact fields renamed to the form's rows."""
    out = {}
    for name, messages in fields_.items():
        parts = str(name).split(".")
        if len(parts) == 3 and parts[0] == "emergency_contacts" and parts[1].isdigit() and int(parts[1]) < len(rows):
            name = f"contact_{parts[2]}_{rows[int(parts[1])]}"
        out[name] = messages
    return out


# ---- the household's page: booking, cancelling, rating --------------------------------------------

class BookingFormSchema(_Form, s.VisitCreateSchema):
    """A resident's booking: the elder comes from the URL; no worker (the office assigns one)."""

    class Meta:
        unknown = EXCLUDE
        exclude = ("worker",)


class RatingFormSchema(_Form, s.VisitRatingCreateSchema):
    stars = fields.Integer(required=True, validate=validate.Range(min=1, max=5))  # form text, not strict


BOOK_FORM = form_spec("book-visit", {"service": _l("Service"), "date": _l("Day"), "start": _l("From"),
                                     "end": _l("Until")})
CANCEL_FORM = form_spec("cancel-visit", {})
RATE_FORM = form_spec("rate-visit", {"stars": _l("Your rating"), "comment": _l("Comment (optional)")})


class StatementQuerySchema(_Form):
    month = Period(load_default=None, metadata={"description": "YYYY-MM; default this month"})
