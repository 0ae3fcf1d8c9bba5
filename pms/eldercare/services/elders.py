"""Elders: registration (person, consent, PIN, home code), reading with private fields by role,
the home card's code, and the allowances that apply on a day."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, select, union
from werkzeug.security import check_password_hash, generate_password_hash

from pms.accounts.models import User
from pms.accounts.services import password_method
from pms.core import audit, clock
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.db import utcnow
from pms.core.errors import Conflict, Invalid, NotFound
from pms.eldercare import permissions, rules
from pms.eldercare.models import Elder, EmergencyContact
from pms.estates.models import Ownership, Person, Residency, Room
from pms.estates.services import get_room, shown_phone


def resolve_room(session, principal: Principal, code: str, *, field_name: str = "room") -> Room:
    """A room in the caller's scope by code; unknown and out of scope are the same 422."""
    try:
        return get_room(session, principal, code)
    except NotFound:
        raise Invalid(_("Unknown room."), fields={field_name: [_("Unknown room.")]}) from None


def _person_of_room(session, room: Room, name: str) -> Person:
    """The owner or resident of the room with this name, else a new resident (family) of it."""
    people = union(select(Ownership.person_id.label("pid")).where(Ownership.room_id == room.id),
                   select(Residency.person_id.label("pid")).where(Residency.room_id == room.id)).subquery()
    person = session.scalar(select(Person).where(Person.id.in_(select(people.c.pid)), Person.name == name)
                            .order_by(Person.id).limit(1))
    if person is not None:
        return person
    # The registry imports owners only; an elder living with their children is often not one.
    person = Person(estate_id=room.estate_id, name=name)
    session.add(person)
    session.flush()
    session.add(Residency(estate_id=room.estate_id, room_id=room.id, person_id=person.id, relation="family"))
    session.flush()
    return person


def hash_pin(pin: str) -> str:
    """The confirmation PIN, hashed as passwords are (accounts' method)."""
    return generate_password_hash(pin, method=password_method())


def pin_matches(pin: Optional[str], pin_hash: str) -> bool:
    return check_password_hash(pin_hash, pin or "")


def register_elder(session, principal: Principal, *, room: str, name: str, birth_date: date, lives_alone: bool,
                   disability_tier: Optional[int], hardship: Optional[str], emergency_contacts: list[dict],
                   health_notes: str, consent: bool, confirmation_pin: str,
                   daily_check_in: Optional[bool] = None) -> tuple[Elder, str]:
    """Register an elder of a room; returns the elder and the home code (shown this once)."""
    permissions.ensure(principal, "elder.register")
    found = resolve_room(session, principal, room)
    problem = rules.registration_problem(birth_date, clock.today(), disability_tier)
    if problem == "future":
        raise Invalid(_("Some fields are invalid."), fields={"birth_date": [_("The birth date is in the future.")]})
    if problem == "too_young":
        raise Invalid(_("Some fields are invalid."), fields={"birth_date": [
            _("Elders are registered from %(age)d years of age, younger only with a disability tier.",
              age=rules.ELDER_AGE)]})
    if not consent:
        raise Invalid(_("Some fields are invalid."), fields={"consent": [_("The elder's consent is required.")]})
    person = _person_of_room(session, found, name.strip())
    if session.scalar(select(Elder.id).where(Elder.person_id == person.id)) is not None:
        raise Conflict(_("%(name)s of room %(room)s is registered already.", name=person.name, room=found.code))
    now = utcnow()
    code = rules.new_home_code()
    elder = Elder(estate_id=found.estate_id, room_id=found.id, person_id=person.id, name=person.name,
                  birth_date=birth_date, lives_alone=lives_alone,
                  daily_check_in=lives_alone if daily_check_in is None else daily_check_in,
                  disability_tier=disability_tier, hardship=hardship, health_notes=health_notes,
                  pin_hash=hash_pin(confirmation_pin), home_code_hash=rules.home_code_hash(code),
                  home_code_issued_at=now, consent_by_id=principal.user_id, consent_at=now, created_at=now)
    session.add(elder)
    session.flush()  # a concurrent registration of the same person fails here (UNIQUE): 409
    for position, contact in enumerate(emergency_contacts):
        session.add(EmergencyContact(elder_id=elder.id, estate_id=elder.estate_id, position=position,
                                     name=contact["name"], phone=contact["phone"], relation=contact["relation"]))
    session.flush()
    # Never the PIN, the code, health notes or contacts in the audit log.
    audit.record(session, actor=principal.username, action="elder.register", object_type="elder",
                 object_id=elder.id, estate_id=elder.estate_id, payload={"room": found.code, "consent": True})
    return elder, code


def get_elder(session, principal: Principal, elder_id: int, *, for_update: bool = False) -> Elder:
    """An elder in the caller's scope (404 otherwise), if their role may read elders (403)."""
    elder = get_in_scope(session, Elder, Elder.id == elder_id, principal=principal, for_update=for_update)
    permissions.ensure(principal, "elder.read")
    return elder


def elder_for_input(session, principal: Principal, elder_id: int, *, field_name: str = "elder") -> Elder:
    """An elder named in a request body: unknown and out of scope are the same 422."""
    try:
        return get_elder(session, principal, elder_id)
    except NotFound:
        raise Invalid(_("Unknown elder."), fields={field_name: [_("Unknown elder.")]}) from None


@dataclass
class ElderRow:
    """A line of the elders list (no private fields)."""

    id: int
    room: str
    name: str
    age: int
    lives_alone: bool
    disability_tier: Optional[int]
    hardship: Optional[str]


def list_elders(session, principal: Principal, *, estate_id: Optional[int] = None, lives_alone: Optional[bool] = None,
                search: Optional[str] = None, limit: int = 50, offset: int = 0) -> tuple[list[ElderRow], int]:
    """Elders in scope by room code (residents: those of their rooms), with the total; `search`
    matches a part of the name or of the room code."""
    permissions.ensure(principal, "elder.read")
    stmt = scoped(select(Elder, Room.code).join(Room, Room.id == Elder.room_id), Elder, principal)
    if search and search.strip():
        query = search.strip()
        stmt = stmt.where(Elder.name.contains(query, autoescape=True) | Room.code.contains(query.upper(), autoescape=True))
    if estate_id is not None:
        stmt = stmt.where(Elder.estate_id == estate_id)
    if lives_alone is not None:
        stmt = stmt.where(Elder.lives_alone.is_(lives_alone))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    today = clock.today()
    rows = session.execute(stmt.order_by(Room.code, Elder.id).limit(limit).offset(offset)).all()
    return [ElderRow(e.id, code, e.name, rules.age_on(e.birth_date, today), e.lives_alone, e.disability_tier,
                     e.hardship) for e, code in rows], total


def reissue_home_code(session, principal: Principal, elder: Elder) -> tuple[str, datetime]:
    """A new home code for a reprinted card; the old one stops working at once."""
    permissions.ensure(principal, "elder.home_code")
    code = rules.new_home_code()
    elder.home_code_hash = rules.home_code_hash(code)
    elder.home_code_issued_at = utcnow()
    session.flush()
    audit.record(session, actor=principal.username, action="elder.home_code", object_type="elder",
                 object_id=elder.id, estate_id=elder.estate_id)
    return code, elder.home_code_issued_at


@dataclass
class ElderView:
    """What the caller may see of an elder (private fields None when they may not)."""

    id: int
    room: str
    name: str
    birth_date: date
    age: int
    lives_alone: bool
    daily_check_in: bool
    disability_tier: Optional[int]
    hardship: Optional[str]
    consent: dict
    home_code_issued_at: datetime
    health_notes: Optional[str] = None
    emergency_contacts: Optional[list[dict]] = None
    home_code: Optional[str] = None
    private: bool = field(default=False)


def elder_view(session, principal: Principal, elder: Elder, *, home_code: Optional[str] = None) -> ElderView:
    """The elder as this caller may see them: health notes and contacts only for care workers,
    managers and the resident accounts of the elder's room."""
    room_code = session.scalar(select(Room.code).where(Room.id == elder.room_id))
    consent_by = session.scalar(select(User.username).where(User.id == elder.consent_by_id))
    view = ElderView(id=elder.id, room=room_code, name=elder.name, birth_date=elder.birth_date,
                     age=rules.age_on(elder.birth_date, clock.today()), lives_alone=elder.lives_alone,
                     daily_check_in=elder.daily_check_in, disability_tier=elder.disability_tier,
                     hardship=elder.hardship, consent={"by": consent_by, "at": elder.consent_at},
                     home_code_issued_at=elder.home_code_issued_at, home_code=home_code)
    if permissions.may(principal, "elder.read_private"):
        contacts = session.scalars(select(EmergencyContact).where(EmergencyContact.elder_id == elder.id)
                                   .order_by(EmergencyContact.position)).all()
        view.private = True
        view.health_notes = elder.health_notes
        view.emergency_contacts = [{"name": c.name, "phone": shown_phone(principal, c.phone), "relation": c.relation}
                                   for c in contacts]
    return view


# ---- eligibility ------------------------------------------------------------------------------

def hardship_names() -> dict[str, str]:
    """The hardship categories in the reader's language."""
    return {"dibao": _("minimum living allowance (低保)"), "low_income": _("low-income family"),
            "family_planning": _("special family-planning family")}


def _reason(allowance: rules.Allowance) -> str:
    if allowance.why == "age":
        return _("Aged %(age)d on that day.", age=allowance.value)
    if allowance.why == "hardship":
        return _("Hardship category: %(name)s.", name=hardship_names()[allowance.value])
    return _("Disability care, tier %(tier)d.", tier=allowance.value)


def eligibility(elder: Elder, as_of: date) -> dict:
    """The Beijing allowances that apply to the elder on `as_of`, with amounts of that day."""
    allowance_rules, _subsidies = rules.shipped_rules()
    found = rules.allowances_on(as_of, birth_date=elder.birth_date, hardship=elder.hardship,
                                disability_tier=elder.disability_tier, rules=allowance_rules)
    items = [{"code": a.code, "amount_fen": a.amount_fen, "reason": _reason(a)} for a in found]
    return {"as_of": as_of, "allowances": items, "total_fen": sum(a.amount_fen for a in found)}


def allowance_codes_on(elder: Elder, day: date) -> list[str]:
    """The codes of the allowances the elder holds on `day` (what service subsidies look at)."""
    allowance_rules, _subsidies = rules.shipped_rules()
    return [a.code for a in rules.allowances_on(day, birth_date=elder.birth_date, hardship=elder.hardship,
                                                disability_tier=elder.disability_tier, rules=allowance_rules)]
