"""Public notice API: an estate's annual public notices (公示), one as JSON or PDF, publishing."""
from __future__ import annotations

from flask import Blueprint, request

from pms.core.api import load_body, load_data
from pms.core.auth import require_principal
from pms.core.db import get_session
from pms.core.openapi import documented
from pms.core.pdf import pdf_response
from pms.statements import public_notice
from pms.statements.schemas import (NoticeListSchema, NoticeQuerySchema, NoticeSchema, NoticeVersionSchema,
                                    PublishNoticeSchema)

bp = Blueprint("public_notice_api", __name__)

WHO = ("Residents of the estate, the company's staff, the district's auditors and officers; another "
       "estate: 404")


@bp.get("/estates/<estate>/public-notices")
@documented(summary="An estate's published annual public notices (公示, 条例 Art. 70): year and version, "
                    "newest first. " + WHO, response=NoticeListSchema, tag="statements")
def notice_list(estate):
    """The published years and versions."""
    principal, session = require_principal(), get_session()
    found = public_notice.get_estate(session, principal, estate)
    return NoticeListSchema().dump({"estate": found.code, "items": public_notice.versions(session, found)})


@bp.get("/estates/<estate>/public-notices/<int:year>")
@documented(summary="A year's published public notice as its frozen figures (the latest version, or "
                    "?version=N); none published: 404. " + WHO,
            query=NoticeQuerySchema, response=NoticeSchema, tag="statements")
def notice(estate, year):
    """One published version's figures."""
    principal, session = require_principal(), get_session()
    args = load_data(NoticeQuerySchema(), request.args.to_dict())
    found = public_notice.get_estate(session, principal, estate)
    return NoticeSchema().dump(public_notice.document(public_notice.published(session, found, year, args["version"])))


@bp.get("/estates/<estate>/public-notices/<int:year>.pdf")
@documented(summary="A year's published public notice as one A4 PDF page (latest version, or ?version=N). "
                    + WHO, query=NoticeQuerySchema, content_type="application/pdf", tag="statements")
def notice_pdf(estate, year):
    """One published version's PDF."""
    principal, session = require_principal(), get_session()
    args = load_data(NoticeQuerySchema(), request.args.to_dict())
    found = public_notice.get_estate(session, principal, estate)
    data = public_notice.document(public_notice.published(session, found, year, args["version"]))
    return pdf_response(public_notice.public_notice_pdf(session, data, estate=found, issued_by=principal.username),
                        public_notice.file_name(data))


@bp.post("/estates/<estate>/public-notices")
@documented(summary="Publish the year's public notice (manager, finance): its figures are frozen as the next "
                    "version (a correction is a new version; earlier ones stay); a year after the current one "
                    "422; a year with nothing recorded 409", body=PublishNoticeSchema,
            response=NoticeVersionSchema, status=201, tag="statements")
def publish(estate):
    """Freeze the figures as a new version."""
    principal, session = require_principal(), get_session()
    data = load_body(PublishNoticeSchema())
    found = public_notice.get_estate(session, principal, estate)
    notice = public_notice.publish(session, principal, found, data["year"])
    return NoticeVersionSchema().dump(notice), 201
