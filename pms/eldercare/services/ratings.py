"""Ratings: the elder's household rates a delivered visit once (1–5 stars, an optional comment)."""
from __future__ import annotations

from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from pms.core import audit
from pms.core.auth import Principal
from pms.core.db import utcnow
from pms.core.errors import Conflict
from pms.eldercare import permissions
from pms.eldercare.models import Visit, VisitRating

# A visit is rated once it was delivered: checked out (confirmed or not).
RATEABLE_STATUSES = ("checked_out", "confirmed")
MAX_COMMENT = 500


def rate(session, principal: Principal, visit: Visit, *, stars: int, comment: str = "") -> VisitRating:
    """Rate a visit of one's room (the caller found it in scope, locked): 403 for staff, 409 before
    check-out or when rated already (the UNIQUE visit answers a race with 409 too)."""
    permissions.ensure(principal, "visit.rate")
    if visit.status not in RATEABLE_STATUSES:
        raise Conflict(_("A visit is rated after it was delivered (checked out)."))
    if session.scalar(select(VisitRating.id).where(VisitRating.visit_id == visit.id)) is not None:
        raise Conflict(_("This visit is rated already."))
    rating = VisitRating(visit_id=visit.id, estate_id=visit.estate_id, room_id=visit.room_id, stars=stars,
                         comment=comment.strip(), rated_by_id=principal.user_id, rated_at=utcnow())
    session.add(rating)
    session.flush()
    audit.record(session, actor=principal.username, action="visit.rate", object_type="visit", object_id=visit.id,
                 estate_id=visit.estate_id, payload={"stars": stars})
    return rating


def ratings_of(session, visit_ids: Iterable[int]) -> dict[int, VisitRating]:
    """The ratings of these visits by visit id (one query; the visits were read in scope)."""
    ids = sorted(set(visit_ids))
    if not ids:
        return {}
    return {r.visit_id: r for r in session.scalars(select(VisitRating).where(VisitRating.visit_id.in_(ids)))}
