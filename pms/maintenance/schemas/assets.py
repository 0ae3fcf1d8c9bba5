"""Renovation projects with their warranty components, elevators and their work orders."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from pms.core.api import MAX_ID
from pms.core.fields import BoundedList, BusinessDate, FilterQuerySchema
from pms.core.pagination import MAX_PAGE
from pms.maintenance import rules
from pms.maintenance.schemas.fields import one_of


class ComponentInSchema(Schema):
    kind = fields.String(required=True, validate=one_of(rules.COMPONENT_KINDS),
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
    contract_fen = fields.Integer(strict=True, load_default=None, allow_none=True,
                                  validate=validate.Range(min=1, max=10**13),
                                  metadata={"description": "the contract amount in fen (renovation programmes "
                                                           "pay their percent of it)"})
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


ELEVATOR_STATES = ("all", "stopped", "due")


class ElevatorPageQuerySchema(FilterQuerySchema):
    """/maintenance/elevators?estate=&state=&elevator=&page= (blank fields: no filter)."""

    estate = fields.String(validate=validate.Length(min=1, max=32))
    state = fields.String(load_default="all", validate=one_of(ELEVATOR_STATES))
    elevator = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))


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


class CertificateInSchema(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "the certificate's number (unique)"})
    issued_on = BusinessDate(required=True, metadata={"description": "the day it was issued; not in the future"})
    issuer = fields.String(required=True, validate=validate.Length(min=1, max=128),
                           metadata={"description": "the inspection body"})
    valid_until = BusinessDate(load_default=None, allow_none=True,
                               metadata={"description": "the last day it is valid; on or after issued_on"})


class CertificateSchema(Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    registration_number = fields.String(metadata={"description": "the elevator's registration number"})
    number = fields.String()
    issued_on = fields.Date()
    issuer = fields.String()
    valid_until = fields.Date(allow_none=True)
    recorded_by = fields.String()


class CertificateQuerySchema(Schema):
    estate = fields.String(validate=validate.Length(max=32))
    elevator = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID),
                              metadata={"description": "an elevator's id"})


class CertificateListSchema(Schema):
    items = fields.List(fields.Nested(CertificateSchema))
