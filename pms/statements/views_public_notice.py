"""Public notice pages: an estate's annual public notices (公示) for its residents, the company's staff
and the district's auditors; the live figures and the publish button (with a confirmation step) for
managers and finance; each notice's PDF for the stairwell."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pms.accounts.services import display_names
from pms.core import clock
from pms.core.api import load_data
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.core.forms import form_spec, handles
from pms.core.pdf import pdf_response
from pms.statements import public_notice
from pms.statements.schemas import NoticeQuerySchema, PublishNoticeFormSchema

bp = Blueprint("public_notices", __name__)

PUBLISH_FORM = form_spec("publish-notice", {"year": _l("Year")})
YEARS_OFFERED = 6  # the current year and the five before it


def _list_page(code):
    principal, session = require_principal(), get_session()
    estate = public_notice.get_estate(session, principal, code)
    rows = public_notice.versions(session, estate)
    may_publish = public_notice.may_publish(principal)
    this_year = clock.today().year
    return render_template("statements/public_notices.html", estate=estate, rows=rows, may_publish=may_publish,
                           years=list(range(this_year, this_year - YEARS_OFFERED, -1)), this_year=this_year)


def _notice_page(code, year, *, confirm=None):
    principal, session = require_principal(), get_session()
    args = load_data(NoticeQuerySchema(), request.args.to_dict())
    estate = public_notice.get_estate(session, principal, code)
    may_publish = public_notice.may_publish(principal)
    versions = public_notice.versions(session, estate, year)
    if confirm is not None:  # the confirmation step: exactly what publishing would freeze
        data = confirm
    else:
        data = public_notice.readable(session, principal, estate, year, version=args["version"],
                                      live=request.args.get("preview") == "1")
    return render_template("statements/public_notice.html", estate=estate, n=data, w=public_notice.words(),
                           charts=public_notice.notice_charts(data), versions=versions, may_publish=may_publish,
                           confirm=confirm is not None, has_figures=public_notice.has_figures(data),
                           names=display_names(session, [v.published_by for v in versions]))


@bp.get("/estates/<code>/public-notices")
@login_required
def notice_list(code):
    """The estate's published notices by year; managers and finance choose a year to publish."""
    return _list_page(code)


@bp.get("/estates/<code>/public-notices/<int:year>")
@login_required
def notice_page(code, year):
    """A year's notice: the latest published version (or ?version=N); for managers and finance the
    live figures while none is published (or with ?preview=1), with the publish button."""
    return _notice_page(code, year)


@bp.get("/estates/<code>/public-notices/<int:year>.pdf")
@login_required
def notice_pdf(code, year):
    """A year's notice as one A4 page for the stairwell (the published version; for managers and
    finance, the live figures marked as a preview while none is published)."""
    principal, session = require_principal(), get_session()
    args = load_data(NoticeQuerySchema(), request.args.to_dict())
    estate = public_notice.get_estate(session, principal, code)
    data = public_notice.readable(session, principal, estate, year, version=args["version"])
    return pdf_response(public_notice.public_notice_pdf(session, data, estate=estate, issued_by=principal.username),
                        public_notice.file_name(data))


@bp.post("/estates/<code>/public-notices")
@login_required
@handles(PUBLISH_FORM, _list_page, page_args=lambda code: {"code": code})
def publish(code):
    """Publish a year's notice: first the figures to check (confirm=yes not given), then the new version."""
    principal, session = require_principal(), get_session()
    form = load_data(PublishNoticeFormSchema(), request.form.to_dict())
    estate = public_notice.get_estate(session, principal, code)
    year = form["year"]
    if form["confirm"] != "yes":
        return _notice_page(code, year, confirm=public_notice.publish_preview(session, principal, estate, year))
    notice = public_notice.publish(session, principal, estate, year)
    flash(_("The %(year)d public notice of %(estate)s is published (version %(version)d).", year=year,
            estate=estate.name, version=notice.version), "success")
    return redirect(url_for("public_notices.notice_page", code=estate.code, year=year), 303)
