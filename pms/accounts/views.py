"""Log in and out in the browser; your own account (password, sessions, tokens); the users page."""
from __future__ import annotations

import functools
from urllib.parse import urljoin, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from pms.accounts import managing, services, sessions, throttle
from pms.accounts.rules import MIN_PASSWORD_LENGTH, is_safe_next
from pms.core.auth import current_principal, login_required
from pms.core.db import commit_apart, get_session
from pms.core.errors import Invalid, NotAuthenticated
from pms.core.forms import form_spec, handles, keep

bp = Blueprint("accounts", __name__)
bp.record_once(throttle.install)

LOGIN_FORM = form_spec("login", {"username": _l("Username"), "password": _l("Password")})
PASSWORD_FORM = form_spec("password", {"current": _l("Current password"), "new": _l("New password"),
                                       "confirm": _l("New password again")})
USERS_SEARCH_FORM = form_spec("users-search", {"q": _l("Username or name")})
# The buttons of the account and users pages (no fields: a refusal shows in the summary).
SESSION_FORM = form_spec("session", {})
TOKEN_FORM = form_spec("token", {})
USER_ACTION_FORM = form_spec("user-action", {})


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


class PasswordForm(FlaskForm):
    current = PasswordField("current", validators=[DataRequired(), Length(max=256)])
    new = PasswordField("new", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField("confirm", validators=[DataRequired(), Length(max=256)])


def own_account(view):
    """Mark a view about the caller's own account: read-only roles (auditors) may POST to it."""
    view.own_account = True
    return view


def _safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page (an open redirect after login is a
    phishing aid; see `rules.is_safe_next`)."""
    if is_safe_next(target):
        # And resolved against this host, the way a browser would, it stays on this host.
        if urlsplit(urljoin(request.host_url, target)).netloc == request.host:
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; every refusal reads the same, wrong passwords count towards a lock."""
    if current_principal() is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    missing = {}
    if form.validate_on_submit():
        try:
            user = services.authenticate(get_session(), form.username.data, form.password.data)
        except services.LoginFailed as failed:
            throttle.count_refusal()
            # Counted in its own short transaction on the request's own connection.
            error = commit_apart(get_session(),
                                 lambda own: services.record_login_failure(own, failed.user_id)).message
        except NotAuthenticated as exc:
            throttle.count_refusal()
            error = exc.message
        else:
            _start_session(user.id)
            return redirect(_safe_next(request.args.get("next")))
    elif form.is_submitted():
        missing = {name: [_("Please fill this in.")] for name in ("username", "password")
                   if not request.form.get(name, "").strip()}
        error = _("Please enter your username and password.")
    if error or missing:
        # Which of the two was wrong is never said (no hint whether a username exists).
        keep(LOGIN_FORM, request.form, errors=missing, general=[error] if error else [])
    return render_template("accounts/login.html", wtform=form)


def _start_session(user_id: int) -> None:
    # A fresh cookie (nothing carried over from before login) that keeps the chosen language and
    # holds only the random id of a new server-side session; the browser's previous session ends.
    db = get_session()
    sessions.end_session(db, session.get("sid"))
    sid = sessions.start_session(db, user_id, user_agent=request.user_agent.string)
    lang = session.get("lang")
    session.clear()
    session["sid"] = sid
    if lang:
        session["lang"] = lang
    session.permanent = True


@bp.post("/logout")
def logout():
    """End the session, on the server too (a POST with the CSRF token, so no page can log you out)."""
    sessions.end_session(get_session(), session.get("sid"))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "success")
    return redirect(url_for("accounts.login"))


# ---- your own account --------------------------------------------------------------------------

@bp.get("/account")
@login_required
def account():
    """Your account: where you are logged in, your API tokens, a link to change the password."""
    principal = current_principal()
    db = get_session()
    current_id = sessions.current_session_id(db, session.get("sid"))
    return render_template("accounts/account.html",
                           sessions=sessions.active_sessions(db, principal.user_id, current_id=current_id),
                           tokens=sessions.active_tokens(db, principal.user_id),
                           may_manage_users=managing.may_manage_users(principal))


@bp.post("/account/sessions/<int:session_id>/revoke")
@own_account
@login_required
@handles(SESSION_FORM, lambda: account(), instance=lambda session_id: session_id, page_args=lambda session_id: {})
def revoke_session(session_id: int):
    """Log out one of your sessions (another browser or phone)."""
    sessions.revoke_session(get_session(), current_principal().user_id, session_id)
    flash(_("That session has been logged out."), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/sessions/revoke-others")
@own_account
@login_required
@handles(SESSION_FORM, lambda: account())
def revoke_other_sessions():
    """Log out everywhere but here."""
    db = get_session()
    keep = sessions.current_session_id(db, session.get("sid"))
    count = sessions.revoke_other_sessions(db, current_principal().user_id, keep)
    flash(ngettext("Logged out of %(num)d other session.", "Logged out of %(num)d other sessions.", count), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@own_account
@login_required
@handles(TOKEN_FORM, lambda: account(), instance=lambda token_id: token_id, page_args=lambda token_id: {})
def revoke_token(token_id: int):
    """Revoke one of your API tokens."""
    sessions.revoke_token(get_session(), current_principal().user_id, token_id)
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@own_account
@login_required
def change_password():
    """Change your password: every other session and every token of yours ends."""
    form = PasswordForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        db = get_session()
        user_id = current_principal().user_id
        if form.new.data != form.confirm.data:
            errors["confirm"] = [_("The two new passwords differ.")]
        else:
            try:
                services.change_own_password(db, user_id, form.current.data, form.new.data)
            except services.LoginFailed as failed:
                throttle.count_refusal()
                commit_apart(db, lambda own: services.record_login_failure(own, failed.user_id))
                errors["current"] = [failed.message]
            except Invalid as invalid:
                errors = {"new" if name == "password" else name: messages
                          for name, messages in invalid.fields.items()}
            else:
                # The old session ended with the others: carry on in a new one.
                _start_session(user_id)
                flash(_("Your password has been changed. Other sessions and all API tokens have ended."), "success")
                return redirect(url_for("accounts.account"))
    elif form.is_submitted():
        errors = {name: [_("Please fill this in.")] for name in ("current", "new", "confirm")
                  if not request.form.get(name)} or {"_": [_("Please fill in every field.")]}
    if errors:
        keep(PASSWORD_FORM, request.form, errors={k: v for k, v in errors.items() if k != "_"},
             general=errors.get("_", []))
    return render_template("accounts/password.html", wtform=form,
                           min_length=MIN_PASSWORD_LENGTH), 422 if errors else 200


# ---- the users page: unlock, disable, enable (managers for their company, admins) -------------

@bp.get("/users")
@login_required
def users():
    """Accounts you look after: locked ones first, or found by name."""
    q = request.values.get("q", "")[:64]  # a refused button (POST) keeps the search
    only_locked = not q.strip()
    rows = managing.list_managed_users(get_session(), current_principal(), q=q, only_locked=only_locked)
    return render_template("accounts/users.html", rows=rows, q=q, only_locked=only_locked)


def _user_action(done_message):
    def decorator(action):
        @functools.wraps(action)
        @handles(USER_ACTION_FORM, lambda: users(), instance=lambda username: username,
                 page_args=lambda username: {})
        def view(username: str):
            user = action(get_session(), current_principal(), username)
            flash(done_message(user.username), "success")
            return redirect(url_for("accounts.users", q=request.form.get("q") or None))
        return login_required(view)
    return decorator


@bp.post("/users/<username>/unlock")
@_user_action(lambda name: _("%(name)s is unlocked.", name=name))
def unlock_user(db, principal, username):
    """Lift a lock-out."""
    return managing.unlock_user(db, principal, username)


@bp.post("/users/<username>/disable")
@_user_action(lambda name: _("%(name)s is disabled and logged out everywhere.", name=name))
def disable_user(db, principal, username):
    """Disable an account: it cannot log in, its sessions and tokens end."""
    return managing.set_user_active(db, principal, username, False)


@bp.post("/users/<username>/enable")
@_user_action(lambda name: _("%(name)s may log in again.", name=name))
def enable_user(db, principal, username):
    """Enable a disabled account."""
    return managing.set_user_active(db, principal, username, True)
