"""In-app notifications and the outbox of messages to send: generic, used by every domain."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import func, insert, select, update

from pms.core import messages as stored
from pms.core.db import utcnow
from pms.core.errors import NotFound
from pms.core.models import Notification, OutboxMessage


@dataclass(frozen=True)
class Message:
    """One notification to create: who, about what. With `message` (a declared key) and `params`
    it is rendered in each reader's language; `title`/`body` are then only the stored fallback."""

    recipient_user_id: int
    kind: str
    title: str = ""
    body: str = ""
    link: str = ""
    estate_id: Optional[int] = None
    message: Optional[str] = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotificationView:
    """A notification as its reader sees it: title and body in the request's language."""

    id: int
    recipient_user_id: int
    estate_id: Optional[int]
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: Optional[datetime]


def rendered(row: Notification) -> NotificationView:
    """A stored notification rendered for the current locale (stored text for unknown keys)."""
    return NotificationView(
        id=row.id, recipient_user_id=row.recipient_user_id, estate_id=row.estate_id, kind=row.kind,
        title=stored.render(row.message, row.params, row.title or ""),
        body=stored.render(row.message, row.params, row.body or "", part="body"),
        link=row.link, created_at=row.created_at, read_at=row.read_at)


def _fallback(m: Message, part: str, text: str) -> str:
    return text or (stored.render(m.message, m.params, "", part=part) if m.message else "")


@dataclass(frozen=True)
class OutboxItem:
    """One message for the sender process."""

    subject: str
    body: str = ""
    to_address: str = ""
    channel: str = "email"
    recipient_user_id: Optional[int] = None
    estate_id: Optional[int] = None


def notify(session, messages: Iterable[Message], *, now: Optional[datetime] = None) -> int:
    """Create in-app notifications in one bulk insert; returns how many."""
    now = now or utcnow()
    rows = [dict(recipient_user_id=m.recipient_user_id, kind=m.kind, title=_fallback(m, "text", m.title)[:200],
                 body=_fallback(m, "body", m.body)[:2000], link=m.link[:300], estate_id=m.estate_id,
                 message=m.message, params=m.params or None, created_at=now)
            for m in messages]
    if rows:
        session.execute(insert(Notification), rows)
        session.flush()
    return len(rows)


def enqueue(session, items: Iterable[OutboxItem], *, now: Optional[datetime] = None) -> int:
    """Queue outgoing messages in one bulk insert; returns how many."""
    now = now or utcnow()
    rows = [dict(subject=i.subject[:200], body=i.body[:4000], to_address=i.to_address[:254],
                 channel=i.channel, recipient_user_id=i.recipient_user_id, estate_id=i.estate_id,
                 created_at=now)
            for i in items]
    if rows:
        session.execute(insert(OutboxMessage), rows)
        session.flush()
    return len(rows)


def list_for_user(session, user_id: int, *, unread_only: bool = False,
                  limit: int = 50) -> list[NotificationView]:
    """A user's notifications, newest first, in the reader's language."""
    stmt = select(Notification).where(Notification.recipient_user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return [rendered(row) for row in session.scalars(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))]


def unread_count(session, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.recipient_user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(session, user_id: int, notification_id: int, *, now: Optional[datetime] = None) -> None:
    """Mark one of the user's notifications read (404 for someone else's)."""
    found = session.scalar(select(Notification).where(Notification.id == notification_id,
                                                      Notification.recipient_user_id == user_id))
    if found is None:
        raise NotFound("notification not found")
    if found.read_at is None:
        found.read_at = now or utcnow()
    session.flush()


def mark_all_read(session, user_id: int, *, now: Optional[datetime] = None) -> None:
    session.execute(update(Notification)
                    .where(Notification.recipient_user_id == user_id, Notification.read_at.is_(None))
                    .values(read_at=now or utcnow()))
    session.flush()
