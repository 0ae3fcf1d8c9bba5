"""Maintenance schemas (marshmallow load/dump), one module per subject: `tickets` (repair requests,
their moves, filters and dumps, the SLA policy), `assets` (renovation projects, elevators, work
orders), `works` (planned works), `kpis`, `forms` (the pages' HTML forms) and `fields` (the fields
they share). Every schema is also importable from here (`from pms.maintenance import schemas as s`)."""
from __future__ import annotations

from pms.maintenance.schemas.fields import LOCATION_HELP, UtcDateTime, LocationField, one_of
from pms.maintenance.schemas.tickets import (TicketCreateSchema, TicketCreatedSchema, TransitionSchema,
                                             AssignSchema, PayerSchema, CostSchema, RatingSchema, NoteSchema,
                                             ComplaintSchema, TicketFilterFields, TicketQuerySchema,
                                             QUEUE_STATUSES, QueueQuerySchema, SlaClockSchema, SlaSchema,
                                             PersonRefSchema, WarrantyInfoSchema, PhotoSchema, CostOutSchema,
                                             EventSchema, TicketSummarySchema, TicketSchema,
                                             TicketListSchema, PhotoListSchema, SlaMinutesSchema,
                                             SlaPolicySchema)
from pms.maintenance.schemas.assets import (ComponentInSchema, ProjectInSchema, ProjectCreatedSchema,
                                            ComponentOutSchema, ComponentListSchema, EstateQuerySchema,
                                            ELEVATOR_STATES, ElevatorPageQuerySchema,
                                            ElevatorInSchema, ElevatorSchema, ElevatorListSchema,
                                            WorkOrderSchema, WorkOrderListSchema, WorkOrderQuerySchema,
                                            WorkOrderDoneSchema, CertificateInSchema, CertificateSchema,
                                            CertificateQuerySchema, CertificateListSchema)
from pms.maintenance.schemas.works import PlannedWorkInSchema, PlannedWorkSchema, PlannedWorkListSchema
from pms.maintenance.schemas.kpis import KpiQuerySchema, KpiPageQuerySchema, KpiSchema
from pms.maintenance.schemas.forms import (LocalDateTimeField, TicketFormSchema, MoveFormSchema,
                                           CostFormSchema, PlannedWorkFormSchema)

__all__ = ["LOCATION_HELP", "UtcDateTime", "LocationField", "one_of", "TicketCreateSchema", "TicketCreatedSchema",
           "TransitionSchema", "AssignSchema", "PayerSchema", "CostSchema", "RatingSchema", "NoteSchema",
           "ComplaintSchema", "TicketFilterFields", "TicketQuerySchema", "QUEUE_STATUSES", "QueueQuerySchema",
           "SlaClockSchema", "SlaSchema", "PersonRefSchema", "WarrantyInfoSchema", "PhotoSchema", "CostOutSchema",
           "EventSchema", "TicketSummarySchema", "TicketSchema", "TicketListSchema", "PhotoListSchema",
           "SlaMinutesSchema", "SlaPolicySchema", "ComponentInSchema", "ProjectInSchema", "ProjectCreatedSchema",
           "ComponentOutSchema", "ComponentListSchema", "EstateQuerySchema", "ELEVATOR_STATES",
           "ElevatorPageQuerySchema", "ElevatorInSchema", "ElevatorSchema",
           "ElevatorListSchema", "WorkOrderSchema", "WorkOrderListSchema", "WorkOrderQuerySchema",
           "WorkOrderDoneSchema", "CertificateInSchema", "CertificateSchema", "CertificateQuerySchema",
           "CertificateListSchema", "PlannedWorkInSchema", "PlannedWorkSchema", "PlannedWorkListSchema",
           "KpiQuerySchema", "KpiPageQuerySchema", "KpiSchema", "LocalDateTimeField", "TicketFormSchema",
           "MoveFormSchema", "CostFormSchema", "PlannedWorkFormSchema"]
