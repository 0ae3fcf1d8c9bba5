"""Renovation projects, their components and warranty routing of requests."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import and_, case, or_, select

from pms.core import audit
from pms.core.auth import Principal, scoped
from pms.core.errors import Conflict, Invalid
from pms.estates.models import Building, Entrance, Estate
from pms.maintenance import permissions, rules
from pms.maintenance.models import RenovationProject, WarrantyComponent
from pms.maintenance.services.common import resolve_location


@dataclass
class ComponentInput:
    kind: str
    building: Optional[str] = None
    entrance: Optional[str] = None
    warranty_ends_on: Optional[date] = None  # an override; never shorter than the statute
    note: str = ""


def create_project(session, principal: Principal, *, estate: Estate, name: str, contractor: str,
                   accepted_on: date, contractor_phone: str = "", components: list[ComponentInput] = (),
                   contract_fen: Optional[int] = None) -> RenovationProject:
    """Register a renovation project with its components; warranty ends follow Art. 40. Its
    contract amount (optional) is what a renovation programme pays its percent of."""
    permissions.ensure(principal, "renovation.create")
    name, contractor = (name or "").strip(), (contractor or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Required.")]
    if not contractor:
        errors["contractor"] = [_("Required.")]
    if not components:
        errors["components"] = [_("List at least one component.")]
    if contract_fen is not None and contract_fen <= 0:
        errors["contract_fen"] = [_("A positive amount in fen.")]
    if errors:
        raise Invalid(_("The project cannot be registered."), fields=errors)
    if session.scalar(select(RenovationProject.id).where(RenovationProject.estate_id == estate.id,
                                                         RenovationProject.name == name)):
        raise Conflict(_("A project with this name already exists in the estate."))
    rows = []
    for i, c in enumerate(components):
        if c.kind not in rules.COMPONENT_KINDS:
            raise Invalid(_("Unknown component."), fields={f"components.{i}.kind": [_("Unknown component.")]})
        _e, b, e = resolve_location(session, principal, estate.code, c.building, c.entrance,
                                    field=f"components.{i}")
        statutory = rules.warranty_ends_on(c.kind, accepted_on)
        if c.warranty_ends_on is not None and c.warranty_ends_on < statutory:
            raise Invalid(_("Shorter than the statutory warranty."),
                          fields={f"components.{i}.warranty_ends_on":
                                  [_("The statutory minimum ends on %(day)s.", day=statutory.isoformat())]})
        rows.append((c, b, e, c.warranty_ends_on or statutory))
    project = RenovationProject(estate_id=estate.id, name=name, contractor=contractor,
                                contractor_phone=(contractor_phone or "").strip(), accepted_on=accepted_on,
                                contract_fen=contract_fen)
    session.add(project)
    session.flush()
    for c, b, e, ends in rows:
        session.add(WarrantyComponent(project_id=project.id, estate_id=estate.id,
                                      building_id=b.id if b else None, entrance_id=e.id if e else None,
                                      kind=c.kind, warranty_ends_on=ends,
                                      overridden=c.warranty_ends_on is not None, note=c.note[:200]))
    session.flush()
    audit.record(session, actor=principal.username, action="maintenance.project_create",
                 object_type="renovation_project", object_id=project.id, estate_id=estate.id,
                 payload={"name": name, "contractor": contractor, "accepted_on": accepted_on,
                          "contract_fen": contract_fen,
                          "components": [c.kind for c in components]})
    return project


def find_warranty(session, estate_id: int, building_id: Optional[int], entrance_id: Optional[int],
                  category: str, day: date) -> Optional[WarrantyComponent]:
    """The component under warranty on `day` that a request of `category` at this place falls on.

    A room's request looks at its entrance, building and estate; an entrance's at itself, its
    building and the estate; a building's at itself and the estate; an estate area's at the estate.
    The most specific match wins, then the latest warranty end.
    """
    kinds = rules.CATEGORY_COMPONENTS.get(category, ())
    if not kinds:
        return None
    places = [WarrantyComponent.building_id.is_(None)]
    if building_id is not None:
        places.append(and_(WarrantyComponent.building_id == building_id,
                           WarrantyComponent.entrance_id.is_(None)))
        if entrance_id is not None:
            places.append(WarrantyComponent.entrance_id == entrance_id)
    specificity = case((WarrantyComponent.entrance_id.is_not(None), 2),
                       (WarrantyComponent.building_id.is_not(None), 1), else_=0)
    stmt = (select(WarrantyComponent)
            .join(RenovationProject, RenovationProject.id == WarrantyComponent.project_id)
            .where(WarrantyComponent.estate_id == estate_id, WarrantyComponent.kind.in_(kinds),
                   RenovationProject.accepted_on <= day, WarrantyComponent.warranty_ends_on >= day,
                   or_(*places))
            .order_by(specificity.desc(), WarrantyComponent.warranty_ends_on.desc(), WarrantyComponent.id)
            .limit(1))
    return session.scalar(stmt)


@dataclass
class WarrantyView:
    component: str
    kind: str
    place: str
    contractor: str
    contractor_phone: str
    project: str
    accepted_on: date
    warranty_ends_on: date
    overridden: bool
    in_warranty: bool


def component_view(session, component: WarrantyComponent, today: date) -> WarrantyView:
    project = session.get(RenovationProject, component.project_id)
    estate = session.get(Estate, component.estate_id)
    parts = [estate.code]
    if component.building_id:
        parts.append(session.get(Building, component.building_id).code)
    if component.entrance_id:
        parts.append(session.get(Entrance, component.entrance_id).code)
    return WarrantyView(component=str(rules.COMPONENT_KINDS[component.kind]), kind=component.kind,
                        place="-".join(parts), contractor=project.contractor,
                        contractor_phone=project.contractor_phone, project=project.name,
                        accepted_on=project.accepted_on, warranty_ends_on=component.warranty_ends_on,
                        overridden=component.overridden,
                        in_warranty=project.accepted_on <= today <= component.warranty_ends_on)


def list_components(session, principal: Principal, *, estate_id: Optional[int] = None,
                    today: date) -> list[WarrantyView]:
    """Every component in scope with its warranty state on `today`."""
    stmt = scoped(select(WarrantyComponent), WarrantyComponent, principal)
    if estate_id is not None:
        stmt = stmt.where(WarrantyComponent.estate_id == estate_id)
    rows = session.scalars(stmt.order_by(WarrantyComponent.estate_id, WarrantyComponent.warranty_ends_on))
    return [component_view(session, c, today) for c in rows]
