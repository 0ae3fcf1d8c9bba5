"""Who is calling, what they may do, and the one place where scope is enforced."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Optional

from flask import g
from sqlalchemy import false, select
from sqlalchemy.sql import Select

from pms.core.db import is_sqlite, lock_row
from pms.core.errors import Forbidden, NotAuthenticated, NotFound
from pms.core.sql import InIds

ADMIN = "admin"
MANAGER = "manager"
FINANCE = "finance"
TECHNICIAN = "technician"
CARE_WORKER = "care_worker"
RESIDENT = "resident"
AUDITOR = "auditor"
# A district's programme officer (住建委/民政): runs the district's subsidy programmes and
# otherwise reads like an auditor.
OFFICER = "officer"
ROLES = (ADMIN, MANAGER, FINANCE, TECHNICIAN, CARE_WORKER, RESIDENT, AUDITOR, OFFICER)
STAFF_ROLES = (MANAGER, FINANCE, TECHNICIAN, CARE_WORKER)
# Roles linked to one district: they see every estate in it (the same read scope).
DISTRICT_ROLES = (AUDITOR, OFFICER)
# Roles that may change data at all; an auditor only ever reads.
WRITER_ROLES = (ADMIN, *STAFF_ROLES, RESIDENT)
# Roles whose writes are refused at the door (core.http) unless the view is open to their role
# (`open_to`): auditors write nothing; officers write only the subsidies views open to them.
GATED_ROLES = (AUDITOR, OFFICER)


@dataclass(frozen=True)
class Scope:
    """The estates (and, for residents, rooms) a principal may see."""

    all_estates: bool = False
    estate_ids: frozenset[int] = frozenset()
    room_ids: Optional[frozenset[int]] = None  # None: not limited to particular rooms


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request, job or command."""

    user_id: int
    username: str
    role: str
    scope: Scope
    company_id: Optional[int] = None
    district_id: Optional[int] = None
    display_name: str = ""
    via_token: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES or self.role == ADMIN

    @property
    def read_only(self) -> bool:
        return self.role == AUDITOR

    @property
    def writes_gated(self) -> bool:
        """Whether the door refuses this principal's writes except on views open to the role."""
        return self.role in GATED_ROLES


@dataclass(frozen=True)
class ScopeRule:
    """How a table is scoped: its estate column, its room column, what residents may see.

    resident: "room" → rows of the resident's rooms only; "estate" → rows of the estates their
    rooms are in; None → residents see no rows of this table.
    """

    estate: str = "estate_id"
    room: Optional[str] = None
    resident: Optional[str] = None
    extra: tuple = field(default_factory=tuple)


def system_principal() -> Principal:
    """The principal of jobs and CLI commands: the platform itself."""
    return Principal(user_id=0, username="system", role=ADMIN, scope=Scope(all_estates=True))


def current_principal() -> Optional[Principal]:
    """The caller of this request, or None when anonymous."""
    return g.get("principal")


def require_principal() -> Principal:
    """The caller of this request; 401 when anonymous."""
    principal = current_principal()
    if principal is None:
        raise NotAuthenticated("authentication required")
    return principal


def scope_filter(model, principal: Principal):
    """A SQL condition restricting `model` rows to what `principal` may see."""
    rule: ScopeRule = getattr(model, "__scope__", None)
    if rule is None:
        raise TypeError(f"{model.__name__} declares no __scope__; it cannot be listed by scope")
    scope = principal.scope
    estate_col = getattr(model, rule.estate)
    if principal.role == RESIDENT:
        if rule.resident == "room" and rule.room:
            return InIds(getattr(model, rule.room), scope.room_ids or ())
        if rule.resident == "estate":
            return InIds(estate_col, scope.estate_ids)
        return false()
    if scope.all_estates:
        return estate_col.is_not(None) | estate_col.is_(None)
    return InIds(estate_col, scope.estate_ids)


def scoped(stmt: Select, model, principal: Optional[Principal] = None) -> Select:
    """Add the caller's scope to a query over `model` — every list query goes through here."""
    principal = principal or require_principal()
    return stmt.where(scope_filter(model, principal))


def get_in_scope(session, model, *conditions, principal: Optional[Principal] = None,
                 for_update: bool = False):
    """One row of `model` matching `conditions` inside the caller's scope, else 404.

    `for_update=True` also locks the row as `core.db.lock_row` does, in the same statement on
    PostgreSQL (the read is then the fresh, locked state).
    """
    stmt = scoped(select(model).where(*conditions), model, principal)
    sqlite = for_update and is_sqlite(session)
    if for_update and not sqlite:
        stmt = stmt.with_for_update(of=model).execution_options(populate_existing=True)
    row = session.scalars(stmt.limit(2)).first()
    if row is None:
        raise NotFound(f"{model.__name__.lower()} not found")
    if sqlite:
        lock_row(session, model, row.id)
    return row


# Roles with rooms of their own (residents): their pages show their rooms, not the estates. A
# role, not a permission: admin is not one of them.
OWN_ROOMS_ROLES = (RESIDENT,)


def has_own_rooms(principal: Optional[Principal]) -> bool:
    """Whether the principal acts for rooms of their own (residents)."""
    return principal is not None and principal.role in OWN_ROOMS_ROLES


def can_write(principal: Principal, *roles: str) -> bool:
    """Whether the principal's role is among `roles` (admin always is)."""
    return principal.role == ADMIN or principal.role in roles


# Every domain's permissions.py table (action → roles), registered by the app factory so that
# core reads them without importing a domain: what the pages' `may("billing.run.read")` asks.
_permission_tables: dict[str, dict[str, tuple[str, ...]]] = {}


def register_permissions(domain: str, table: dict[str, tuple[str, ...]]) -> None:
    """Install a domain's permission table (its permissions.PERMISSIONS)."""
    _permission_tables[domain] = table


def may_do(principal: Optional[Principal], action: str) -> bool:
    """Whether the principal's role may do `<domain>.<action>` by that domain's table (admin always
    may, nobody anonymous); an unknown domain or action is a programming error (KeyError)."""
    domain, _dot, name = action.partition(".")
    roles = _permission_tables[domain][name]
    return principal is not None and can_write(principal, *roles)


# The 403 message of `ensure_role` and of a domain's `ensure` unless it gives its own.
FORBIDDEN_MESSAGE = "your role may not do this"


def ensure_role(principal: Principal, *roles: str) -> None:
    """403 unless the principal has one of `roles` (admin always passes)."""
    if not can_write(principal, *roles):
        raise Forbidden(FORBIDDEN_MESSAGE)


class Permissions:
    """A domain's permission table (action → roles) and the two questions its services ask.

    Every domain's permissions.py builds one from its PERMISSIONS and binds `may`/`ensure` to it:
    admin always may; an unknown action is a programming error (KeyError). `message`, when given,
    makes the 403's text (called at raise time, so it may be translated); otherwise it is
    FORBIDDEN_MESSAGE.
    """

    def __init__(self, table: dict[str, tuple[str, ...]],
                 message: Optional[Callable[[], str]] = None):
        self.table = table
        self._message = message

    def may(self, principal: Principal, action: str) -> bool:
        """Whether the principal's role may do `action` (admin always may)."""
        return can_write(principal, *self.table[action])

    def ensure(self, principal: Principal, action: str) -> None:
        """403 unless the principal's role may do `action`."""
        if not self.may(principal, action):
            raise Forbidden(self._message() if self._message else FORBIDDEN_MESSAGE)


def roles_required(*roles: str) -> Callable:
    """Decorator: the caller must be logged in and hold one of `roles` (admin always may)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            ensure_role(require_principal(), *roles)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def open_to(*roles: str) -> Callable:
    """Mark a view a gated role (GATED_ROLES) may still write through: the officer's subsidies
    views. Authorization stays with the services' permission tables; this only opens the door."""

    def decorator(view):
        view.open_to_roles = tuple(roles)
        return view

    return decorator


def login_required(view) -> Callable:
    """Decorator: the caller must be logged in."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_principal()
        return view(*args, **kwargs)

    return wrapper


# The accounts domain tells core how to turn a session cookie or a token into a Principal,
# so core never imports a domain.
_loaders: dict[str, Callable] = {}


def register_principal_loaders(*, from_session: Callable, from_token: Callable) -> None:
    """Install the functions that resolve a browser session's id / a bearer token to a Principal."""
    _loaders["session"] = from_session
    _loaders["token"] = from_token


def load_principal_from_session(session_id: str) -> Optional[Principal]:
    """The Principal of a browser session (the random id its cookie carries), None when the session
    is unknown, ended (logout, password change, disabled account) or idle for too long."""
    return _loaders["session"](session_id)


def load_principal_from_token(token: str) -> Optional[Principal]:
    """The Principal for a bearer token, None if it is unknown or expired."""
    return _loaders["token"](token)
