"""The notifications' rules: the outbox (which messages are due, claiming one, recording what became
of it, and the manager's view: list, retry) and the inbox (a user's in-app notifications, read in
their language; the unread count; marking read). Every function only flushes; the sender
(`sender.py`) and the request wrap them in their units of work. Writing notifications and outbox
rows is every domain's, through `pms.core.notifications` (`notify`, `enqueue`).

States, derived from the columns (`status_of`, `STATUS_SQL`):
    queued   — waiting, never tried (or requeued by a manager)
    sending  — claimed by one sender right now (`claimed_at`, `claimed_by`)
    retrying — tried, a temporary failure; due again at `next_attempt_at`
    failed   — given up (`failed_at`, `last_error`): a permanent refusal, no address, too many
               attempts, or a sender that stopped mid-delivery (see `expire_claims`)
    sent     — the mail server accepted it (`sent_at`)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Sequence

from sqlalchemy import and_, case, func, or_, select, update

from pms.accounts.models import User
from pms.core import audit
from pms.core import messages as stored
from pms.core.addresses import is_email_address
from pms.core.auth import Principal, get_in_scope, scoped
from pms.core.db import is_sqlite, utcnow
from pms.core.errors import Conflict, NotFound
from pms.core.i18n import _l, translate
from pms.core.i18n import translate as _
from pms.core.models import Notification
from pms.core.models import OutboxMessage as M
from pms.estates.models import Estate
from pms.notifications.permissions import ensure


# A claim older than this belongs to a sender that stopped (crashed, killed, lost its database)
# before it recorded the outcome. One claim covers one SMTP conversation (seconds), so ten
# minutes never cuts off a sender that is still working.
LEASE = timedelta(minutes=10)
# Attempts before a temporarily failing message is given up; waits between them double from
# BACKOFF_BASE up to BACKOFF_CAP: 1, 2, 4, 8, 16, 32, 64 minutes (about two hours in all).
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=2)

STATUSES = ("queued", "sending", "retrying", "failed", "sent")
EMAIL, SMS = "email", "sms"

NO_ADDRESS = _l("The recipient has no e-mail address.")
BAD_ADDRESS = _l("The e-mail address is not valid.")
NOT_COMPOSED = _l("The message could not be composed as an e-mail.")
RECIPIENT_DISABLED = _l("The recipient's account is disabled.")
OUTCOME_UNKNOWN = _l("A sender stopped while handing this message to the mail server; it may have "
                     "arrived, so it is not sent again unless you retry it.")

STATUS_SQL = case(
    (M.sent_at.is_not(None), "sent"),
    (M.failed_at.is_not(None), "failed"),
    (M.claimed_at.is_not(None), "sending"),
    (M.attempts > 0, "retrying"),
    else_="queued",
)

_STATUS_WHERE = {
    "sent": M.sent_at.is_not(None),
    "failed": and_(M.sent_at.is_(None), M.failed_at.is_not(None)),
    "sending": and_(M.sent_at.is_(None), M.failed_at.is_(None), M.claimed_at.is_not(None)),
    "retrying": and_(M.sent_at.is_(None), M.failed_at.is_(None), M.claimed_at.is_(None), M.attempts > 0),
    "queued": and_(M.sent_at.is_(None), M.failed_at.is_(None), M.claimed_at.is_(None), M.attempts == 0),
}


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1 → 1 min, 2 → 2 min, 3 → 4 min …)."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _pending():
    return and_(M.sent_at.is_(None), M.failed_at.is_(None))


def _due(now: datetime):
    """E-mail nobody holds whose time has come. SMS is never due: there is no SMS gateway yet,
    so SMS stays queued (not failed) for the gateway that will deliver it."""
    return and_(_pending(), M.channel == EMAIL, M.claimed_at.is_(None),
                or_(M.next_attempt_at.is_(None), M.next_attempt_at <= now))


# ---- the sender's side ---------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    """A message one sender holds: what to send, or why it cannot be sent."""

    id: int
    attempt: int
    to: str
    subject: str
    body: str
    created_at: datetime
    problem: str = ""   # a reason to fail it without trying (no or bad address)


def expire_claims(session, *, now: Optional[datetime] = None) -> int:
    """Give up on messages whose sender stopped mid-delivery (claim older than LEASE).

    At most once, not at least once: such a message may already be in the recipient's mailbox
    (the server accepted it and the sender died before it could record `sent_at`), so it is
    failed with a reason the manager sees, and sent again only when the manager retries it.
    """
    now = now or utcnow()
    result = session.execute(
        update(M).where(_pending(), M.claimed_at.is_not(None), M.claimed_at < now - LEASE)
        .values(failed_at=now, claimed_at=None, claimed_by=None, next_attempt_at=None,
                last_error=OUTCOME_UNKNOWN[:200])
        .execution_options(synchronize_session=False))
    session.flush()
    return result.rowcount or 0


def claim_next(session, sender_id: str, *, now: Optional[datetime] = None) -> Optional[Claimed]:
    """Claim the oldest due e-mail for `sender_id` and count the attempt; None when none is due.

    Two senders never hold one message: the claim is a conditional UPDATE (it only changes a row
    that is still unclaimed and due) and its row count says who won. PostgreSQL: the candidate is
    picked FOR UPDATE SKIP LOCKED, so concurrent senders take different rows instead of queueing
    behind one; SQLite: the unit of work began with BEGIN IMMEDIATE, senders take turns.
    """
    now = now or utcnow()
    for _ in range(3):  # another sender may win the candidate between the pick and the update
        pick = select(M.id).where(_due(now)).order_by(M.id).limit(1)
        if not is_sqlite(session):
            pick = pick.with_for_update(skip_locked=True)
        message_id = session.scalar(pick)
        if message_id is None:
            return None
        won = session.execute(
            update(M).where(M.id == message_id, _due(now))
            .values(claimed_at=now, claimed_by=sender_id[:64], attempts=M.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if won == 1:
            break
    else:
        return None
    session.flush()
    row = session.execute(
        select(M.id, M.attempts, M.to_address, M.subject, M.body, M.created_at, User.email, User.is_active,
               M.recipient_user_id)
        .outerjoin(User, User.id == M.recipient_user_id).where(M.id == message_id)).one()
    to, problem = (row.to_address or "").strip(), ""
    if not to:
        if row.recipient_user_id is not None and row.is_active is False:
            problem = RECIPIENT_DISABLED
        to = (row.email or "").strip()
    if not problem and not to:
        problem = NO_ADDRESS
    elif not problem and not is_email_address(to):
        problem = BAD_ADDRESS
    return Claimed(id=row.id, attempt=row.attempts, to=to, subject=row.subject, body=row.body,
                   created_at=row.created_at, problem=problem)


def record_sent(session, message_id: int, *, now: Optional[datetime] = None) -> None:
    """The server accepted it. Recorded whoever holds the claim now: it *was* sent."""
    session.execute(
        update(M).where(M.id == message_id, M.sent_at.is_(None))
        .values(sent_at=now or utcnow(), claimed_at=None, claimed_by=None, next_attempt_at=None,
                failed_at=None, last_error="")
        .execution_options(synchronize_session=False))
    session.flush()


def record_failure(session, message_id: int, sender_id: str, error: str, *, permanent: bool,
                   now: Optional[datetime] = None) -> str:
    """A refused or impossible delivery: "failed" (permanent, or the last attempt) or
    "retrying" (due again after the backoff). Nothing changes if the claim was lost meanwhile."""
    now = now or utcnow()
    attempts = session.scalar(select(M.attempts).where(M.id == message_id)) or 1
    give_up = permanent or attempts >= MAX_ATTEMPTS
    error = " ".join((error or "").split())
    values = dict(claimed_at=None, claimed_by=None, last_error=error[:200])
    if give_up:
        values.update(failed_at=now, next_attempt_at=None)
    else:
        values.update(next_attempt_at=now + backoff(attempts))
    changed = session.execute(
        update(M).where(M.id == message_id, M.claimed_by == sender_id[:64], _pending()).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    session.flush()
    if not changed:
        return "lost"
    return "failed" if give_up else "retrying"


def count_due(session, *, now: Optional[datetime] = None) -> int:
    """E-mail due now (what a sender would take)."""
    return session.scalar(select(func.count(M.id)).where(_due(now or utcnow()))) or 0


def count_waiting_sms(session, principal: Optional[Principal] = None) -> int:
    """SMS waiting for a gateway (in the principal's scope, when one is given)."""
    stmt = select(func.count(M.id)).where(_pending(), M.channel == SMS)
    return session.scalar(scoped(stmt, M, principal) if principal else stmt) or 0


# ---- the manager's side --------------------------------------------------------------------

@dataclass(frozen=True)
class MessageView:
    """One outbox message as a manager sees it (never its body)."""

    id: int
    estate: Optional[str]
    channel: str
    recipient: Optional[str]
    to_address: str
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: Optional[datetime]
    failed_at: Optional[datetime]
    sent_at: Optional[datetime]

    @property
    def can_retry(self) -> bool:
        return self.status in ("failed", "retrying") and self.channel == EMAIL


def _view_select():
    return (select(M.id, Estate.code.label("estate"), M.channel, User.username, User.email, M.to_address,
                   M.subject, STATUS_SQL.label("status"), M.attempts, M.last_error, M.created_at,
                   M.next_attempt_at, M.failed_at, M.sent_at)
            .outerjoin(Estate, Estate.id == M.estate_id).outerjoin(User, User.id == M.recipient_user_id))


def _view(row) -> MessageView:
    error = row.last_error or ""
    return MessageView(
        id=row.id, estate=row.estate, channel=row.channel, recipient=row.username,
        to_address=(row.to_address or row.email or ""), subject=row.subject, status=row.status,
        attempts=row.attempts, last_error=translate(error) if error else "",
        created_at=row.created_at, next_attempt_at=row.next_attempt_at if row.status == "retrying" else None,
        failed_at=row.failed_at, sent_at=row.sent_at)


def list_messages(session, principal: Principal, *, statuses: Sequence[str] = (), limit: int = 50,
                  offset: int = 0) -> tuple[list[MessageView], int]:
    """Messages of the estates in the caller's scope (managers: their company's), newest first."""
    ensure(principal, "outbox.list")
    stmt = scoped(select(M.id), M, principal)
    if statuses:
        stmt = stmt.where(or_(*(_STATUS_WHERE[s] for s in statuses)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        _view_select().where(M.id.in_(stmt.scalar_subquery()))
        .order_by(M.id.desc()).limit(limit).offset(offset)).all()
    return [_view(r) for r in rows], total


def status_counts(session, principal: Principal) -> dict[str, int]:
    """How many messages of the caller's scope are in each state."""
    ensure(principal, "outbox.list")
    stmt = scoped(select(STATUS_SQL.label("status"), func.count(M.id)), M, principal).group_by(STATUS_SQL)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: n for status, n in session.execute(stmt)})
    return counts


def _check_id(message_id: int) -> None:
    if not 0 < message_id < 2 ** 31:  # beyond the column's range: unknown, not a database error
        raise NotFound("outbox message not found")


def retry_message(session, principal: Principal, message_id: int, *,
                  now: Optional[datetime] = None) -> MessageView:
    """Requeue a failed (or retrying) e-mail: due at once, attempts from zero. 404 outside the
    caller's scope; 409 when it was sent or a sender holds it right now."""
    ensure(principal, "outbox.retry")
    _check_id(message_id)
    message = get_in_scope(session, M, M.id == message_id, principal=principal, for_update=True)
    if message.sent_at is not None:
        raise Conflict(_("This message was already sent."))
    if message.claimed_at is not None:
        raise Conflict(_("This message is being sent right now."))
    if message.channel != EMAIL:
        raise Conflict(_("Text messages wait for an SMS gateway; there is nothing to retry."))
    was = "failed" if message.failed_at is not None else ("retrying" if message.attempts else "queued")
    if was != "queued":
        message.failed_at = None
        message.next_attempt_at = None
        message.attempts = 0
        session.flush()
        audit.record(session, actor=principal.username, action="outbox.retry", object_type="outbox_message",
                     object_id=message.id, estate_id=message.estate_id, payload={"was": was})
    return get_view(session, principal, message.id)


def get_view(session, principal: Principal, message_id: int) -> MessageView:
    """One message of the caller's scope (404 otherwise)."""
    ensure(principal, "outbox.list")
    _check_id(message_id)
    get_in_scope(session, M, M.id == message_id, principal=principal)
    row = session.execute(_view_select().where(M.id == message_id)).one()
    return _view(row)


# ---- the inbox: each user's in-app notifications ----------------------------------------------

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


def init_app(app) -> None:
    """Offer `unread_notifications()` to every template: base.html shows the count on its bell."""
    from pms.core.auth import current_principal
    from pms.core.db import get_session

    def unread_notifications() -> int:
        """The caller's unread in-app notifications (0 when anonymous); base.html asks once per page."""
        principal = current_principal()
        if principal is None:
            return 0
        return unread_count(get_session(), principal.user_id)

    app.jinja_env.globals["unread_notifications"] = unread_notifications
