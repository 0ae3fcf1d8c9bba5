"""Special-equipment inspection certificates of elevators (特种设备检验合格证): recorded once by the
estate's company, never edited; an elevator subsidy is paid on one (pms/subsidies/services/claims.py).

Rules: the elevator must be in the caller's scope (someone else's answers 404, before any 403);
managers and technicians record (permissions.py); the number is unique (409, the database's
UNIQUE the last line when two record it at once); issued on or before today (business clock);
valid until on or after the issue day. Every certificate is in the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pms.core import audit, clock
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.errors import Conflict, Invalid
from pms.maintenance import permissions
from pms.maintenance.models import Equipment, EquipmentCertificate


@dataclass
class CertificateView:
    id: int
    equipment_id: int
    registration_number: str
    number: str
    issued_on: date
    issuer: str
    valid_until: Optional[date]
    recorded_by: str


def may_record(principal: Principal) -> bool:
    """Whether the caller's role records certificates (the elevators page offers the form)."""
    return permissions.may(principal, "certificate.record")


def record_certificate(session, principal: Principal, equipment_id: int, *, number: str, issued_on: date,
                       issuer: str, valid_until: Optional[date] = None) -> EquipmentCertificate:
    """Record the inspection certificate issued for an elevator in the caller's scope."""
    elevator = get_in_scope(session, Equipment, Equipment.id == equipment_id, principal=principal)
    permissions.ensure(principal, "certificate.record")
    number, issuer = (number or "").strip(), (issuer or "").strip()
    errors: dict[str, list[str]] = {}
    if not number:
        errors["number"] = [_("Required.")]
    if not issuer:
        errors["issuer"] = [_("Required.")]
    if issued_on > clock.today():
        errors["issued_on"] = [_("A certificate cannot be issued in the future.")]
    if valid_until is not None and valid_until < issued_on:
        errors["valid_until"] = [_("Not before the issue date (%(day)s).", day=issued_on.isoformat())]
    if errors:
        raise Invalid(_("The certificate cannot be recorded."), fields=errors)
    taken = _("A certificate with number %(number)s is already recorded.", number=number)
    if session.scalar(select(EquipmentCertificate.id).where(EquipmentCertificate.number == number)):
        raise Conflict(taken)
    certificate = EquipmentCertificate(equipment_id=elevator.id, estate_id=elevator.estate_id, number=number,
                                       issued_on=issued_on, issuer=issuer, valid_until=valid_until,
                                       recorded_by=principal.username)
    try:
        with session.begin_nested():
            session.add(certificate)
            session.flush()
    except IntegrityError as exc:  # recorded by someone else at the same moment
        raise Conflict(taken) from exc
    audit.record(session, actor=principal.username, action="maintenance.certificate_record",
                 object_type="equipment_certificate", object_id=certificate.id, estate_id=elevator.estate_id,
                 payload={"equipment": elevator.registration_number, "number": number, "issued_on": issued_on,
                          "issuer": issuer, "valid_until": valid_until})
    return certificate


def certificates_of(session, principal: Principal, equipment_ids: list[int]) -> dict[int, list[CertificateView]]:
    """The certificates of these elevators in the caller's scope, newest first, in one query."""
    found: dict[int, list[CertificateView]] = {i: [] for i in equipment_ids}
    if not equipment_ids:
        return found
    rows = session.execute(
        scoped(select(EquipmentCertificate, Equipment.registration_number), EquipmentCertificate, principal)
        .join(Equipment, Equipment.id == EquipmentCertificate.equipment_id)
        .where(EquipmentCertificate.equipment_id.in_(equipment_ids))
        .order_by(EquipmentCertificate.issued_on.desc(), EquipmentCertificate.id.desc())).all()
    for c, registration in rows:
        found[c.equipment_id].append(view(c, registration))
    return found


def list_certificates(session, principal: Principal, *, estate_id: Optional[int] = None,
                      equipment_id: Optional[int] = None, limit: int = 500) -> list[CertificateView]:
    """Certificates in the caller's scope, newest first: of one estate, of one elevator (404 when
    it is outside the caller's scope), or all."""
    stmt = scoped(select(EquipmentCertificate, Equipment.registration_number), EquipmentCertificate, principal) \
        .join(Equipment, Equipment.id == EquipmentCertificate.equipment_id)
    if equipment_id is not None:
        elevator = get_in_scope(session, Equipment, Equipment.id == equipment_id, principal=principal)
        stmt = stmt.where(EquipmentCertificate.equipment_id == elevator.id)
    if estate_id is not None:
        stmt = stmt.where(EquipmentCertificate.estate_id == estate_id)
    rows = session.execute(stmt.order_by(EquipmentCertificate.issued_on.desc(), EquipmentCertificate.id.desc())
                           .limit(limit)).all()
    return [view(c, registration) for c, registration in rows]


def certificate_view(session, c: EquipmentCertificate) -> CertificateView:
    """One certificate as the API and pages show it."""
    return view(c, session.scalar(select(Equipment.registration_number).where(Equipment.id == c.equipment_id)))


def view(c: EquipmentCertificate, registration_number: str) -> CertificateView:
    return CertificateView(id=c.id, equipment_id=c.equipment_id, registration_number=registration_number,
                           number=c.number, issued_on=c.issued_on, issuer=c.issuer, valid_until=c.valid_until,
                           recorded_by=c.recorded_by)
