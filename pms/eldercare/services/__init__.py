"""Elder-care services: every rule lives in these modules; they only flush."""
from pms.core.auth import Principal
from pms.eldercare import permissions
from pms.eldercare.services import (alerts, billing, calls, catalogue, elders, household, kpis, plans, ratings,
                                    visits)

__all__ = ["alerts", "billing", "calls", "catalogue", "elders", "household", "init_app", "kpis", "may", "plans",
           "ratings", "visits"]


def init_app(app) -> None:
    """Delivered, confirmed visits go on the billing run's bills (a line source of billing)."""
    billing.init_app(app)


def may(principal: Principal, action: str) -> bool:
    """Whether the role may do `action` of permissions.py (pages ask before offering a form)."""
    return permissions.may(principal, action)
