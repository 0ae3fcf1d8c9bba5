"""Estate pages: the start page, estates → buildings → rooms, search, a resident's rooms."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from pms.core.auth import RESIDENT, login_required, require_principal
from pms.core.db import get_session
from pms.estates import services

bp = Blueprint("estates", __name__)


@bp.get("/")
@login_required
def home():
    """Residents land on their rooms, everyone else on the estate list."""
    principal = require_principal()
    if principal.role == RESIDENT:
        return redirect(url_for("estates.my_rooms"))
    return redirect(url_for("estates.estate_list"))


@bp.get("/estates")
@login_required
def estate_list():
    """Estates in scope."""
    estates = services.list_estates(get_session(), require_principal())
    return render_template("estates/list.html", estates=estates)


@bp.get("/estates/<code>")
@login_required
def estate_detail(code):
    """One estate: its buildings and entrances."""
    principal, session = require_principal(), get_session()
    estate = services.get_estate(session, principal, code)
    buildings = services.list_buildings(session, principal, estate)
    return render_template("estates/detail.html", estate=estate, buildings=buildings)


@bp.get("/rooms")
@login_required
def room_search():
    """Search rooms by code, owner name or phone; or list an entrance's rooms."""
    principal, session = require_principal(), get_session()
    estate_code = request.args.get("estate", "")
    estate = services.get_estate(session, principal, estate_code) if estate_code else None
    page = max(1, request.args.get("page", 1, type=int))
    rooms, total = services.list_rooms(session, principal, estate=estate,
                                       building=request.args.get("building") or None,
                                       entrance=request.args.get("entrance") or None,
                                       query=request.args.get("q", ""), limit=50, offset=(page - 1) * 50)
    return render_template("estates/rooms.html", rooms=rooms, total=total, page=page, estate=estate,
                           q=request.args.get("q", ""))


@bp.get("/rooms/<code>")
@login_required
def room_detail(code):
    """One room with owners and residents."""
    principal, session = require_principal(), get_session()
    room = services.get_room(session, principal, code)
    return render_template("estates/room.html", room=services.room_view(session, principal, room))


@bp.get("/my/rooms")
@login_required
def my_rooms():
    """A resident's own rooms."""
    principal, session = require_principal(), get_session()
    rooms, _total = services.list_rooms(session, principal, limit=50)
    views = [services.room_view(session, principal, r) for r in rooms]
    return render_template("estates/my_rooms.html", rooms=views)


# ==== Registry import (upload page) =========================================================
# Kept apart from the browsing pages above: GET/POST /estates/registry/import, managers and admins.

from flask import current_app  # noqa: E402
from flask_wtf import FlaskForm  # noqa: E402
from flask_wtf.file import FileField, FileRequired  # noqa: E402
from werkzeug.exceptions import RequestEntityTooLarge  # noqa: E402
from wtforms import BooleanField, SelectField  # noqa: E402

from pms.core.auth import ADMIN, MANAGER, roles_required  # noqa: E402
from pms.core.errors import Invalid  # noqa: E402
from pms.estates import registry  # noqa: E402
from pms.estates.models import Company  # noqa: E402


class RegistryImportForm(FlaskForm):
    """The upload form; admins also choose the company (managers import for their own)."""

    file = FileField(validators=[FileRequired()])
    dry_run = BooleanField()
    company = SelectField(choices=[])

    @classmethod
    def for_principal(cls, session, principal, **kwargs) -> "RegistryImportForm":
        form = cls(**kwargs)
        if principal.role == ADMIN:
            from sqlalchemy import select

            form.company.choices = [(c.code, f"{c.code} {c.name}")
                                    for c in session.scalars(select(Company).order_by(Company.code))]
        else:
            del form.company
        return form


@bp.route("/estates/registry/import", methods=["GET", "POST"])
@roles_required(MANAGER)
def registry_import():
    """Upload the estate registry: every error by row and column, or the import's summary."""
    principal, session = require_principal(), get_session()
    form = RegistryImportForm.for_principal(session, principal)
    if not form.validate_on_submit():
        return _registry_page(form), (422 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        result = registry.import_for_principal(
            session, principal, upload.read(), company_code=form.company.data if "company" in form else None,
            dry_run=form.dry_run.data, source=upload.filename or "")
    except registry.RegistryInvalid as invalid:
        return _registry_page(form, errors=invalid.errors, warnings=invalid.warnings), 422
    except Invalid as invalid:
        return _registry_page(form, errors=[registry.Problem(None, k, m) for k, ms in invalid.fields.items()
                                            for m in ms]), 422
    return _registry_page(form, result=result)


def _registry_page(form, *, errors=(), warnings=None, result=None):
    return render_template("estates/registry_import.html", form=form, errors=list(errors),
                           warnings=result.warnings if result else list(warnings or ()), result=result,
                           columns=registry.COLUMNS, max_errors=1000)


@bp.errorhandler(RequestEntityTooLarge)
def registry_upload_too_large(_error):
    """A file above PMS_MAX_UPLOAD_MB: say what the limit is (other pages: the generic page)."""
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    if request.endpoint != "estates.registry_import":
        from pms.core.http import PmsError_with

        error = PmsError_with(413, "too_large", registry.too_large(None, limit).message)
        return render_template("error.html", error=error), 413
    principal = require_principal()
    form = RegistryImportForm.for_principal(get_session(), principal, formdata=None)
    return _registry_page(form, errors=[registry.too_large(request.content_length, limit)]), 413
