"""Writing in-app notifications and the outbox of messages to send: generic, every domain writes them.

Reading them (a user's list, the unread count, marking read) is the notifications domain's
(`pms.notifications.services`); the outbox's sender and rules live there too."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import insert

from pms.core import messages as stored
from pms.core.db import utcnow
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
