"""Elder-care tables (split by subject to keep each file small)."""
from pms.eldercare.models.elders import Elder, EmergencyContact
from pms.eldercare.models.services import CarePlan, CareService, EldercareSetting
from pms.eldercare.models.ratings import VisitRating
from pms.eldercare.models.visits import EmergencyCall, Visit, VisitAlert

__all__ = ["Elder", "EmergencyContact", "CarePlan", "CareService", "EldercareSetting", "Visit", "VisitAlert",
           "EmergencyCall", "VisitRating"]
