"""Log in and out in the browser."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from pms.accounts import services
from pms.core.db import get_session, unit_of_work
from pms.core.errors import NotAuthenticated

bp = Blueprint("accounts", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("estates.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db_session = get_session()
        try:
            user = services.authenticate(db_session, form.username.data, form.password.data)
        except services.LoginFailed as failed:
            with unit_of_work() as own:
                services.record_login_failure(own, failed.user_id)
            error = failed.message
        except NotAuthenticated as exc:
            error = exc.message
        else:
            session.clear()
            session["user_id"] = user.id
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    """Forget the browser session."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."))
    return redirect(url_for("accounts.login"))
