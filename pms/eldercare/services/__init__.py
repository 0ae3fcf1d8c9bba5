"""Elder-care services: every rule lives in these modules; they only flush."""
from pms.core.auth import Principal
from pms.eldercare import permissions
from pms.eldercare.services import alerts, calls, catalogue, elders, household, kpis, plans, ratings, visits

__all__ = ["alerts", "calls", "catalogue", "elders", "household", "kpis", "may", "plans", "ratings", "visits"]


def may(principal: Principal, action: str) -> bool:
    """Whether the role may do `action` of permissions.py (pages ask before offering a form)."""
    return permissions.may(principal, action)
