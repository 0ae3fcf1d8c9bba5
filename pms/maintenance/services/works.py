"""Planned works (停水/停电/电梯停运) per entrance: conflict checks, notices, resident banners."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from pms.accounts.models import UserRoom
from pms.core import audit, clock, notifications
from pms.core import messages as stored
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.db import lock_and_refresh, lock_row
from pms.core.errors import Conflict, Invalid, NotFound
from pms.core.templating import local_time
from pms.estates.models import (Building, Company, District, Entrance, Estate, Ownership, Person, Residency,
                                Room, Street)
from pms.maintenance import messages as msg
from pms.maintenance import permissions, rules
from pms.maintenance.models import PlannedWork
from pms.maintenance.services.common import resolve_location

# Residents see a banner from this long before a work starts until it ends.
BANNER_LEAD = timedelta(days=3)


def create_planned_work(session, principal: Principal, *, estate: Estate, building: str, entrance: str,
                        service: str, starts_at: datetime, ends_at: datetime, title: str = "",
                        note: str = "", now: Optional[datetime] = None) -> PlannedWork:
    """Schedule a work; refuse overlaps of the same service, and kitchen + bathroom water together."""
    permissions.ensure(principal, "planned_work.create")
    if service not in rules.SERVICES:
        raise Invalid(_("Unknown service."), fields={"service": [_("Unknown service.")]})
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid(_("Times need a timezone."), fields={"starts_at": [_("Give an offset, e.g. +08:00.")]})
    if ends_at <= starts_at:
        raise Invalid(_("The work must end after it starts."),
                      fields={"ends_at": [_("Must be after the start.")]})
    _e, b, e = resolve_location(session, principal, estate.code, building, entrance, field="entrance")
    if e is None:
        raise Invalid(_("Choose an entrance."), fields={"entrance": [_("Required.")]})
    # Schedulers of one entrance go one at a time; the clash check reads after the lock.
    lock_row(session, Entrance, e.id)
    clash = session.scalar(
        select(PlannedWork).where(PlannedWork.entrance_id == e.id, PlannedWork.cancelled_at.is_(None),
                                  PlannedWork.service.in_(rules.EXCLUSIVE_WITH[service]),
                                  PlannedWork.starts_at < ends_at, PlannedWork.ends_at > starts_at)
        .order_by(PlannedWork.starts_at).limit(1))
    if clash is not None:
        if clash.service == service:
            message = _("%(service)s of this entrance is already off from %(start)s to %(end)s.",
                        service=rules.SERVICES[service], start=local_time(clash.starts_at),
                        end=local_time(clash.ends_at))
        else:
            message = _("Kitchen and bathroom water of one entrance may not be off at the same time "
                        "(%(other)s is off from %(start)s to %(end)s).",
                        other=rules.SERVICES[clash.service], start=local_time(clash.starts_at),
                        end=local_time(clash.ends_at))
        raise Conflict(message, fields={"starts_at": [message]})
    now = now or clock.now()
    work = PlannedWork(estate_id=estate.id, building_id=b.id, entrance_id=e.id, service=service,
                       starts_at=starts_at, ends_at=ends_at,
                       title=(title or "").strip()[:200] or str(rules.SERVICES[service]),
                       note=(note or "").strip()[:1000], created_by_id=principal.user_id or None,
                       created_at=now)
    session.add(work)
    session.flush()
    notify_affected(session, work, f"{estate.code}-{b.code}-{e.code}", now=now)
    audit.record(session, actor=principal.username, action="maintenance.planned_work_create",
                 object_type="planned_work", object_id=work.id, estate_id=estate.id,
                 payload={"service": service, "entrance": e.id, "starts_at": starts_at, "ends_at": ends_at})
    return work


def notify_affected(session, work: PlannedWork, place: str, *, now: datetime) -> tuple[int, int]:
    """Every room of the entrance: an in-app notice for each linked resident account and an SMS
    in the outbox for each owner's/resident's phone. Returns (notifications, outbox rows)."""
    rooms = select(Room.id).where(Room.entrance_id == work.entrance_id)
    params = {"service": work.service, "place": place, "title": work.title, "note": work.note,
              "start": stored.stamp(work.starts_at), "end": stored.stamp(work.ends_at)}
    # The SMS goes out as written, in the service's language; the in-app notice renders per reader.
    with stored.in_service_language():
        title = stored.render(msg.PLANNED_WORK, params)
        body = stored.render(msg.PLANNED_WORK, params, part="body")
    user_ids = session.scalars(select(UserRoom.user_id).where(UserRoom.room_id.in_(rooms))
                               .distinct().order_by(UserRoom.user_id)).all()
    sent = notifications.notify(session, [notifications.Message(
        recipient_user_id=uid, kind="planned_work", title=title, body=body,
        message=msg.PLANNED_WORK, params=params, link="/maintenance/", estate_id=work.estate_id) for uid in user_ids], now=now)
    owners = select(Person.phone).join(Ownership, Ownership.person_id == Person.id).where(
        Ownership.room_id.in_(rooms))
    residents = select(Person.phone).join(Residency, Residency.person_id == Person.id).where(
        Residency.room_id.in_(rooms))
    phones = sorted({p for p in session.scalars(owners.union(residents)) if p})
    queued = notifications.enqueue(session, [notifications.OutboxItem(
        subject=title, body=body, to_address=phone, channel="sms", estate_id=work.estate_id)
        for phone in phones], now=now)
    return sent, queued


def may_schedule(principal: Principal) -> bool:
    """Whether the principal may schedule planned works (the page offers the form)."""
    return permissions.may(principal, "planned_work.create")


def cancel_planned_work(session, principal: Principal, work_id: int, *, now: Optional[datetime] = None) -> PlannedWork:
    permissions.ensure(principal, "planned_work.cancel")
    work = lock_and_refresh(session, get_in_scope(session, PlannedWork, PlannedWork.id == work_id, principal=principal))
    if work.cancelled_at is not None:
        raise Conflict(_("This work is already cancelled."))
    work.cancelled_at = now or clock.now()
    session.flush()
    return work


@dataclass
class WorkView:
    id: int
    estate_code: str
    place: str
    service: str
    service_label: str
    title: str
    note: str
    starts_at: datetime
    ends_at: datetime
    cancelled: bool
    ongoing: bool
    printable: bool = True  # the caller may print its stairwell notice


def _view(session, work: PlannedWork, now: datetime, *, printable: bool = True) -> WorkView:
    estate = session.get(Estate, work.estate_id)
    b, e = session.get(Building, work.building_id), session.get(Entrance, work.entrance_id)
    return WorkView(id=work.id, estate_code=estate.code, place=f"{estate.code}-{b.code}-{e.code}",
                    service=work.service, service_label=str(rules.SERVICES[work.service]), title=work.title,
                    note=work.note, starts_at=work.starts_at, ends_at=work.ends_at,
                    cancelled=work.cancelled_at is not None,
                    ongoing=work.starts_at <= now < work.ends_at,
                    printable=printable and work.cancelled_at is None)


def _resident_entrance_ids(session, principal: Principal) -> Optional[set[int]]:
    """The entrances of a resident's rooms; None for every other role (not limited to entrances)."""
    if not permissions.has_own_rooms(principal):
        return None
    rooms = sorted(principal.scope.room_ids or ())
    return set(session.scalars(select(Room.entrance_id).where(Room.id.in_(rooms)).distinct()))


def list_planned_works(session, principal: Principal, *, estate_id: Optional[int] = None,
                       upcoming_only: bool = True, only_id: Optional[int] = None,
                       now: Optional[datetime] = None) -> list[WorkView]:
    """Planned works in scope (residents: their estates), by start time."""
    now = now or clock.now()
    stmt = scoped(select(PlannedWork), PlannedWork, principal)
    if only_id is not None:
        stmt = stmt.where(PlannedWork.id == only_id)
    if estate_id is not None:
        stmt = stmt.where(PlannedWork.estate_id == estate_id)
    if upcoming_only:
        stmt = stmt.where(PlannedWork.ends_at > now, PlannedWork.cancelled_at.is_(None))
    own = _resident_entrance_ids(session, principal)
    return [_view(session, w, now, printable=own is None or w.entrance_id in own)
            for w in session.scalars(stmt.order_by(PlannedWork.starts_at))]


def banners_for(session, principal: Principal, *, now: Optional[datetime] = None) -> list[WorkView]:
    """The works a resident should be warned about now: their entrances, starting within three days
    or under way. Other roles get none (they see the planned-works list). For any page to call."""
    if principal is None or not permissions.has_own_rooms(principal) or not principal.scope.room_ids:
        return []
    now = now or clock.now()
    entrances = select(Room.entrance_id).where(Room.id.in_(sorted(principal.scope.room_ids)))
    stmt = (select(PlannedWork).where(PlannedWork.entrance_id.in_(entrances),
                                      PlannedWork.cancelled_at.is_(None), PlannedWork.ends_at > now,
                                      PlannedWork.starts_at < now + BANNER_LEAD)
            .order_by(PlannedWork.starts_at))
    return [_view(session, w, now) for w in session.scalars(stmt)]


# The notice's kind (its title and advice to residents) per service.
NOTICE_KINDS = {"water_kitchen": "water", "water_bathroom": "water", "power": "power", "elevator": "elevator"}


def get_notice_work(session, principal: Principal, work_id: int) -> PlannedWork:
    """A planned work whose stairwell notice the caller may print: staff of the estate's company, admins
    and the district's auditors (scope), residents of the affected entrance only; else 404. A cancelled
    work has no notice to post (409)."""
    work = get_in_scope(session, PlannedWork, PlannedWork.id == work_id, principal=principal)
    own = _resident_entrance_ids(session, principal)
    if own is not None and work.entrance_id not in own:
        raise NotFound("planned_work not found")
    if work.cancelled_at is not None:
        raise Conflict(_("This work is cancelled; there is no notice to post."))
    return work


def notice_data(session, work: PlannedWork, *, now: Optional[datetime] = None) -> dict[str, Any]:
    """What the stairwell notice shows, as plain data: place, company, and the window as local
    dates and times (an end at midnight reads 24:00 of the day before)."""
    estate = session.get(Estate, work.estate_id)
    building, entrance = session.get(Building, work.building_id), session.get(Entrance, work.entrance_id)
    company, district = session.get(Company, estate.company_id), session.get(District, estate.district_id)
    street = session.get(Street, estate.street_id) if estate.street_id else None
    tz = clock.timezone()
    start, end = work.starts_at.astimezone(tz), work.ends_at.astimezone(tz)
    end_date, end_time = end.date(), end.strftime("%H:%M")
    if end.time() == time(0, 0) and end_date > start.date():
        end_date, end_time = end_date - timedelta(days=1), "24:00"
    return {
        "id": work.id, "kind": NOTICE_KINDS[work.service], "service": work.service,
        "service_label": str(rules.SERVICES[work.service]), "work_title": work.title, "note": work.note,
        "company_name": company.name, "district": district.name, "street": street.name if street else "",
        "estate_name": estate.name, "estate_code": estate.code, "building": building.code,
        "entrance": entrance.code, "place": f"{estate.code}-{building.code}-{entrance.code}",
        "start_date": start.date(), "start_time": start.strftime("%H:%M"),
        "end_date": end_date, "end_time": end_time, "same_day": end_date == start.date(),
        "issue_date": (now or clock.now()).astimezone(tz).date(),
    }


def notice_pdf(session, work: PlannedWork, *, now: Optional[datetime] = None) -> bytes:
    """The A4 stairwell notice (楼道张贴通知) of a planned work, in the current language."""
    from pms.core.pdf import render_pdf

    return render_pdf("planned_work_notice.html", {"notice": notice_data(session, work, now=now)})
