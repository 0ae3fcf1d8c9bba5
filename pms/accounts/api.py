"""Accounts API: bearer tokens."""
from __future__ import annotations

from flask import Blueprint

from pms.accounts import services
from pms.accounts.schemas import MeSchema, TokenRequestSchema, TokenSchema
from pms.core.api import documented, load_body
from pms.core.auth import require_principal
from pms.core.db import commit_apart, get_session

bp = Blueprint("accounts_api", __name__)


@bp.post("/auth/token")
@documented(summary="Exchange a username and password for a bearer token", body=TokenRequestSchema,
            response=TokenSchema, public=True, tag="auth")
def create_token():
    """Issue a bearer token."""
    data = load_body(TokenRequestSchema())
    session = get_session()
    try:
        user = services.authenticate(session, data["username"], data["password"])
    except services.LoginFailed as failed:
        # The request rolls back on 401, so the failure is counted in its own short transaction
        # on the request's own connection.
        raise commit_apart(session, lambda own: services.record_login_failure(own, failed.user_id)) from None
    token, expires_at = services.issue_token(session, user)
    return TokenSchema().dump({"token": token, "expires_at": expires_at})


@bp.get("/me")
@documented(summary="Who the token belongs to", response=MeSchema, tag="auth")
def me():
    """The caller's account."""
    principal = require_principal()
    return MeSchema().dump(principal)
