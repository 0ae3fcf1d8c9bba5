"""What the household's page (`/eldercare/my`) needs beside the visits: each elder's booking
choices (the catalogue of the company running the elder's estate) and which visits the caller
booked themselves (offered for cancelling), each in one query."""
from __future__ import annotations

from sqlalchemy import select

from pms.core.auth import Principal, scoped
from pms.eldercare import permissions
from pms.eldercare.models import Elder, Visit
from pms.eldercare.services import catalogue
from pms.estates.models import Estate


def service_options(session, principal: Principal, elder_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Per elder id (of elders the caller read in scope), (code, name) of the services their
    estate's company offers."""
    if not elder_ids or not permissions.may(principal, "service.read"):
        return {}
    company_of = dict(session.execute(select(Elder.id, Estate.company_id).join(Estate, Estate.id == Elder.estate_id)
                                      .where(Elder.id.in_(sorted(set(elder_ids))))).all())
    offered: dict[int, list[tuple[str, str]]] = {}
    for service in catalogue.list_services(session, principal):
        offered.setdefault(service.company_id, []).append((service.code, service.name))
    return {elder_id: offered.get(company, []) for elder_id, company in company_of.items()}


def own_bookings(principal: Principal, visits: list[Visit]) -> set[int]:
    """The planned visits among these that the caller booked (the page offers to cancel them)."""
    return {v.id for v in visits if v.booked_by_id == principal.user_id and v.status == "planned"}


def has_elder(session, principal: Principal) -> bool:
    """Whether an elder lives in one of the caller's rooms (one EXISTS query; the resident's home
    links to the household's page then)."""
    if not permissions.may(principal, "elder.read"):
        return False
    return bool(session.scalar(select(scoped(select(Elder.id), Elder, principal).exists())))
