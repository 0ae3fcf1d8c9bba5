"""Documents API: check a file against the archive; an issued document's record by its SHA-256."""
from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select

from pms.core.auth import AUDITOR, OFFICER, open_to, require_principal
from pms.core.db import get_session
from pms.core.errors import NotFound
from pms.core.openapi import documented
from pms.documents import services
from pms.documents.models import IssuedDocument
from pms.documents.schemas import VerdictSchema

bp = Blueprint("documents_api", __name__)


@bp.post("/documents/verify")
@documented(summary="Which issued document a PDF is and whether it is unaltered: send the file as the body "
                    "(application/pdf) or as multipart field `file`. status genuine / altered (carries a "
                    "document's identification but differs from the issued copy) / unknown; documents "
                    "outside your scope answer unknown. Nothing is stored", response=VerdictSchema,
            files="file", tag="documents")
@open_to(AUDITOR, OFFICER)  # a check writes nothing
def verify():
    """Check the posted file."""
    principal, session = require_principal(), get_session()
    upload = request.files.get("file")
    data = upload.read() if upload else request.get_data(cache=False)
    return VerdictSchema().dump(services.describe(session, services.verify(session, principal, data)))


@bp.get("/documents/<sha256>")
@documented(summary="The issued document whose file has this SHA-256 (hex); outside your scope 404",
            response=VerdictSchema, tag="documents")
def by_hash(sha256):
    """An issued document's record."""
    principal, session = require_principal(), get_session()
    kept = session.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == sha256.lower()[:64]))
    if kept is None or not services.visible_to(principal, kept):
        raise NotFound("document not found")
    verdict = services.Verdict(services.GENUINE, kept.sha256, kept, services.kept_identifier(kept))
    return VerdictSchema().dump(services.describe(session, verdict))
