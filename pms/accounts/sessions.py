"""Browser sessions and API tokens kept server-side: start, list, revoke, expire when idle.

The browser's signed cookie carries only a random session id; the `user_session` row (found by
the id's SHA-256) says whether it still counts. Logging out revokes that row, a password change
or disabling an account revokes every session and token of the user, and a session unused for
`SESSION_IDLE_HOURS` is over. Bearer tokens are revoked the same way (`revoked_at`).

`last_seen_at` / `last_used_at` are written at most once per TOUCH_EVERY per session or token, in
their own short transaction (`core.db.commit_apart`), so a page view is not a write: the idle
limit is exact to within that minute.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from flask import current_app
from sqlalchemy import select, update

from pms.accounts.models import ApiToken, UserSession
from pms.core.db import utcnow
from pms.core.errors import NotFound

TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    """The SHA-256 kept in place of a session id or bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(hours=current_app.config.get("SESSION_IDLE_HOURS", 8))


def _lifetime() -> timedelta:
    return current_app.permanent_session_lifetime


# ---- browser sessions ------------------------------------------------------------------------

def start_session(session, user_id: int, *, user_agent: str = "", now: Optional[datetime] = None) -> str:
    """A new browser session for the user; returns its random id (for the cookie, never stored)."""
    now = now or utcnow()
    sid = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user_id, token_hash=token_hash(sid), user_agent=(user_agent or "")[:200],
                            created_at=now, last_seen_at=now, expires_at=now + _lifetime()))
    session.flush()
    return sid


def end_session(session, sid: Optional[str], *, now: Optional[datetime] = None) -> None:
    """Revoke the session with this id (logging out); nothing when there is none."""
    if not sid:
        return
    table = UserSession.__table__
    session.execute(update(table).where(table.c.token_hash == token_hash(sid), table.c.revoked_at.is_(None))
                    .values(revoked_at=now or utcnow()))
    session.flush()


def current_session_id(session, sid: Optional[str]) -> Optional[int]:
    """The row id of the session with this cookie id."""
    if not sid:
        return None
    return session.scalar(select(UserSession.id).where(UserSession.token_hash == token_hash(sid)))


@dataclass(frozen=True)
class SessionView:
    """A browser session as its owner sees it."""

    id: int
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def active_sessions(session, user_id: int, *, current_id: Optional[int] = None,
                    now: Optional[datetime] = None) -> list[SessionView]:
    """The user's sessions that still count, the latest first."""
    now = now or utcnow()
    rows = session.scalars(select(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > now,
        UserSession.last_seen_at > now - idle_limit()).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return [SessionView(r.id, r.user_agent, r.created_at, r.last_seen_at, r.id == current_id) for r in rows]


def revoke_session(session, user_id: int, session_id: int, *, now: Optional[datetime] = None) -> None:
    """End one of the user's own sessions (404 when it is not theirs or already over)."""
    table = UserSession.__table__
    done = session.execute(update(table).where(table.c.id == session_id, table.c.user_id == user_id,
                                               table.c.revoked_at.is_(None))
                           .values(revoked_at=now or utcnow())).rowcount
    if not done:
        raise NotFound("session not found")
    session.flush()


def revoke_other_sessions(session, user_id: int, keep_id: Optional[int], *, now: Optional[datetime] = None) -> int:
    """End every session of the user but `keep_id`; how many were ended."""
    table = UserSession.__table__
    stmt = update(table).where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
    if keep_id is not None:
        stmt = stmt.where(table.c.id != keep_id)
    count = session.execute(stmt.values(revoked_at=now or utcnow())).rowcount
    session.flush()
    return count


def revoke_everything(session, user_id: int, *, now: Optional[datetime] = None) -> None:
    """End every session and revoke every token of the user (password change, disabled account)."""
    now = now or utcnow()
    for model in (UserSession, ApiToken):
        table = model.__table__
        session.execute(update(table).where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
                        .values(revoked_at=now))
    session.flush()


def touch_session(session, session_id: int, now: datetime) -> None:
    """Record that the session was used (see TOUCH_EVERY)."""
    table = UserSession.__table__
    session.execute(update(table).where(table.c.id == session_id).values(last_seen_at=now))


# ---- API tokens ------------------------------------------------------------------------------

def issue_token(session, user_id: int, *, name: str = "", now: Optional[datetime] = None) -> tuple[str, datetime]:
    """A new bearer token for the user (returned once; only its hash is kept)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    session.add(ApiToken(user_id=user_id, token_hash=token_hash(token), name=(name or "").strip()[:64],
                         created_at=now, expires_at=expires_at))
    session.flush()
    return token, expires_at


@dataclass(frozen=True)
class TokenView:
    """An API token as its owner sees it (never the token itself)."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: Optional[datetime]
    current: bool


def active_tokens(session, user_id: int, *, current_token: Optional[str] = None,
                  now: Optional[datetime] = None) -> list[TokenView]:
    """The user's tokens that still work (not revoked, not expired), the newest first."""
    now = now or utcnow()
    current = token_hash(current_token) if current_token else None
    rows = session.scalars(select(ApiToken).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [TokenView(r.id, r.name, r.created_at, r.expires_at, r.last_used_at, r.token_hash == current)
            for r in rows]


def revoke_token(session, user_id: int, token_id: int, *, now: Optional[datetime] = None) -> None:
    """Revoke one of the user's own tokens (404 when it is not theirs or no longer works)."""
    now = now or utcnow()
    table = ApiToken.__table__
    done = session.execute(update(table).where(table.c.id == token_id, table.c.user_id == user_id,
                                               table.c.revoked_at.is_(None), table.c.expires_at > now)
                           .values(revoked_at=now)).rowcount
    if not done:
        raise NotFound("token not found")
    session.flush()


def touch_token(session, token_id: int, now: datetime) -> None:
    """Record that the token was used (see TOUCH_EVERY)."""
    table = ApiToken.__table__
    session.execute(update(table).where(table.c.id == token_id).values(last_used_at=now))
