"""Accounts: creating users, logging in with lock-out, passwords, and building scopes.

Managing other people's accounts (unlock, disable, the users page) lives in `accounts.managing`,
browser sessions and API tokens in `accounts.sessions`, the pure rules (passwords, lock-out
lengths, safe redirects) in `accounts.rules`.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Iterable, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import String, bindparam, case, cast, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from pms.accounts import rules, sessions
from pms.accounts.models import ApiToken, User, UserRoom, UserSession
from pms.core import audit, auth
from pms.core.addresses import is_email_address
from pms.core.auth import ADMIN, AUDITOR, DISTRICT_ROLES, RESIDENT, ROLES, STAFF_ROLES, Principal, Scope
from pms.core.db import commit_apart, get_session, utcnow
from pms.core.errors import Conflict, Invalid, NotAuthenticated
from pms.estates import services as estates
from pms.estates.models import Estate

MIN_PASSWORD_LENGTH = rules.MIN_PASSWORD_LENGTH


def create_user(session, *, username: str, password: str, role: str, company_code: str | None = None,
                room_codes: list[str] | tuple = (), district_code: str | None = None,
                display_name: str = "", email: str = "", actor: str = "system") -> User:
    """A new account with the links its role needs (company, rooms or district)."""
    username = (username or "").strip()
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 64:
        errors["username"] = [_("A username of 1 to 64 characters is required.")]
    if role not in ROLES:
        errors["role"] = [_("Unknown role %(role)s.", role=role)]
    problems = rules.password_problems(password, username)
    if problems:
        errors["password"] = problems
    # The outbox's own check: an address accepted here is one it will send to.
    if email and not is_email_address(email):
        errors["email"] = [_("Not an e-mail address.")]
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
    if role in DISTRICT_ROLES:
        if not district_code:
            errors["district"] = [_("Auditor accounts need a district.") if role == AUDITOR
                                  else _("Programme officer accounts need a district.")]
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
                display_name=display_name or username, email=email or None,
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


def login_refused() -> NotAuthenticated:
    """The one answer to every refused login: unknown user, wrong password, locked or disabled
    account alike, so none of them can be told from another."""
    return NotAuthenticated(_("Wrong username or password, or the account is locked for a while "
                              "after too many failed attempts."))


class LoginFailed(NotAuthenticated):
    """Wrong password for an existing account; the edge records it with `core.db.commit_apart`."""

    def __init__(self, message: str, *, user_id: int):
        super().__init__(message)
        self.user_id = user_id


def record_login_failure(session, user_id: int, *, now: Optional[datetime] = None) -> NotAuthenticated:
    """Count a wrong password; from the limit on, lock the account for longer and longer
    (`rules.lock_duration`). Returns the error to show (the same as every refused login).

    One conditional UPDATE counts, only while the account is not locked, so concurrent wrong
    passwords are each counted (no lost update) and exactly one of them sets each lock: on
    PostgreSQL a concurrent UPDATE waits for the row and re-checks `locked_until`, on SQLite the
    writers queue for the database's one write lock. Attempts while locked are not counted.
    """
    now = now or utcnow()
    table = User.__table__
    count = session.scalar(
        update(table).where(table.c.id == user_id,
                            or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
        .values(failed_logins=table.c.failed_logins + 1).returning(table.c.failed_logins))
    config = current_app.config
    duration = None if count is None else rules.lock_duration(
        count, max_failures=config["LOGIN_MAX_FAILURES"],
        first=timedelta(minutes=config.get("LOGIN_FIRST_LOCK_MINUTES", 1)),
        longest=timedelta(minutes=config["LOGIN_LOCK_MINUTES"]))
    if duration is not None:
        session.execute(update(table).where(table.c.id == user_id).values(locked_until=now + duration))
        username = session.scalar(select(table.c.username).where(table.c.id == user_id))
        audit.record(session, actor=username, action="user.locked", object_type="user", object_id=user_id,
                     payload={"failures": count, "minutes": duration.total_seconds() / 60})
    session.flush()
    return login_refused()


def authenticate(session, username: str, password: str, *, now: Optional[datetime] = None) -> User:
    """The user for these credentials; raises LoginFailed (to be recorded) on a wrong password and
    `login_refused()` for everything else that fails.

    Every attempt costs the same: exactly one password check, against the user's hash or, for an
    unknown user, a dummy hash made with the same method and parameters as real ones.
    """
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    matches = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password or "")
    if user is None or not user.is_active or (user.locked_until is not None and user.locked_until > now):
        raise login_refused()
    if not matches:
        raise LoginFailed(login_refused().message, user_id=user.id)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return user


def password_method() -> str:
    """How new passwords are hashed: scrypt in production; tests set a cheap method."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")


@functools.cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)


def _dummy_hash() -> str:
    # Made with the method and parameters of real hashes, so checking it costs the same.
    return _dummy_hash_for(password_method())


def _hash_password(password: str) -> str:
    return generate_password_hash(password, method=password_method())


def issue_token(session, user: User, *, name: str = "", now: Optional[datetime] = None) -> tuple[str, datetime]:
    """A new bearer token for `user` (returned once; only its hash is kept)."""
    return sessions.issue_token(session, user.id, name=name, now=now)


# ---- passwords (unlocking and disabling other people's accounts: accounts.managing) -------------

def set_password(session, user: User, password: str, *, actor: str) -> None:
    """Give `user` a new password (checked against the rules); every session and token of theirs
    ends, and any lock-out is lifted."""
    problems = rules.password_problems(password, user.username)
    if problems:
        raise Invalid(_("The password cannot be used."), fields={"password": problems})
    user.password_hash = _hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    sessions.revoke_everything(session, user.id)
    audit.record(session, actor=actor, action="user.password", object_type="user", object_id=user.id)
    session.flush()


def change_own_password(session, user_id: int, current: str, new: str) -> User:
    """The user changes their password; a wrong current password raises LoginFailed (counted
    like a wrong login), a new one that breaks the rules raises Invalid."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated(_("Please log in again."))
    if user.locked_until is not None and user.locked_until > utcnow():
        # Guessing the current password from a stolen session is held back like logging in.
        raise Invalid(_("The password cannot be changed now."),
                      fields={"current": [_("Too many failed attempts; please try again later.")]})
    if not check_password_hash(user.password_hash, current or ""):
        raise LoginFailed(_("The current password is wrong."), user_id=user.id)
    if new == current:
        raise Invalid(_("The password cannot be used."),
                      fields={"password": [_("The new password must differ from the current one.")]})
    set_password(session, user, new, actor=user.username)
    return user


def build_principal(session, user: User, *, via_token: bool = False) -> Principal:
    """The user's Principal with the scope their role and links give."""
    if user.role == ADMIN:
        scope = Scope(all_estates=True)
    elif user.role in STAFF_ROLES:
        scope = Scope(estate_ids=frozenset(estates.estate_ids_of_company(session, user.company_id)))
    elif user.role in DISTRICT_ROLES:
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
    built once: by "session" (browser sessions: "token_hash" of the cookie's id, "now", "idle_since")
    or "token" (bearer tokens: "token_hash", "now"). Also the session's or token's id and when it
    was last used (`credential_id`, `seen_at`).

    `scope_ids` is a comma-separated list: the estates of the company (staff) or district
    (auditor, officer), or "room:estate" pairs (residents); the CASE only evaluates the branch the role needs.
    """
    def ids(column, *where):
        return select(func.aggregate_strings(cast(column, String), ",")).where(*where).scalar_subquery()

    scope_ids = case(
        (User.role.in_(STAFF_ROLES), ids(Estate.id, Estate.company_id == User.company_id)),
        (User.role.in_(DISTRICT_ROLES), ids(Estate.id, Estate.district_id == User.district_id)),
        (User.role == RESIDENT, ids(cast(UserRoom.room_id, String) + ":" + cast(UserRoom.estate_id, String),
                                    UserRoom.user_id == User.id)),
        else_=None)
    stmt = select(User.id, User.username, User.role, User.company_id, User.district_id, User.display_name,
                  scope_ids.label("scope_ids")).where(User.is_active.is_(True))
    if by == "session":
        # The session row in the same statement: it counts while not revoked, not past its absolute
        # lifetime and used within the idle limit ("idle_since").
        return stmt.add_columns(UserSession.id.label("credential_id"), UserSession.last_seen_at.label("seen_at")) \
            .join(UserSession, UserSession.user_id == User.id).where(
                UserSession.token_hash == bindparam("token_hash"), UserSession.revoked_at.is_(None),
                UserSession.expires_at > bindparam("now"), UserSession.last_seen_at > bindparam("idle_since"))
    return stmt.add_columns(ApiToken.id.label("credential_id"), ApiToken.last_used_at.label("seen_at")) \
        .join(ApiToken, ApiToken.user_id == User.id).where(
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


def principal_for_session(sid: str) -> Optional[Principal]:
    """Loader for browser sessions (the random id the cookie carries)."""
    now = utcnow()
    row = get_session().execute(_principal_statement("session"), {
        "token_hash": sessions.token_hash(sid), "now": now,
        "idle_since": now - sessions.idle_limit()}).first()
    if row is None:
        return None
    if row.seen_at is None or now - row.seen_at >= sessions.TOUCH_EVERY:
        commit_apart(get_session(), lambda own: sessions.touch_session(own, row.credential_id, now))
    return _principal_from_row(row, via_token=False)


def principal_for_token(token: str) -> Optional[Principal]:
    """Loader for bearer tokens."""
    now = utcnow()
    row = get_session().execute(_principal_statement("token"),
                                {"token_hash": sessions.token_hash(token), "now": now}).first()
    if row is None:
        return None
    if row.seen_at is None or now - row.seen_at >= sessions.TOUCH_EVERY:
        commit_apart(get_session(), lambda own: sessions.touch_token(own, row.credential_id, now))
    return _principal_from_row(row, via_token=True)


def display_names(session, usernames: Iterable[Optional[str]]) -> dict[str, str]:
    """{login: display name} for the users among `usernames`, in one query (pages show people
    by the name they know, 赵师傅, not by login); a login without a display name maps to itself."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {login: name or login for login, name in rows}


def find_user(session, username: str) -> Optional[User]:
    """The user with this username, if any."""
    return session.scalar(select(User).where(User.username == username))


def init_app(app) -> None:
    """Teach core how to resolve sessions and tokens to principals (the login throttle comes with
    the login page and the token endpoint: `throttle.install`)."""
    auth.register_principal_loaders(from_session=principal_for_session, from_token=principal_for_token)
