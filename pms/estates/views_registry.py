"""The registry upload page (GET/POST /estates/registry/import): managers import their company's
estate register, admins choose the company; everyone else gets 403.

A module of its own (discovered like views.py) so the browsing pages and this page evolve apart.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, SelectField

from pms.core.auth import current_principal, login_required, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.core.forms import form_spec, keep
from pms.estates import services
from pms.estates.registry.reading import too_large
from pms.estates.registry.rows import COLUMNS, RegistryInvalid

bp = Blueprint("registry", __name__)

REGISTRY_FORM = form_spec("registry", {"company": _l("Company"), "file": _l("Registry file"),
                                       "dry_run": _l("Check only (write nothing)")}, files=("file",))


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
        if not form.is_submitted():
            return _page(form)
        keep(REGISTRY_FORM, request.form,
             errors={"file": [_("Choose a file to upload.")]} if form.file.errors else {},
             general=[] if form.file.errors else [_("Please check your input")])
        return _page(form), 422
    upload = form.file.data
    try:
        result = services.import_registry(
            session, principal, upload.read(), company_code=form.company.data if "company" in form else None,
            dry_run=form.dry_run.data, source=upload.filename or "")
    except RegistryInvalid as invalid:
        # Every problem stays in the table by row and column; the file field says where to look.
        keep(REGISTRY_FORM, request.form,
             errors={"file": [_("%(n)d errors: nothing was imported.", n=len(invalid.errors))]})
        return _page(form, errors=invalid.errors, warnings=invalid.warnings), 422
    except Invalid as invalid:
        keep(REGISTRY_FORM, request.form,
             errors={("company" if name == "company" else "file"): list(messages)
                     for name, messages in invalid.fields.items()}, general=[] if invalid.fields else [invalid.message])
        return _page(form), 422
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
    problem = too_large(request.content_length, limit)
    keep(REGISTRY_FORM, {}, errors={"file": [problem.message]})
    return _page(form, errors=[problem]), 413
