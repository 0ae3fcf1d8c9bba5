"""Failed logins throttled by client address (Flask-Limiter), beside the per-account lock-out.

Only refused attempts count (a wrong or unknown username or password, a locked or disabled
account, a wrong current password on the password page): an office whose staff all log in from
one address is not slowed down by its successful logins. When the limit is reached, every login
attempt from that address answers 429 (with `Retry-After`) until the window has passed.

Counters live in Redis when `PMS_REDIS_URL` is set (shared by every worker and host), else in the
memory of each process: with N gunicorn workers an address then gets up to N times the limit,
since each worker counts on its own. If Redis stops answering, each process falls back to its
own memory until Redis is back; a broken limiter never stops a login (the account lock-out
still holds).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g, request
from flask_babel import gettext as _

if TYPE_CHECKING:
    from flask_limiter import Limit

# The endpoints whose refused attempts are counted and which answer 429 once the limit is reached.
THROTTLED_ENDPOINTS = frozenset({"accounts.login", "accounts_api.create_token", "accounts.change_password"})


def client_address() -> str:
    """The caller's address (the real client's behind nginx when PMS_PROXY_COUNT is set)."""
    return request.remote_addr or "unknown"


def count_refusal() -> None:
    """Mark this request as a refused login attempt (counted against the client's address)."""
    g.login_refused = True


def _exempt() -> bool:
    return request.endpoint not in THROTTLED_ENDPOINTS


def _refused(_response) -> bool:
    return bool(g.get("login_refused"))


def _message() -> str:
    return _("Too many failed login attempts from your network. Please wait a few minutes and try again.")


def _limit() -> Limit:
    from flask_limiter import Limit

    # One bucket ("login") shared by the login page and the token endpoint, per address; only
    # POSTs, and only the refused ones, are counted (deduct_when).
    return Limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_function=client_address,
                 scope="login", shared=True, methods=["POST"], exempt_when=_exempt,
                 deduct_when=_refused, error_message=_message)


def install(state) -> None:
    """A blueprint's `record_once` hook: the throttled endpoints' blueprints (the login page's, the
    token endpoint's) bring the limiter, so an app built without pages (a `pms` command's) does
    not import Flask-Limiter and its dependencies (~0.1 s of every command's start)."""
    init_app(state.app)


def init_app(app) -> None:
    """A limiter for this app (one per app: tests build many apps), unless RATELIMIT_ENABLED is off
    or the app has one already."""
    if not app.config.get("RATELIMIT_ENABLED", True) or "pms_limiter" in app.extensions:
        return
    from flask_limiter import Limiter

    limiter = Limiter(
        key_func=client_address,
        default_limits=[_limit()],
        storage_uri=app.config.get("REDIS_URL") or "memory://",
        # A bounded wait on Redis: a login must not hang on it.
        storage_options={"socket_timeout": 1, "socket_connect_timeout": 1}
        if app.config.get("REDIS_URL") else {},
        strategy="moving-window",
        key_prefix="pms",
        headers_enabled=True,
        in_memory_fallback=[_limit()],
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    app.extensions["pms_limiter"] = limiter
