"""The registry upload page (GET/POST /estates/registry/import): managers import their company's
estate register, admins choose the company; everyone else gets 403.

A module of its own (discovered like views.py) so the browsing pages and this page evolve apart.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, SelectField

from pms.core.auth import current_principal, login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.estates import services
from pms.estates.registry.reading import too_large
from pms.estates.registry.rows import COLUMNS, Problem, RegistryInvalid

bp = Blueprint("registry", __name__)


class RegistryImportForm(FlaskForm):
    """The upload form; admins also choose the company (managers import for their own)."""

    file = FileField(validators=[FileRequired()])
    dry_run = BooleanField()
    company = SelectField(choices=[])

    @classmethod
    def for_principal(cls, session, principal, **kwargs) -> "RegistryImportForm":
        form = cls(**kwargs)
        companies = services.import_companies(session, principal)
        if companies is not None:
            form.company.choices = [(c.code, f"{c.code} {c.name}") for c in companies]
        else:
            del form.company
        return form


@bp.route("/estates/registry/import", methods=["GET", "POST"])
@login_required
def registry_import():
    """Upload the estate registry: every error by row and column, or the import's summary."""
    principal, session = require_principal(), get_session()
    services.ensure_may_import(principal)
    form = RegistryImportForm.for_principal(session, principal)
    if not form.validate_on_submit():
        return _page(form), (422 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        result = services.import_registry(
            session, principal, upload.read(), company_code=form.company.data if "company" in form else None,
            dry_run=form.dry_run.data, source=upload.filename or "")
    except RegistryInvalid as invalid:
        return _page(form, errors=invalid.errors, warnings=invalid.warnings), 422
    except Invalid as invalid:
        return _page(form, errors=[Problem(None, name, message)
                                   for name, messages in invalid.fields.items() for message in messages]), 422
    return _page(form, result=result)


def _page(form, *, errors=(), warnings=None, result=None):
    return render_template("estates/registry_import.html", form=form, errors=list(errors),
                           warnings=result.warnings if result else list(warnings or ()), result=result,
                           columns=COLUMNS, max_errors=1000)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    """A file above PMS_MAX_UPLOAD_MB: the page again, saying what the limit is.

    The body is refused while it is read, which may happen before the caller is identified (the
    CSRF check reads the form first), so this page must not need a principal; it shows no data.
    """
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    form = RegistryImportForm.for_principal(get_session(), current_principal(), formdata=None)
    return _page(form, errors=[too_large(request.content_length, limit)]), 413
