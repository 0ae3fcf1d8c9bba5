"""PDF checks need a CJK font and poppler's pdftotext/pdffonts: skipped without them locally,
but a FAILURE under CI (CI=true), where their absence is a broken set-up, not a reason to pass."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from types import SimpleNamespace

import pytest

from pms.core.pdf import cjk_font_available


def require(ok: bool, what: str) -> None:
    """Fail under CI, skip elsewhere, when a system dependency of the PDF tests is missing."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required (missing on this CI machine)")
    pytest.skip(f"{what} is not installed")


def _poppler(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(pdf)
        fh.flush()
        return subprocess.run([tool, *args, fh.name, *(["-"] if tool == "pdftotext" else [])],
                              capture_output=True, text=True, check=True, timeout=60).stdout


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace collapsed (table cells may wrap)."""
    return " ".join(_poppler("pdftotext", pdf).split())


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page."""
    return [" ".join(page.split()) for page in _poppler("pdftotext", pdf).split("\f")[:-1]]


def pdf_fonts(pdf: bytes) -> list[dict]:
    """pdffonts rows: name and whether embedded."""
    rows = _poppler("pdffonts", pdf).splitlines()[2:]
    # Columns: name type... encoding emb sub uni object ID — emb is the 5th field from the end.
    return [{"name": r.split()[0], "embedded": r.split()[-5] == "yes"} for r in rows if r.strip()]


@pytest.fixture
def pdf_tools():
    """Text extraction and font listing of PDFs (requires a CJK font and poppler-utils)."""
    require(cjk_font_available(), "a CJK font (Debian: fonts-noto-cjk)")
    require(bool(shutil.which("pdftotext") and shutil.which("pdffonts")), "poppler-utils")
    return SimpleNamespace(text=pdf_text, pages=pdf_pages, fonts=pdf_fonts)
