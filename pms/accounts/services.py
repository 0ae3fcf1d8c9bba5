"""Accounts: creating users, logging in with lock-out, API tokens, and building scopes."""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String, bindparam, case, cast, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from pms.accounts.models import ApiToken, User, UserRoom
from pms.core import audit, auth
from pms.core.auth import ADMIN, AUDITOR, RESIDENT, ROLES, STAFF_ROLES, Principal, Scope
from pms.core.db import get_session, utcnow
from pms.core.errors import Conflict, Invalid, NotAuthenticated
from pms.estates import services as estates
from pms.estates.models import Estate

MIN_PASSWORD_LENGTH = 8


def create_user(session, *, username: str, password: str, role: str, company_code: str | None = None,
                room_codes: list[str] | tuple = (), district_code: str | None = None,
                display_name: str = "", actor: str = "system") -> User:
    """A new account with the links its role needs (company, rooms or district)."""
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 64:
        errors["username"] = [_("A username of 1 to 64 characters is required.")]
    if role not in ROLES:
        errors["role"] = [_("Unknown role %(role)s.", role=role)]
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = [_("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)]
    company = district = None
    rooms = []
    if role in STAFF_ROLES:
        if not company_code:
            errors["company"] = [_("Staff accounts need a company.")]
        else:
            company = estates.find_company(session, company_code)
            if company is None:
                errors["company"] = [_("Unknown company %(code)s.", code=company_code)]
    if role == RESIDENT:
        if not room_codes:
            errors["room"] = [_("Resident accounts need at least one room.")]
        for code in room_codes:
            room = estates.find_room(session, code)
            if room is None:
                errors.setdefault("room", []).append(_("Unknown room %(code)s.", code=code))
            else:
                rooms.append(room)
    if role == AUDITOR:
        if not district_code:
            errors["district"] = [_("Auditor accounts need a district.")]
        else:
            # Any district of the reference data (GB/T 2260), before any of its estates exists.
            from pms.estates.divisions import district_for

            district = district_for(session, district_code)
            if district is None:
                errors["district"] = [_("Unknown district %(code)s.", code=district_code)]
    if errors:
        raise Invalid(_("The account cannot be created."), fields=errors)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(_("The username %(name)s is taken.", name=username), fields={"username": [_("taken")]})
    user = User(username=username, password_hash=_hash_password(password), role=role,
                display_name=display_name or username,
                company_id=company.id if company else None,
                district_id=district.id if district else None)
    session.add(user)
    session.flush()
    for room in rooms:
        session.add(UserRoom(user_id=user.id, room_id=room.id, estate_id=room.estate_id))
    audit.record(session, actor=actor, action="user.create", object_type="user", object_id=user.id,
                 payload={"username": username, "role": role, "company": company_code,
                          "district": district_code, "rooms": list(room_codes)})
    session.flush()
    return user


class LoginFailed(NotAuthenticated):
    """Wrong password for an existing account; the edge records it with `core.db.commit_apart`."""

    def __init__(self, message: str, *, user_id: int):
        super().__init__(message)
        self.user_id = user_id


def record_login_failure(session, user_id: int, *, now: Optional[datetime] = None) -> NotAuthenticated:
    """Count a failed login; the one that reaches the limit locks the account (once). The error to show.

    One conditional UPDATE counts, so concurrent wrong passwords are each counted (no lost
    update), and one checked while another was locking the account is answered as locked.
    """
    now = now or utcnow()
    table = User.__table__
    count = session.scalar(
        update(table).where(table.c.id == user_id,
                            or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
        .values(failed_logins=table.c.failed_logins + 1).returning(table.c.failed_logins))
    if count is None:  # locked meanwhile by a concurrent attempt
        return _locked_error(session.scalar(select(table.c.locked_until).where(table.c.id == user_id)), now)
    if count >= current_app.config["LOGIN_MAX_FAILURES"]:
        until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        session.execute(update(table).where(table.c.id == user_id).values(locked_until=until, failed_logins=0))
        username = session.scalar(select(table.c.username).where(table.c.id == user_id))
        audit.record(session, actor=username, action="user.locked", object_type="user", object_id=user_id)
    session.flush()
    return NotAuthenticated(_("Wrong username or password."))


def _locked_error(locked_until: datetime, now: datetime) -> NotAuthenticated:
    minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
    return NotAuthenticated(_("Too many failed attempts; try again in %(n)d minutes.", n=minutes))


def authenticate(session, username: str, password: str, *, now: Optional[datetime] = None) -> User:
    """The user for these credentials; raises LoginFailed (to be recorded) on a wrong password."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    generic = NotAuthenticated(_("Wrong username or password."))
    if user is None or not user.is_active:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        check_password_hash(_DUMMY_HASH, password or "")
        raise generic
    if user.locked_until is not None and user.locked_until > now:
        raise _locked_error(user.locked_until, now)
    if not check_password_hash(user.password_hash, password or ""):
        raise LoginFailed(generic.message, user_id=user.id)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password", method="pbkdf2:sha256:1000")


def _hash_password(password: str) -> str:
    # scrypt in production; tests set a cheap method so the role matrix stays fast.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session, user: User, *, now: Optional[datetime] = None) -> tuple[str, datetime]:
    """A new bearer token for `user` (returned once; only its hash is kept)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                         expires_at=expires_at))
    session.flush()
    return token, expires_at


def build_principal(session, user: User, *, via_token: bool = False) -> Principal:
    """The user's Principal with the scope their role and links give."""
    if user.role == ADMIN:
        scope = Scope(all_estates=True)
    elif user.role in STAFF_ROLES:
        scope = Scope(estate_ids=frozenset(estates.estate_ids_of_company(session, user.company_id)))
    elif user.role == AUDITOR:
        scope = Scope(estate_ids=frozenset(estates.estate_ids_of_district(session, user.district_id)))
    else:
        links = session.execute(select(UserRoom.room_id, UserRoom.estate_id)
                                .where(UserRoom.user_id == user.id)).all()
        scope = Scope(estate_ids=frozenset(e for _r, e in links), room_ids=frozenset(r for r, _e in links))
    return Principal(user_id=user.id, username=user.username, role=user.role, scope=scope,
                     company_id=user.company_id, district_id=user.district_id,
                     display_name=user.display_name or user.username, via_token=via_token)


@functools.cache
def _principal_statement(by: str):
    """The user's fields and their scope's ids in one statement (it runs before every request),
    built once: by "user_id" (browser sessions) or "token_hash" (bearer tokens, with "now").

    `scope_ids` is a comma-separated list: the estates of the company (staff) or district
    (auditor), or "room:estate" pairs (residents); the CASE only evaluates the branch the role needs.
    """
    def ids(column, *where):
        return select(func.aggregate_strings(cast(column, String), ",")).where(*where).scalar_subquery()

    scope_ids = case(
        (User.role.in_(STAFF_ROLES), ids(Estate.id, Estate.company_id == User.company_id)),
        (User.role == AUDITOR, ids(Estate.id, Estate.district_id == User.district_id)),
        (User.role == RESIDENT, ids(cast(UserRoom.room_id, String) + ":" + cast(UserRoom.estate_id, String),
                                    UserRoom.user_id == User.id)),
        else_=None)
    stmt = select(User.id, User.username, User.role, User.company_id, User.district_id, User.display_name,
                  scope_ids.label("scope_ids")).where(User.is_active.is_(True))
    if by == "user_id":
        return stmt.where(User.id == bindparam("user_id"))
    return stmt.join(ApiToken, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"))


def _principal_from_row(row, *, via_token: bool) -> Principal:
    """A Principal from `_principal_statement`'s columns."""
    parts = [part for part in (row.scope_ids or "").split(",") if part]
    if row.role == ADMIN:
        scope = Scope(all_estates=True)
    elif row.role == RESIDENT:
        pairs = [tuple(int(n) for n in part.split(":")) for part in parts]
        scope = Scope(estate_ids=frozenset(e for _r, e in pairs), room_ids=frozenset(r for r, _e in pairs))
    else:
        scope = Scope(estate_ids=frozenset(int(part) for part in parts))
    return Principal(user_id=row.id, username=row.username, role=row.role, scope=scope,
                     company_id=row.company_id, district_id=row.district_id,
                     display_name=row.display_name or row.username, via_token=via_token)


def principal_for_user_id(user_id: int) -> Optional[Principal]:
    """Loader for browser sessions."""
    row = get_session().execute(_principal_statement("user_id"), {"user_id": user_id}).first()
    return None if row is None else _principal_from_row(row, via_token=False)


def principal_for_token(token: str) -> Optional[Principal]:
    """Loader for bearer tokens."""
    row = get_session().execute(_principal_statement("token_hash"),
                                {"token_hash": _token_hash(token), "now": utcnow()}).first()
    return None if row is None else _principal_from_row(row, via_token=True)


def find_user(session, username: str) -> Optional[User]:
    """The user with this username, if any."""
    return session.scalar(select(User).where(User.username == username))


def init_app(app) -> None:
    """Teach core how to resolve sessions and tokens to principals."""
    auth.register_principal_loaders(from_user_id=principal_for_user_id, from_token=principal_for_token)
