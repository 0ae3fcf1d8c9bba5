"""The company's service catalogue (助餐, 助洁, …) and its elder-care settings."""
from __future__ import annotations

from datetime import time
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.core import audit
from pms.core.auth import ADMIN, Principal
from pms.core.db import lock_row, utcnow
from pms.core.errors import Invalid
from pms.core.sql import InIds
from pms.eldercare import permissions
from pms.eldercare.models import CareService, EldercareSetting
from pms.estates.models import Company

DEFAULT_GRACE_MINUTES = 30
DEFAULT_ESCALATE_MINUTES = 30
DEFAULT_CHECK_IN = (time(9, 0), time(11, 0))


def company_for(session, principal: Principal, company_code: Optional[str]) -> Company:
    """The company the caller acts for: staff their own; the platform admin names one (422)."""
    if principal.role != ADMIN:
        if company_code is not None and company_code != _company_code(session, principal.company_id):
            raise Invalid(_("Unknown company."), fields={"company": [_("Unknown company.")]})
        return session.get(Company, principal.company_id)
    company = session.scalar(select(Company).where(Company.code == company_code)) if company_code else None
    if company is None:
        raise Invalid(_("Name the company."), fields={"company": [_("Unknown company.")]})
    return company


def _company_code(session, company_id: Optional[int]) -> Optional[str]:
    return session.scalar(select(Company.code).where(Company.id == company_id)) if company_id else None


KEEP = object()  # `program` not given: a new service has none, an updated one keeps its own


def put_service(session, principal: Principal, code: str, *, kind: str, name: str, price_fen: int, unit: str,
                min_minutes: int, company: Optional[str] = None,
                program=KEEP) -> tuple[CareService, bool]:
    """Create or update one service of the company's catalogue; returns it and whether it is new.

    `program`: the code of the elder-care programme that pays the subsidy part of its bill lines
    (None: nobody, the resident pays all; left out: unchanged). Unknown or not an elder-care
    programme → 422 on `program`."""
    permissions.ensure(principal, "service.write")
    owner = company_for(session, principal, company)
    program_id = KEEP if program is KEEP else _program_id(session, program)
    # One writer per company at a time: two PUTs of a new code never both insert.
    lock_row(session, Company, owner.id)
    service = session.scalar(select(CareService).where(CareService.company_id == owner.id, CareService.code == code))
    created = service is None
    if created:
        service = CareService(company_id=owner.id, code=code, kind=kind, name=name, price_fen=price_fen,
                              unit=unit, min_minutes=min_minutes, program_id=None if program_id is KEEP else program_id)
        session.add(service)
    else:
        service.kind, service.name, service.price_fen = kind, name, price_fen
        service.unit, service.min_minutes, service.updated_at = unit, min_minutes, utcnow()
        if program_id is not KEEP:
            service.program_id = program_id
    session.flush()
    audit.record(session, actor=principal.username, action="care_service.put", object_type="care_service",
                 object_id=service.id, payload={"code": code, "price_fen": price_fen, "created": created,
                                                "program_id": service.program_id})
    return service, created


def _program_id(session, code: Optional[str]) -> Optional[int]:
    """The id of the elder-care programme `code` (None for None), else 422 on `program`."""
    if code is None:
        return None
    from pms.subsidies.services import find_program

    program = find_program(session, code)
    if program is None:
        raise Invalid(_("Unknown programme."), fields={"program": [_("Unknown programme %(code)s.", code=code)]})
    if program.kind != "eldercare":
        raise Invalid(_("Not an elder-care programme."),
                      fields={"program": [_("Programme %(code)s is not an elder-care programme.", code=code)]})
    return program.id


def program_codes(session, services: list[CareService]) -> dict[int, str]:
    """The codes of the services' programmes, by programme id."""
    from pms.subsidies.models import Program

    ids = sorted({s.program_id for s in services if s.program_id})
    if not ids:
        return {}
    return dict(session.execute(select(Program.id, Program.code).where(Program.id.in_(ids))).all())


def list_services(session, principal: Principal, company: Optional[str] = None) -> list[CareService]:
    """The catalogue of the caller's company (residents: the company running their estates)."""
    permissions.ensure(principal, "service.read")
    company_ids = _company_ids_in_scope(session, principal, company)
    return list(session.scalars(select(CareService).where(CareService.company_id.in_(company_ids))
                                .order_by(CareService.company_id, CareService.code)))


def _company_ids_in_scope(session, principal: Principal, company: Optional[str]) -> list[int]:
    from pms.estates.models import Estate

    if principal.company_id:
        return [principal.company_id]
    stmt = select(Estate.company_id).distinct()
    if not principal.scope.all_estates:
        stmt = stmt.where(InIds(Estate.id, principal.scope.estate_ids))
    if company:
        stmt = stmt.join(Company, Company.id == Estate.company_id).where(Company.code == company)
    return list(session.scalars(stmt))


def service_of_company(session, company_id: int, code: str, *, field_name: str = "service") -> CareService:
    """A service the company offers, else 422 on the field."""
    found = session.scalar(select(CareService).where(CareService.company_id == company_id, CareService.code == code))
    if found is None:
        raise Invalid(_("The company does not offer this service."),
                      fields={field_name: [_("The company does not offer this service.")]})
    return found


# ---- settings ---------------------------------------------------------------------------------

def settings_of(session, company_id: int) -> EldercareSetting:
    """The company's settings (defaults when it has set none; not added to the session)."""
    found = session.get(EldercareSetting, company_id)
    if found is not None:
        return found
    return EldercareSetting(company_id=company_id, grace_minutes=DEFAULT_GRACE_MINUTES,
                            check_in_start=DEFAULT_CHECK_IN[0], check_in_end=DEFAULT_CHECK_IN[1],
                            escalate_minutes=DEFAULT_ESCALATE_MINUTES)


def put_settings(session, principal: Principal, *, grace_minutes: int, check_in_start: time, check_in_end: time,
                 escalate_minutes: Optional[int] = None, company: Optional[str] = None) -> EldercareSetting:
    """Set the company's grace period, daily check-in window and escalation period (left out:
    unchanged, 30 minutes for a company that has none yet)."""
    permissions.ensure(principal, "settings.write")
    owner = company_for(session, principal, company)
    if check_in_end <= check_in_start:
        raise Invalid(_("Some fields are invalid."), fields={"check_in_end": [_("The window ends before it starts.")]})
    lock_row(session, Company, owner.id)
    found = session.get(EldercareSetting, owner.id)
    if found is None:
        found = EldercareSetting(company_id=owner.id, escalate_minutes=DEFAULT_ESCALATE_MINUTES)
        session.add(found)
    found.grace_minutes, found.check_in_start, found.check_in_end = grace_minutes, check_in_start, check_in_end
    if escalate_minutes is not None:
        found.escalate_minutes = escalate_minutes
    session.flush()
    audit.record(session, actor=principal.username, action="eldercare.settings", object_type="company",
                 object_id=owner.id, payload={"grace_minutes": grace_minutes,
                                              "escalate_minutes": found.escalate_minutes})
    return found
