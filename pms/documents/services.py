"""Issued documents: render once as PDF/A-3u, keep with the SHA-256, serve from storage; verify a file.

`issued_pdf` is the one path by which statements, receipts, credit notes, arrears notices,
public notices and audit reports reach a reader: the first request of a rendition renders it,
stores it (content-addressed: `documents/<sha[:2]>/<sha>.pdf`) and records it in the same unit of
work as whatever issued it; every later request gets the same bytes from storage, whatever has
changed since (a payment, a template, a translation). Two first requests racing both render;
the UNIQUE (kind, number, variant) index keeps one record and the loser serves the winner's file.
"""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any, Callable, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pms.core.auth import ADMIN, DISTRICT_ROLES, RESIDENT, Principal
from pms.core.errors import Invalid
from pms.core.i18n import translate as _
from pms.core.pdf import IDENTIFIER_PREFIX, render_archival_pdf
from pms.core.storage import storage
from pms.documents.models import IssuedDocument

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class DocumentRef:
    """Which rendition of which document, and whose it is."""

    kind: str
    number: str
    variant: str = ""
    company_id: Optional[int] = None
    district_id: Optional[int] = None
    estate_id: Optional[int] = None
    room_id: Optional[int] = None

    @property
    def identifier(self) -> str:
        """`kind/number/variant`, written into the file's Keywords."""
        return f"{self.kind}/{self.number}/{self.variant}"


def variant(locale: Any, *marks: str) -> str:
    """A rendition's variant: its language and what else makes it differ (`zh_CN-masked`)."""
    return "-".join([str(locale or "zh_CN"), *[m for m in marks if m]])


def reader_variant(*marks: str) -> str:
    """The variant a reader gets: the request's (or command's) language, then the marks."""
    from flask_babel import get_locale

    locale = get_locale()
    # zh_CN parses as zh_Hans_CN: name languages as the app's settings do.
    name = "zh_CN" if locale is None or locale.language == "zh" else locale.language
    return variant(name, *marks)


def find(session, ref: DocumentRef) -> Optional[IssuedDocument]:
    """The issued rendition, if it was issued."""
    return session.scalar(select(IssuedDocument).where(
        IssuedDocument.kind == ref.kind, IssuedDocument.number == ref.number,
        IssuedDocument.variant == ref.variant))


def issued_pdf(session, ref: DocumentRef, template: str, context: Callable[[], dict[str, Any]], *,
               issued_by: str, locale: Optional[str] = None) -> bytes:
    """The rendition's bytes: from storage when issued before, else rendered now and kept."""
    kept = find(session, ref)
    if kept is not None:
        return stored(kept)
    pdf = render_archival_pdf(template, context(), identifier=ref.identifier, locale=locale)
    return keep(session, ref, pdf, issued_by=issued_by)


def stored(document: IssuedDocument) -> bytes:
    """A kept document's bytes."""
    return storage().get(document.storage_key)


def storage_key(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256}.pdf"


def keep(session, ref: DocumentRef, pdf: bytes, *, issued_by: str) -> bytes:
    """Store `pdf` and record it as the rendition (flush only); the bytes a reader gets."""
    sha = hashlib.sha256(pdf).hexdigest()
    key = storage_key(sha)
    # The file first: a record never names a file that is not there (a file without a record, left
    # by a failed transaction, is harmless and named by nothing).
    storage().put(key, pdf, content_type=CONTENT_TYPE)
    try:
        with session.begin_nested():
            session.add(IssuedDocument(
                kind=ref.kind, number=ref.number, variant=ref.variant, company_id=ref.company_id,
                district_id=ref.district_id, estate_id=ref.estate_id, room_id=ref.room_id,
                sha256=sha, size_bytes=len(pdf), storage_key=key, issued_by=issued_by[:64]))
    except IntegrityError:
        winner = find(session, ref)
        if winner is None:
            raise
        log.info("%s issued concurrently; serving the first copy", ref.identifier)
        return storage().get(winner.storage_key)
    return pdf


# --- verification ---------------------------------------------------------------------------

GENUINE, ALTERED, UNKNOWN = "genuine", "altered", "unknown"


@dataclass(frozen=True)
class Verdict:
    """What a file is: an issued document unaltered, an altered copy of one, or nothing we issued."""

    status: str
    sha256: str
    document: Optional[IssuedDocument] = None
    claimed: str = ""  # the identifier the file carries, when it carries one

    @property
    def ok(self) -> bool:
        return self.status == GENUINE


def visible_to(principal: Principal, document: IssuedDocument) -> bool:
    """Whether the caller may know of this document: admin all; a district's auditors and officers
    its estates' documents and its own; staff their company's estates; residents their rooms' and
    their estates' public notices."""
    if principal.role == ADMIN or principal.scope.all_estates:
        return True
    if document.estate_id is None:
        return principal.role in DISTRICT_ROLES and principal.district_id == document.district_id
    if document.estate_id not in principal.scope.estate_ids:
        return False
    if principal.role == RESIDENT:
        if document.kind == "public_notice":
            return True
        return document.room_id is not None and document.room_id in (principal.scope.room_ids or ())
    return True


def claimed_identifier(pdf: bytes) -> str:
    """The identifier a PDF carries in its Keywords ("" when it is no PDF or carries none)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        info = PdfReader(io.BytesIO(pdf), strict=False).metadata or {}
        keywords = str(info.get("/Keywords") or "")
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return ""
    prefix = IDENTIFIER_PREFIX + " "
    return keywords[len(prefix):].strip() if keywords.startswith(prefix) else ""


def verify(session, principal: Principal, pdf: bytes) -> Verdict:
    """Which issued document a file is, and whether it is byte for byte the issued one.

    A document outside the caller's scope is answered as unknown (never reveal which)."""
    if not pdf:
        raise Invalid(_("No file."), fields={"file": [_("Choose a PDF file.")]})
    sha = hashlib.sha256(pdf).hexdigest()
    kept = session.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == sha))
    if kept is not None and visible_to(principal, kept):
        return Verdict(GENUINE, sha, kept, kept_identifier(kept))
    claimed = claimed_identifier(pdf)
    if claimed:
        kind, _sep, rest = claimed.partition("/")
        number, _sep, variant_ = rest.rpartition("/")
        original = session.scalar(select(IssuedDocument).where(
            IssuedDocument.kind == kind, IssuedDocument.number == number, IssuedDocument.variant == variant_))
        if original is not None and visible_to(principal, original):
            return Verdict(ALTERED, sha, original, claimed)
    return Verdict(UNKNOWN, sha, None, claimed)


def kept_identifier(document: IssuedDocument) -> str:
    return f"{document.kind}/{document.number}/{document.variant}"


def renditions(session, kind: str, number: str) -> list[IssuedDocument]:
    """Every issued rendition of one document (languages, masked, void), oldest first."""
    return list(session.scalars(select(IssuedDocument).where(
        IssuedDocument.kind == kind, IssuedDocument.number == number).order_by(IssuedDocument.id)))


def kind_label(kind: str) -> str:
    """A document kind in the reader's language."""
    return {
        "statement": _("Statement"), "receipt": _("Receipt"), "credit_note": _("Credit note"),
        "arrears_notice": _("Arrears notice"), "public_notice": _("Public notice"),
        "audit_report": _("Audit report"),
    }.get(kind, kind)


def describe(session, verdict: Verdict) -> dict[str, Any]:
    """The verdict as plain data for the page, the API and the CLI (in the reader's language)."""
    from pms.core import clock
    from pms.estates.models import Estate

    doc = verdict.document
    data: dict[str, Any] = {"status": verdict.status, "ok": verdict.ok, "sha256": verdict.sha256,
                            "claimed": verdict.claimed or None, "document": None}
    if doc is None:
        data["message"] = _("This file is not a document issued by this service, or its identification "
                            "was removed.")
        return data
    estate = session.get(Estate, doc.estate_id) if doc.estate_id else None
    issued_on = doc.issued_at.astimezone(clock.timezone()).date().isoformat()
    later = [d.variant for d in renditions(session, doc.kind, doc.number) if d.id > doc.id]
    data["document"] = {
        "kind": doc.kind, "kind_label": kind_label(doc.kind), "number": doc.number, "variant": doc.variant,
        "estate": {"code": estate.code, "name": estate.name} if estate else None,
        "issued_at": doc.issued_at.isoformat(), "issued_on": issued_on, "issued_by": doc.issued_by,
        "size_bytes": doc.size_bytes, "sha256": doc.sha256, "later_variants": later,
    }
    args = dict(kind=kind_label(doc.kind), number=doc.number, day=issued_on)
    if verdict.ok:
        data["message"] = _("This file is %(kind)s %(number)s, issued on %(day)s, unaltered.", **args)
    else:
        data["message"] = _("This file claims to be %(kind)s %(number)s, issued on %(day)s, but differs "
                            "from the issued copy: it has been altered.", **args)
    if any(v.endswith("-void") for v in later):
        data["message"] += " " + _("The document was voided after this copy was issued.")
    return data
