"""Elder-care services: every rule lives in these modules; they only flush."""
from pms.eldercare.services import alerts, catalogue, elders, plans, visits

__all__ = ["alerts", "catalogue", "elders", "plans", "visits"]
