"""Accounts API: bearer tokens (issue, list, revoke) and who you are."""
from __future__ import annotations

from flask import Blueprint, request

from pms.accounts import services, sessions, throttle
from pms.accounts.schemas import MeSchema, TokenListSchema, TokenRequestSchema, TokenSchema
from pms.core.api import load_body
from pms.core.openapi import documented
from pms.core.auth import require_principal
from pms.core.db import commit_apart, get_session
from pms.core.errors import NotAuthenticated

bp = Blueprint("accounts_api", __name__)
bp.record_once(throttle.install)


def _own_account(view):
    # Read-only roles (auditors) may still manage their own tokens (see core.http._load_principal).
    view.own_account = True
    return view


@bp.post("/auth/token")
@documented(summary="Exchange a username and password for a bearer token (refused logins are "
                    "throttled per client address: 429 with Retry-After)",
            body=TokenRequestSchema, response=TokenSchema, public=True, tag="auth")
def create_token():
    """Issue a bearer token."""
    data = load_body(TokenRequestSchema())
    session = get_session()
    try:
        user = services.authenticate(session, data["username"], data["password"])
    except services.LoginFailed as failed:
        throttle.count_refusal()
        # The request rolls back on 401, so the failure is counted in its own short transaction
        # on the request's own connection.
        raise commit_apart(session, lambda own: services.record_login_failure(own, failed.user_id)) from None
    except NotAuthenticated:
        throttle.count_refusal()
        raise
    token, expires_at = services.issue_token(session, user, name=data["name"])
    return TokenSchema().dump({"token": token, "expires_at": expires_at})


def _bearer_token() -> str | None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.get("/auth/tokens")
@documented(summary="Your tokens that still work (not revoked, not expired), newest first",
            response=TokenListSchema, tag="auth")
def list_tokens():
    """The caller's tokens."""
    principal = require_principal()
    items = sessions.active_tokens(get_session(), principal.user_id, current_token=_bearer_token())
    return TokenListSchema().dump({"items": items})


@bp.delete("/auth/tokens/<int:token_id>")
@documented(summary="Revoke one of your tokens (it stops working at once; 404 when it is not yours "
                    "or no longer works)", status=204, tag="auth")
@_own_account
def revoke_token(token_id: int):
    """Revoke a token of the caller's."""
    principal = require_principal()
    sessions.revoke_token(get_session(), principal.user_id, token_id)
    return "", 204


@bp.get("/me")
@documented(summary="Who the token belongs to", response=MeSchema, tag="auth")
def me():
    """The caller's account."""
    principal = require_principal()
    return MeSchema().dump(principal)
