"""Subsidies schemas at the API edge: separate load (input) and dump (output) schemas."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from pms.core.fields import BusinessDate, Period, Yuan, utc_text
from pms.subsidies.models import PROGRAM_KINDS
from pms.subsidies.services.programs import MAX_FEN


def _fen(**kwargs):
    return fields.Integer(strict=True, **kwargs)


class ProgramCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"),
                         metadata={"description": "1–32 letters, digits, '.', '_' or '-'; unique"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    kind = fields.String(required=True, validate=validate.OneOf(list(PROGRAM_KINDS)))
    budget_fen = _fen(required=True, validate=validate.Range(min=0, max=MAX_FEN))
    period_from = BusinessDate(required=True)
    period_to = BusinessDate(required=True, metadata={"description": "on or after period_from"})
    district = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9]{6}$"),
                             metadata={"description": "6-digit district code: required for the platform (admin); "
                                                      "an officer's programme is of their own district"})
    # What an elevator or renovation programme pays per piece of evidence (optional; the other
    # kinds pay what the bills say).
    unit_fen = _fen(load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_FEN),
                    metadata={"description": "elevator programmes: fen paid per elevator whose inspection "
                                             "certificate is issued"})
    percent = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0, max=100),
                             metadata={"description": "renovation programmes: whole percent of a completed "
                                                      "project's contract amount, rounded half-up to the fen"})


class ProgramSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    district = fields.String()
    district_name = fields.String()
    budget_fen = fields.Integer(allow_none=True, metadata={"description": "null: no budget (cannot allocate)"})
    allocated_fen = fields.Integer()
    unallocated_fen = fields.Integer(allow_none=True, metadata={"description": "budget − allocated; null without a budget"})
    period_from = fields.Date(allow_none=True)
    period_to = fields.Date(allow_none=True)
    unit_fen = fields.Integer(allow_none=True, metadata={"description": "elevator: paid per elevator certified"})
    percent = fields.Integer(allow_none=True, metadata={"description": "renovation: % of the works' contract amount"})


class ProgramListSchema(Schema):
    items = fields.List(fields.Nested(ProgramSchema))


class EstateAllocationSchema(Schema):
    estate = fields.String()
    estate_name = fields.String()
    amount_fen = fields.Integer(metadata={"description": "the estate's allocations added up"})


class ProgramDetailSchema(ProgramSchema):
    allocations = fields.List(fields.Nested(EstateAllocationSchema),
                              metadata={"description": "per estate (staff: their company's estates only)"})


class ProgramAllocationCreateSchema(Schema):
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32),
                           metadata={"description": "an estate code of the programme's district"})
    amount_fen = _fen(required=True, validate=validate.Range(min=1, max=MAX_FEN))


class ProgramAllocationSchema(Schema):
    id = fields.Integer()
    program = fields.String()
    estate = fields.String()
    amount_fen = fields.Integer()
    created_by = fields.String()
    created_at = fields.Function(lambda a: utc_text(a["created_at"]), metadata={"type": "string",
                                                                                 "format": "date-time"})
    unallocated_fen = fields.Integer(metadata={"description": "what is left of the budget after it"})


# ---- the pages' forms ------------------------------------------------------------------------------

class ProgramAllocationFormSchema(Schema):
    """The programme page's form: the amount typed in yuan."""

    class Meta:
        unknown = EXCLUDE

    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    amount = Yuan(required=True, minimum_fen=1, maximum_fen=MAX_FEN)


# ---- claims -------------------------------------------------------------------------------------

class ClaimCreateSchema(Schema):
    program = fields.String(required=True, validate=validate.Length(min=1, max=32))
    estate = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = Period(required=True)


class ClaimBatchCreateSchema(Schema):
    program = fields.String(required=True, validate=validate.Length(min=1, max=32))
    period = Period(required=True)
    estates = fields.List(fields.String(validate=validate.Length(min=1, max=32)), load_default=None,
                          validate=validate.Length(min=1, max=5000),
                          metadata={"description": "estate codes; omitted: every estate of the district in scope"})


class ClaimBatchSchema(Schema):
    items = fields.List(fields.Nested(lambda: ClaimSummarySchema()))
    claims = fields.Integer()
    total_fen = fields.Integer()


class VisitEvidenceSchema(Schema):
    id = fields.Integer()
    date = fields.String()
    service = fields.String()
    checked_in_at = fields.DateTime()
    checked_out_at = fields.DateTime()
    confirmed_at = fields.DateTime()
    verified = fields.Boolean()


class EquipmentRefSchema(Schema):
    id = fields.Integer()
    registration_number = fields.String()
    place = fields.String(metadata={"description": "ESTATE-BUILDING-ENTRANCE"})


class CertificateEvidenceSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    issued_on = fields.String()
    issuer = fields.String()
    valid_until = fields.String(allow_none=True)
    equipment = fields.Nested(EquipmentRefSchema)


class WorkEvidenceSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    contractor = fields.String()
    accepted_on = fields.String(metadata={"description": "completion-acceptance date"})
    contract_fen = fields.Integer()
    estate = fields.String()


class EvidenceSchema(Schema):
    type = fields.String(metadata={"enum": ["bill_line", "visit", "certificate", "work"]})
    ref = fields.String(metadata={"description": "bill number:item code, visit:id, certificate:id or work:id"})
    bill = fields.String(allow_none=True, metadata={"description": "null for certificates and works"})
    room = fields.String(allow_none=True, metadata={"description": "null for certificates and works"})
    place = fields.String(metadata={"description": "the room, the elevator's entrance, or the estate"})
    visit = fields.Nested(VisitEvidenceSchema, allow_none=True)
    certificate = fields.Nested(CertificateEvidenceSchema, allow_none=True,
                                metadata={"description": "an elevator's inspection certificate"})
    work = fields.Nested(WorkEvidenceSchema, allow_none=True,
                         metadata={"description": "a completed renovation project"})


class ClaimLineSchema(Schema):
    id = fields.Integer()
    room = fields.String(allow_none=True, metadata={"description": "null for certificates and works"})
    amount_fen = fields.Integer()
    status = fields.String(metadata={"enum": ["claimed", "approved", "partly_approved", "rejected"]})
    approved_fen = fields.Integer(allow_none=True)
    reason = fields.String()
    evidence = fields.Nested(EvidenceSchema)


class ClaimPaymentSchema(Schema):
    kind = fields.String(metadata={"enum": ["disbursement", "clawback"]})
    amount_fen = fields.Integer()
    date = fields.Date()
    reference = fields.String(metadata={"description": "the bank reference, or the clawback's reason"})
    recorded_by = fields.String()


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
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    approved_fen = fields.Integer(allow_none=True)
    disbursed_fen = fields.Integer()
    clawed_back_fen = fields.Integer()
    lines = fields.List(fields.Nested(ClaimLineSchema))
    payments = fields.List(fields.Nested(ClaimPaymentSchema))


class ClaimSummarySchema(Schema):
    id = fields.Integer()
    program = fields.String()
    program_name = fields.String()
    estate = fields.String()
    period = fields.String()
    status = fields.String()
    total_fen = fields.Integer()
    approved_fen = fields.Integer(allow_none=True)
    disbursed_fen = fields.Integer()
    clawed_back_fen = fields.Integer()


class ClaimListSchema(Schema):
    items = fields.List(fields.Nested(ClaimSummarySchema))


class ClaimQuerySchema(Schema):
    estate = fields.String(validate=validate.Length(min=1, max=32))


class FindingSchema(Schema):
    id = fields.Integer()
    rule = fields.String()
    line = fields.Integer(allow_none=True, metadata={"description": "the claim line's id; null: the whole claim"})
    detail = fields.String()
    found_at = fields.DateTime()
    dismissed_by = fields.String(allow_none=True)
    dismissal_reason = fields.String()


class DismissalSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class FindingListSchema(Schema):
    items = fields.List(fields.Nested(FindingSchema))


class ReviewLineSchema(Schema):
    id = fields.Integer(required=True, strict=True)
    approved_fen = _fen(required=True, validate=validate.Range(min=0, max=MAX_FEN))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ClaimReviewSchema(Schema):
    lines = fields.List(fields.Nested(ReviewLineSchema), required=True, validate=validate.Length(min=1, max=5000))


class DisbursementCreateSchema(Schema):
    amount_fen = _fen(required=True, validate=validate.Range(min=1, max=MAX_FEN))
    date = BusinessDate(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ClawbackCreateSchema(Schema):
    amount_fen = _fen(required=True, validate=validate.Range(min=1, max=MAX_FEN))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class DisbursementFormSchema(Schema):
    """The page's payment form: the amount typed in yuan."""

    class Meta:
        unknown = EXCLUDE

    amount = Yuan(required=True, minimum_fen=1, maximum_fen=MAX_FEN)
    date = BusinessDate(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))


class ClawbackFormSchema(Schema):
    """The page's clawback form: the amount typed in yuan."""

    class Meta:
        unknown = EXCLUDE

    amount = Yuan(required=True, minimum_fen=1, maximum_fen=MAX_FEN)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ClaimBuildFormSchema(ClaimCreateSchema):
    """The claims page's form (its CSRF token is not a field)."""

    class Meta:
        unknown = EXCLUDE
