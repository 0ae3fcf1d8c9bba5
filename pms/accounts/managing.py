"""Managing other people's accounts: who looks after whom (an admin everyone; a manager the staff of
their company and the residents of its estates), unlocking, disabling and enabling, the users page.
Anyone else's account answers 404, never telling which."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from pms.accounts import permissions, sessions
from pms.accounts.models import User, UserRoom
from pms.accounts.services import find_user
from pms.core import audit
from pms.core.auth import ADMIN, DISTRICT_ROLES, RESIDENT, STAFF_ROLES, Principal
from pms.core.db import utcnow
from pms.core.errors import Forbidden, NotFound
from pms.core.sql import LIKE_ESCAPE, InIds, like_literal


def may_manage(session, principal: Principal, user: User) -> bool:
    """Whether `principal` may unlock, disable or reset `user`: an admin anyone; a manager the
    staff of their company and the residents of rooms in its estates."""
    if permissions.may(principal, "users.manage_any"):
        return True
    if not permissions.may(principal, "users.manage") or user.role in (ADMIN, *DISTRICT_ROLES):
        return False
    if user.role in STAFF_ROLES:
        return user.company_id == principal.company_id
    if user.role == RESIDENT:
        return bool(session.scalar(select(exists().where(
            UserRoom.user_id == user.id, InIds(UserRoom.estate_id, principal.scope.estate_ids)))))
    return False


def may_manage_users(principal: Principal) -> bool:
    """Whether the principal looks after other people's accounts (the users page)."""
    return permissions.may(principal, "users.manage")


def managed_user(session, principal: Principal, username: str) -> User:
    """The account `username` if `principal` may manage it, else 404 (never telling which)."""
    user = find_user(session, (username or "").strip())
    if user is None or not may_manage(session, principal, user):
        raise NotFound("user not found")
    return user


def unlock_user(session, principal: Principal, username: str) -> User:
    """Lift a lock-out and forget the failed attempts (audited)."""
    permissions.ensure(principal, "users.manage")
    user = managed_user(session, principal, username)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor=principal.username, action="user.unlock", object_type="user", object_id=user.id)
    session.flush()
    return user


def set_user_active(session, principal: Principal, username: str, active: bool) -> User:
    """Disable an account (ending its sessions and tokens) or enable it again (audited)."""
    permissions.ensure(principal, "users.manage")
    user = managed_user(session, principal, username)
    if not active and user.id == principal.user_id:
        raise Forbidden(_("You cannot disable your own account."))
    if user.is_active != active:
        user.is_active = active
        if not active:
            sessions.revoke_everything(session, user.id)
        audit.record(session, actor=principal.username, action="user.enable" if active else "user.disable",
                     object_type="user", object_id=user.id)
    session.flush()
    return user


@dataclass(frozen=True)
class UserRow:
    """An account as the users page lists it."""

    username: str
    display_name: str
    role: str
    is_active: bool
    locked_until: Optional[datetime]
    failed_logins: int
    last_login_at: Optional[datetime]


def list_managed_users(session, principal: Principal, *, q: str = "", only_locked: bool = False,
                       limit: int = 50, now: Optional[datetime] = None) -> list[UserRow]:
    """Accounts `principal` may manage, by username; those locked now only, or matching `q`."""
    now = now or utcnow()
    permissions.ensure(principal, "users.manage")
    stmt = select(User)
    if not permissions.may(principal, "users.manage_any"):
        resident_of_company = exists().where(UserRoom.user_id == User.id,
                                             InIds(UserRoom.estate_id, principal.scope.estate_ids))
        stmt = stmt.where(or_(User.role.in_(STAFF_ROLES) & (User.company_id == principal.company_id),
                              (User.role == RESIDENT) & resident_of_company))
    if only_locked:
        stmt = stmt.where(User.locked_until > now)
    if q.strip():
        pattern = like_literal(q.strip()) + "%"
        stmt = stmt.where(or_(User.username.like(pattern, escape=LIKE_ESCAPE),
                              User.display_name.like(pattern, escape=LIKE_ESCAPE)))
    users = session.scalars(stmt.order_by(User.username).limit(limit))
    return [UserRow(u.username, u.display_name, u.role, u.is_active,
                    u.locked_until if u.locked_until and u.locked_until > now else None,
                    u.failed_logins, u.last_login_at) for u in users]
