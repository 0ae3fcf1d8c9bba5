"""Request hooks: who is calling, one commit per request, errors in one shape."""
from __future__ import annotations

import logging

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect, validate_csrf
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from pms.core import auth, logs
from pms.core.api import API_PREFIX
from pms.core.db import is_transient
from pms.core.errors import (Conflict, Forbidden, NotAuthenticated, PmsError, Unavailable,
                              error_response)

log = logging.getLogger("pms")
csrf = CSRFProtect()

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_api_request() -> bool:
    """Whether this request is for the JSON API."""
    return request.path.startswith(API_PREFIX)


def _load_principal() -> None:
    g.principal = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated(_("Use 'Authorization: Bearer <token>'."))
        principal = auth.load_principal_from_token(token.strip())
        if principal is None:
            raise NotAuthenticated(_("The token is unknown, has expired or was revoked."))
        g.principal = principal
    elif session.get("sid"):
        # The cookie carries a random session id; the session row says whether it still counts.
        g.principal = auth.load_principal_from_session(session["sid"])
        if g.principal is None:
            session.pop("sid", None)
        elif (is_api_request() and request.method not in SAFE_METHODS
              and current_app.config.get("WTF_CSRF_ENABLED", True)):
            # Cookie-authenticated API writes come from our own pages and must carry the CSRF token.
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except Exception as exc:  # flask_wtf raises ValidationError subclasses
                raise Forbidden(_("The CSRF token is missing or invalid.")) from exc
    if "user_id" in session:  # a cookie from before sessions were kept server-side: no longer valid
        session.pop("user_id")
    if g.principal is not None and g.principal.writes_gated and request.method not in SAFE_METHODS \
            and request.endpoint not in READ_ONLY_ALLOWED:
        view = current_app.view_functions.get(request.endpoint)
        # Views marked `own_account` (password, own sessions and tokens) stay open to read-only
        # roles; views marked `auth.open_to(role)` (the officer's subsidies views) to that role.
        if not getattr(view, "own_account", False) \
                and g.principal.role not in getattr(view, "open_to_roles", ()):
            raise Forbidden(_("Auditors have read-only access.") if g.principal.read_only
                            else _("Programme officers change only their district's subsidy programmes."))


# Endpoints a read-only principal may still POST to (logging out, choosing a language).
READ_ONLY_ALLOWED = {"accounts.logout", "accounts.login", "accounts_api.create_token"}


def _finish_transaction(response):
    db_session = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 400:
        db_session.rollback()
        return response
    try:
        db_session.commit()
    except Exception as exc:
        db_session.rollback()
        refusal = database_refusal(exc)
        if refusal is None:
            raise
        return _render_error(refusal)
    return response


def database_refusal(exc: BaseException) -> PmsError | None:
    """The error a user gets when the database refuses: a constraint → 409, a lock or pool wait
    that ran out → 503 (retry), anything else → None (a bug: 500)."""
    # Log which refusal, never its message: PostgreSQL's repeats the offending values (phones,
    # ID numbers).
    if isinstance(exc, IntegrityError):
        log.warning("refused by a constraint: %s %s", type(exc.orig).__name__,
                    getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or "")
        return Conflict(_("This conflicts with data that already exists."))
    if is_transient(exc):
        log.warning("database busy: %s", type(getattr(exc, "orig", exc)).__name__)
        return Unavailable(_("The service is busy; please try again in a moment."))
    return None


def _page_text(error: PmsError) -> tuple[str, str]:
    """The translated title and explanation of an error page.

    404/403/405/500 always get a generic text: their messages may be internal English
    ("room not found") and must never tell a foreign id from a missing one. For the others the
    message was written for people (through gettext) and is shown.
    """
    if error.code == "csrf":
        return _("The form has expired"), error.message
    generic = {
        403: (_("Not allowed"), _("Your account may not open this page or do this.")),
        404: (_("Page not found"), _("This page does not exist, or it is not available to you.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        422: (_("Please check your input"), _("Some of what was entered is not valid.")),
    }
    if error.status in generic:
        return generic[error.status]
    if isinstance(error, Unavailable):
        return _("Busy"), error.message
    if error.status >= 500:
        return (_("Something went wrong"),
                _("Something went wrong on our side. Please try again later."))
    return {409: _("Conflict"), 413: _("Too large")}.get(error.status, _("Cannot do this")), error.message


def _render_error(error: PmsError):
    response = _error_page_or_body(error)
    if isinstance(error, Unavailable):
        response = current_app.make_response(response)
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _error_page_or_body(error: PmsError):
    if is_api_request():
        return error_response(error.status, error.code, error.message, error.fields)
    if isinstance(error, NotAuthenticated):
        return redirect(url_for("accounts.login", next=request.full_path))
    title, detail = _page_text(error)
    try:
        return render_template("error.html", error=error, title=title, detail=detail), error.status
    except Exception:  # the page itself failed (e.g. the database is gone): still no stack trace
        log.exception("the error page failed")
        return (f"<!doctype html><meta charset=utf-8><title>{error.status}</title>"
                f"<h1>{error.status}</h1><p>{escape(title)}</p>", error.status,
                {"Content-Type": "text/html; charset=utf-8"})


_HTTP_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media",
               422: "invalid", 429: "too_many_requests"}


# Pages use no inline script (every script is a file under static/); inline styles remain.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
                           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["PMS_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Werkzeug's development server adds "Werkzeug/x Python/y" unless a Server header is set
    # (gunicorn's banner is replaced in pms/core/gunicorn_conf.py).
    if request.environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug"):
        headers["Server"] = "pms"
    return response


def install(app) -> None:
    """Wire the hooks and error handlers into the app."""
    csrf.init_app(app)
    # First in, so every later hook and error page already has the request id.
    app.before_request(logs.start_request)
    # after_request hooks run last-registered first: the log line is written last, with the
    # status the commit decided.
    app.after_request(logs.finish_request)
    app.after_request(_security_headers)

    @app.before_request
    def _before():
        try:
            _load_principal()
        except PmsError as err:
            return _render_error(err)
        return None

    app.after_request(_finish_transaction)

    @app.errorhandler(PmsError)
    def _pms_error(err: PmsError):
        return _render_error(err)

    @app.errorhandler(CSRFError)
    def _csrf_error(err):
        # CSRFProtect checks before our hook runs: load the caller so the page shows who is
        # logged in (and a fresh token in the log-out form).
        if "principal" not in g:
            try:
                _load_principal()
            except PmsError:
                pass
        return _render_error(PmsError_with(400, "csrf", _("The form expired; reload the page and try again.")))

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = _HTTP_CODES.get(err.code or 500, "error")
        message = {404: _("Not found."), 405: _("Method not allowed."),
                   413: _("The upload is too large."), 400: _("Malformed request.")}.get(err.code, err.description)
        return _render_error(PmsError_with(err.code or 500, code, message))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        db_session = g.get("db_session")
        if db_session is not None:
            db_session.rollback()
        refusal = database_refusal(err)
        if refusal is not None:
            return _render_error(refusal)
        log.exception("unhandled error")
        return _render_error(PmsError_with(500, "internal", _("Something went wrong on our side.")))


def PmsError_with(status: int, code: str, message: str) -> PmsError:
    """A PmsError with an arbitrary status (for framework-raised HTTP errors)."""
    err = PmsError(message)
    err.status, err.code = status, code
    return err
