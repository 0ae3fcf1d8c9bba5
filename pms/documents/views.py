"""The document check page: upload a PDF, learn which issued document it is and whether it is unaltered."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from pms.core.auth import AUDITOR, OFFICER, login_required, open_to, require_principal
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.documents import services

bp = Blueprint("documents", __name__)


@bp.get("/documents/verify")
@login_required
def verify_page():
    """The upload form."""
    return render_template("documents/verify.html", result=None, errors={})


@bp.post("/documents/verify")
@open_to(AUDITOR, OFFICER)  # a check writes nothing: read-only roles may post a file to it
@login_required
def verify_upload():
    """Check the uploaded file against the archive (nothing is stored)."""
    principal, session = require_principal(), get_session()
    upload = request.files.get("file")
    try:
        verdict = services.verify(session, principal, upload.read() if upload else b"")
    except Invalid as err:
        return render_template("documents/verify.html", result=None, errors=err.fields), 422
    result = services.describe(session, verdict)
    result["file_name"] = upload.filename if upload else ""
    return render_template("documents/verify.html", result=result, errors={})
