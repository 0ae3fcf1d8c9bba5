"""Maintenance tables (split by subject to keep each file small)."""
from pms.maintenance.models.assets import (ElevatorSnapshot, Equipment, EquipmentCertificate, MaintenancePlan,
                                           RenovationProject, WarrantyComponent, WorkOrder)
from pms.maintenance.models.tickets import (SlaPolicy, Ticket, TicketAlert, TicketCost, TicketEvent,
                                            TicketPhoto)
from pms.maintenance.models.works import PlannedWork

__all__ = ["ElevatorSnapshot", "Equipment", "EquipmentCertificate", "MaintenancePlan", "RenovationProject", "WarrantyComponent",
           "WorkOrder",
           "SlaPolicy", "Ticket", "TicketAlert", "TicketCost", "TicketEvent", "TicketPhoto",
           "PlannedWork"]
