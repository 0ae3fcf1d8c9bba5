"""PDF documents from Jinja templates under templates/pdf/ with WeasyPrint.

Chinese text needs a CJK font that is really embedded, so pdf.css names one in every font stack
(body, tables, @page margin boxes), and HarfBuzz subsetting (Debian's libharfbuzz-subset0) keeps
a one-page statement at ~0.07 s instead of seconds with the fontTools fallback. Nothing is ever
fetched from the network: the url_fetcher only serves local files under static/ and templates/.
WeasyPrint is imported lazily so that the web app starts without loading it.
"""
from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from flask import Response, render_template

from pms.config import PROJECT_ROOT

log = logging.getLogger(__name__)
# WeasyPrint narrates every layout step at INFO; the app logs at INFO by default.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "pdf"
STYLESHEET = TEMPLATE_DIR / "pdf.css"
# The only places a PDF may load files from (images, stylesheets).
ALLOWED_ROOTS = (PROJECT_ROOT / "static", PROJECT_ROOT / "templates")
# The CJK families pdf.css names, in order of preference (Debian: fonts-wqy-microhei, fonts-noto-cjk).
# WenQuanYi Micro Hei first: a TrueType face whose subset stays small (a one-page statement ~25 KB,
# against ~150 KB with Noto's CFF, whose subset keeps every glyph id up to the highest used); Noto
# Sans CJK SC after it for what WenQuanYi lacks (CJK Ext-A/B and the 2013 standard's additions seen
# in names, e.g. 㛃, 䶮, 𬣙), drawn glyph by glyph.
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC")

# One FontConfiguration (and the parsed base stylesheet) per process, reused across renders:
# building them costs more than laying out a page.
_font_config = None
_stylesheet = None


@functools.cache
def cjk_font_available() -> bool:
    """Whether fontconfig knows a Chinese font (`fc-list :lang=zh`); PDFs need one embedded."""
    if shutil.which("fc-list") is None:
        return False
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(family in out for family in CJK_FAMILIES)


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (else it subsets with slow fontTools)."""
    from weasyprint.text.ffi import harfbuzz_subset

    return harfbuzz_subset is not None


def _is_under(path: Path, roots) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Serves data: URLs and files under ALLOWED_ROOTS; refuses everything else."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if _is_under(path, [root.resolve() for root in ALLOWED_ROOTS]):
                    return super().fetch(url, headers)
                raise ValueError(f"PDF may not read files outside static/ and templates/: {url}")
            raise ValueError(f"PDF may not fetch from the network: {url}")

    return LocalOnlyFetcher


@functools.cache
def url_fetcher():
    """The process's url_fetcher (blocks every network URL)."""
    return _fetcher_class()()


def font_config():
    """The process's WeasyPrint FontConfiguration."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def base_stylesheet():
    """pdf.css parsed once: A4 pages and the CJK font stacks."""
    global _stylesheet
    if _stylesheet is None:
        from weasyprint import CSS

        _stylesheet = CSS(filename=str(STYLESHEET), font_config=font_config(),
                          url_fetcher=url_fetcher())
    return _stylesheet


def render_html(template: str, context: dict[str, Any]) -> str:
    """The template `templates/pdf/<template>` rendered with the app's Jinja env (`_()`, filters)."""
    from flask_babel import get_locale

    locale = get_locale()
    lang = "zh-CN" if locale is None or str(locale) == "zh_CN" else str(locale).replace("_", "-")
    return render_template(f"pdf/{template}", pdf_lang=lang, **context)


def render_document(template: str, context: dict[str, Any], *, locale: Optional[str] = None):
    """A laid-out WeasyPrint document (its `.pages` can be counted before writing)."""
    from flask_babel import force_locale
    from weasyprint import HTML

    if not cjk_font_available():
        log.warning("no CJK font found (fc-list :lang=zh): Chinese text will not render; "
                    "install fonts-noto-cjk")
    # Outside a request the locale selector gives the CLI's language or the default (zh_CN);
    # batch printing passes its --lang explicitly.
    if locale is not None:
        with force_locale(locale):
            html = render_html(template, context)
    else:
        html = render_html(template, context)
    document = HTML(string=html, base_url=str(TEMPLATE_DIR) + "/", url_fetcher=url_fetcher())
    return document.render(stylesheets=[base_stylesheet()], font_config=font_config())


# WeasyPrint shares one FontConfiguration (Pango, fontconfig, HarfBuzz state) per process, and
# they are not thread-safe: two threads of one gthread web worker laying out PDFs at once can
# crash the process (seen here: two first downloads racing). Layout and writing hold this lock;
# they are CPU-bound under the GIL anyway, and batch printing runs in processes of its own.
RENDER_LOCK = threading.RLock()


def render_pdf(template: str, context: dict[str, Any], *, locale: Optional[str] = None) -> bytes:
    """The PDF of `templates/pdf/<template>` with `context` (A4, CJK font embedded)."""
    with RENDER_LOCK:
        return render_document(template, context, locale=locale).write_pdf()


# Issued documents are archived as PDF/A-3u (ISO 19005-3, Unicode text: archive search and screen
# readers extract the Chinese); the variant costs ~3 KB (the sRGB profile) and no measurable time.
ARCHIVAL_VARIANT = "pdf/a-3u"
# The Keywords entry that names an issued document inside its own file (`pms documents verify`).
IDENTIFIER_PREFIX = "pms-document"


def render_archival_pdf(template: str, context: dict[str, Any], *, identifier: str,
                        locale: Optional[str] = None) -> bytes:
    """An issued document: PDF/A-3u, its identifier in the document information's Keywords."""
    with RENDER_LOCK:
        return write_archival(render_document(template, context, locale=locale), identifier)


def write_archival(document, identifier: str) -> bytes:
    """A laid-out document written as an issued one: PDF/A-3u, its identifier in the Keywords."""
    document.metadata.keywords = [f"{IDENTIFIER_PREFIX} {identifier}"]
    document.metadata.generator = "pms"
    return document.write_pdf(pdf_variant=ARCHIVAL_VARIANT)


def pdf_response(pdf: bytes, filename: str) -> Response:
    """An inline PDF response (opens in the browser's viewer, saves as `filename`)."""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # Documents show amounts that change (payments): never serve a stale copy from a cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response
