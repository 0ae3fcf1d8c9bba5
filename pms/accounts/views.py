"""Log in and out in the browser."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from pms.accounts import services
from pms.core.auth import current_principal
from pms.core.db import commit_apart, get_session
from pms.core.errors import NotAuthenticated

bp = Blueprint("accounts", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing aid.
    # Browsers read "/\\host" as "//host", so backslashes are refused too.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("estates.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; wrong passwords are counted (in their own transaction) towards a lock."""
    if current_principal() is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(get_session(), form.username.data, form.password.data)
        except services.LoginFailed as failed:
            # Counted in its own short transaction on the request's own connection.
            error = commit_apart(get_session(),
                                 lambda own: services.record_login_failure(own, failed.user_id)).message
        except NotAuthenticated as exc:
            error = exc.message
        else:
            _start_session(user.id)
            return redirect(_safe_next(request.args.get("next")))
    elif form.is_submitted():
        error = _("Please enter your username and password.")
    return render_template("accounts/login.html", form=form, error=error)


def _start_session(user_id: int) -> None:
    # A fresh session (nothing carried over from before login) that keeps the chosen language.
    lang = session.get("lang")
    session.clear()
    session["user_id"] = user_id
    if lang:
        session["lang"] = lang
    session.permanent = True


@bp.post("/logout")
def logout():
    """Forget the browser session (a POST with the CSRF token, so no page can log you out)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."))
    return redirect(url_for("accounts.login"))
