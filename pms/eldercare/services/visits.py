"""Visits: one-off bookings, check-in with the home code, check-out, the elder's confirmation,
and what staff see of a visit (the six data points, the evidence and its anomalies)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from pms.accounts.models import User
from pms.core import audit, clock
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.db import lock_row, utcnow
from pms.core.errors import Conflict, Forbidden, Invalid
from pms.eldercare import permissions, rules
from pms.eldercare.models import CarePlan, CareService, Elder, Visit
from pms.eldercare.services import catalogue
from pms.eldercare.services.elders import elder_for_input, pin_matches
from pms.estates.models import Estate, Room

# Visits that hold their worker's time (a missed or cancelled one does not).
ACTIVE_STATUSES = ("planned", "checked_in", "checked_out", "confirmed")
OUTCOMES = ("completed", "partly_completed", "refused", "escalated")


def local_instant(day: date, at: time) -> datetime:
    """A business-timezone wall time as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=clock.timezone()).astimezone(timezone.utc)


def local_time(instant: datetime) -> str:
    return instant.astimezone(clock.timezone()).strftime("%H:%M")


class WrongPin(Invalid):
    """A confirmation PIN that does not match (already counted: the edge commits the count)."""

    def __init__(self, visit_id: int, left: int):
        super().__init__(_("The confirmation code does not match."),
                         fields={"pin": [_("The confirmation code does not match (%(left)d tries left).", left=left)]})
        self.visit_id = visit_id


def care_worker_of(session, company_id: int, username: str, *, field_name: str = "worker") -> User:
    """An active care worker of the company, else 422 on the field."""
    worker = session.scalar(select(User).where(User.username == username, User.role == permissions.WORKER_ROLE,
                                               User.company_id == company_id, User.is_active.is_(True)))
    if worker is None:
        raise Invalid(_("Unknown care worker."), fields={field_name: [_("Not a care worker of this company.")]})
    return worker


def ensure_worker_free(session, worker_id: int, day: date, starts_at: datetime, ends_at: datetime,
                       *, ignore_visit: Optional[int] = None) -> None:
    """409 naming the other visit (or the care plan whose visit is not generated yet) when the
    worker is already due somewhere else in that window."""
    lock_row(session, User, worker_id)  # bookings for one worker go one at a time
    stmt = (select(Visit.id, Visit.starts_at, Visit.ends_at).where(
        Visit.worker_id == worker_id, Visit.date == day, Visit.status.in_(ACTIVE_STATUSES),
        Visit.starts_at < ends_at, Visit.ends_at > starts_at).order_by(Visit.starts_at).limit(1))
    if ignore_visit is not None:
        stmt = stmt.where(Visit.id != ignore_visit)
    other = session.execute(stmt).first()
    if other is not None:
        message = _("The care worker has visit #%(id)d from %(start)s to %(end)s then.", id=other.id,
                    start=local_time(other.starts_at), end=local_time(other.ends_at))
        raise Conflict(message, fields={"worker": [message]})
    start, end = local_time(starts_at), local_time(ends_at)
    generated = select(Visit.plan_id).where(Visit.date == day, Visit.plan_id.is_not(None))
    plans = session.execute(select(CarePlan.id, CarePlan.recurrence, CarePlan.weekdays, CarePlan.start_time,
                                   CarePlan.end_time).where(
        CarePlan.worker_id == worker_id, CarePlan.starts_on <= day,
        or_(CarePlan.ends_on.is_(None), CarePlan.ends_on >= day), CarePlan.id.not_in(generated)))
    for plan in plans:
        if rules.occurs_on(plan.recurrence, plan.weekdays, day) and \
                plan.start_time.strftime("%H:%M") < end and start < plan.end_time.strftime("%H:%M"):
            message = _("The care worker has care plan #%(id)d from %(start)s to %(end)s on those days.",
                        id=plan.id, start=plan.start_time.strftime("%H:%M"), end=plan.end_time.strftime("%H:%M"))
            raise Conflict(message, fields={"worker": [message]})


def book_visit(session, principal: Principal, *, elder: int, service: str, date: date, start: time, end: time,
               worker: Optional[str] = None) -> Visit:
    """Book a one-off visit (status planned)."""
    permissions.ensure(principal, "visit.book")
    found = elder_for_input(session, principal, elder)
    company_id = session.scalar(select(Estate.company_id).where(Estate.id == found.estate_id))
    offered = catalogue.service_of_company(session, company_id, service)
    if date < clock.today():
        raise Invalid(_("Some fields are invalid."), fields={"date": [_("The day has passed.")]})
    if end <= start:
        raise Invalid(_("Some fields are invalid."), fields={"end": [_("The visit ends before it starts.")]})
    starts_at, ends_at = local_instant(date, start), local_instant(date, end)
    worker_id = None
    if worker:
        worker_id = care_worker_of(session, company_id, worker).id
        ensure_worker_free(session, worker_id, date, starts_at, ends_at)
    visit = Visit(estate_id=found.estate_id, room_id=found.room_id, elder_id=found.id, service_id=offered.id,
                  date=date, starts_at=starts_at, ends_at=ends_at, worker_id=worker_id,
                  booked_by_id=principal.user_id, created_at=utcnow())
    session.add(visit)
    session.flush()
    return visit


def get_visit(session, principal: Principal, visit_id: int, *, for_update: bool = False) -> Visit:
    """A visit in the caller's scope (404 otherwise), if their role may read visits (403)."""
    visit = get_in_scope(session, Visit, Visit.id == visit_id, principal=principal, for_update=for_update)
    permissions.ensure(principal, "visit.read")
    return visit


def list_visits(session, principal: Principal, day: date, *, mine: bool = False, worker: Optional[str] = None,
                limit: Optional[int] = None) -> list[Visit]:
    """The visits of a day in scope, in time order (a care worker's `mine`: theirs and unassigned;
    `worker`: one care worker's, by login)."""
    permissions.ensure(principal, "visit.read")
    stmt = scoped(select(Visit).where(Visit.date == day), Visit, principal)
    if mine:
        stmt = stmt.where((Visit.worker_id == principal.user_id) | Visit.worker_id.is_(None))
    if worker:
        stmt = stmt.where(Visit.worker_id.in_(select(User.id).where(User.username == worker)))
    stmt = stmt.order_by(Visit.starts_at, Visit.id)
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def workers_of_day(session, principal: Principal, day: date) -> list[str]:
    """The logins of the care workers with visits on the day in scope (a page's worker filter)."""
    permissions.ensure(principal, "visit.read")
    ids = scoped(select(Visit.worker_id).where(Visit.date == day, Visit.worker_id.is_not(None)), Visit, principal)
    return list(session.scalars(select(User.username).where(User.id.in_(ids)).order_by(User.username)))


def visits_of_elders(session, principal: Principal, elder_ids: list[int], *, upcoming: bool,
                     limit: int = 20) -> list[Visit]:
    """The elders' visits from today on (in time order) or before today (newest first)."""
    permissions.ensure(principal, "visit.read")
    if not elder_ids:
        return []
    stmt = scoped(select(Visit).where(Visit.elder_id.in_(elder_ids)), Visit, principal)
    today = clock.today()
    stmt = (stmt.where(Visit.date >= today).order_by(Visit.starts_at, Visit.id) if upcoming
            else stmt.where(Visit.date < today).order_by(Visit.starts_at.desc(), Visit.id.desc()))
    return list(session.scalars(stmt.limit(limit)))


def _ensure_assigned(principal: Principal, visit: Visit) -> None:
    if permissions.only_assigned(principal) and visit.worker_id not in (None, principal.user_id):
        raise Forbidden(_("Only the assigned care worker may do this."))


def check_in(session, principal: Principal, visit: Visit, home_code: Optional[str]) -> Visit:
    """Check in at the elder's home, now (the server's time): verified with the card's code,
    recorded unverified (and flagged) without it. An unassigned visit is taken by its worker."""
    permissions.ensure(principal, "visit.check")
    _ensure_assigned(principal, visit)
    if visit.status not in ("planned", "missed"):
        raise Conflict(_("This visit is checked in already (or cancelled)."))
    stored = session.scalar(select(Elder.home_code_hash).where(Elder.id == visit.elder_id))
    if visit.worker_id is None and permissions.only_assigned(principal):
        visit.worker_id = principal.user_id
    visit.status, visit.checked_in_at, visit.checked_in_by_id = "checked_in", utcnow(), principal.user_id
    visit.verified = rules.home_code_matches(home_code, stored)
    session.flush()
    return visit


def check_out(session, principal: Principal, visit: Visit, outcome: str, note: str) -> Visit:
    """Check out with the outcome and notes; 409 before check-in."""
    permissions.ensure(principal, "visit.check")
    _ensure_assigned(principal, visit)
    if visit.status != "checked_in":
        raise Conflict(_("Check in before checking out.") if visit.status in ("planned", "missed")
                       else _("This visit is checked out already."))
    visit.status, visit.checked_out_at, visit.outcome, visit.note = "checked_out", utcnow(), outcome, note
    session.flush()
    return visit


def confirm(session, principal: Principal, visit: Visit, pin: str) -> Visit:
    """The elder's confirmation with their PIN: wrong → 422 (counted), locked after five."""
    permissions.ensure(principal, "visit.confirm")
    _ensure_assigned(principal, visit)
    if visit.status == "confirmed":
        raise Conflict(_("This visit is confirmed already."))
    if visit.status != "checked_out":
        raise Conflict(_("A visit is confirmed after check-out."))
    if visit.pin_failures >= rules.MAX_PIN_FAILURES:
        raise Conflict(_("Too many wrong codes: this visit can no longer be confirmed with a code."))
    pin_hash = session.scalar(select(Elder.pin_hash).where(Elder.id == visit.elder_id))
    if not pin_matches(pin, pin_hash):
        # Counted while the visit's row is still locked: a parallel try waits and then sees this
        # one, so no one gets more than five guesses however many they send at once.
        failures = record_pin_failure(session, visit.id)
        raise WrongPin(visit.id, rules.MAX_PIN_FAILURES - failures)
    visit.status, visit.confirmed_at, visit.confirmed_by_id = "confirmed", utcnow(), principal.user_id
    session.flush()
    return visit


def cancel(session, principal: Principal, visit: Visit) -> Visit:
    """Cancel a planned (or missed) visit: residents their own bookings' elders, staff who plan care."""
    permissions.ensure(principal, "visit.cancel")
    if visit.status not in ("planned", "missed"):
        raise Conflict(_("Only a visit not yet checked in can be cancelled."))
    visit.status = "cancelled"
    session.flush()
    audit.record(session, actor=principal.username, action="visit.cancel", object_type="visit", object_id=visit.id,
                 estate_id=visit.estate_id)
    return visit


def record_pin_failure(session, visit_id: int) -> int:
    """Count one wrong PIN (a conditional UPDATE, never past five); returns the count."""
    table = Visit.__table__
    count = session.scalar(update(table).where(table.c.id == visit_id, table.c.pin_failures < rules.MAX_PIN_FAILURES)
                           .values(pin_failures=table.c.pin_failures + 1).returning(table.c.pin_failures))
    if count == rules.MAX_PIN_FAILURES:
        estate_id = session.scalar(select(table.c.estate_id).where(table.c.id == visit_id))
        audit.record(session, actor="system", action="visit.confirmation_locked", object_type="visit",
                     object_id=visit_id, estate_id=estate_id)
    session.flush()
    return count if count is not None else rules.MAX_PIN_FAILURES


# ---- what a visit shows -------------------------------------------------------------------------

@dataclass
class VisitView:
    id: int
    status: str
    verified: Optional[bool]
    elder: int
    elder_name: str
    room: str
    service: str
    service_kind: str
    service_name: str
    date: date
    start: str
    end: str
    worker: Optional[str]
    plan: Optional[int]
    checked_in_at: Optional[datetime]
    checked_out_at: Optional[datetime]
    outcome: str
    note: str
    confirmed_at: Optional[datetime]
    confirmation_locked: bool
    anomalies: list[str]
    rating: Optional[dict] = None  # {"stars", "comment", "rated_at"} once the household rated it


def anomalies_of(visit: Visit, service: CareService, today: date) -> list[str]:
    """What staff must look at: a check-in without the home code, a visit shorter than the
    service's minimum, a delivered visit nobody confirmed after its day."""
    found = []
    if visit.verified is False:
        found.append("unverified_check_in")
    if visit.checked_in_at and visit.checked_out_at and service.min_minutes and \
            (visit.checked_out_at - visit.checked_in_at).total_seconds() < service.min_minutes * 60:
        found.append("short_visit")
    if visit.status == "checked_out" and visit.date < today:
        found.append("unconfirmed")
    if visit.status == "missed":
        found.append("missed_check_in")
    return found


def visit_views(session, visits: list[Visit]) -> list[VisitView]:
    """Read models of visits with their elder, room, service and worker in one query each."""
    if not visits:
        return []
    ids = lambda attr: sorted({getattr(v, attr) for v in visits if getattr(v, attr)})  # noqa: E731
    elders = dict(session.execute(select(Elder.id, Elder.name).where(Elder.id.in_(ids("elder_id")))).all())
    rooms = dict(session.execute(select(Room.id, Room.code).where(Room.id.in_(ids("room_id")))).all())
    services = {s.id: s for s in session.scalars(select(CareService).where(CareService.id.in_(ids("service_id"))))}
    workers = dict(session.execute(select(User.id, User.username).where(User.id.in_(ids("worker_id")))).all())
    today = clock.today()
    from pms.eldercare.services.ratings import ratings_of

    rated = ratings_of(session, (v.id for v in visits))
    return [VisitView(id=v.id, status=v.status, verified=v.verified, elder=v.elder_id, elder_name=elders[v.elder_id],
                      room=rooms[v.room_id], service=services[v.service_id].code,
                      service_kind=services[v.service_id].kind, service_name=services[v.service_id].name,
                      date=v.date, start=local_time(v.starts_at), end=local_time(v.ends_at),
                      worker=workers.get(v.worker_id), plan=v.plan_id, checked_in_at=v.checked_in_at,
                      checked_out_at=v.checked_out_at, outcome=v.outcome, note=v.note, confirmed_at=v.confirmed_at,
                      confirmation_locked=v.pin_failures >= rules.MAX_PIN_FAILURES,
                      anomalies=anomalies_of(v, services[v.service_id], today),
                      rating=({"stars": rated[v.id].stars, "comment": rated[v.id].comment,
                               "rated_at": rated[v.id].rated_at} if v.id in rated else None))
            for v in visits]
