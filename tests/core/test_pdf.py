"""pms.core.pdf: network fetches blocked, local files only, CJK font named in every font stack."""
from __future__ import annotations

import re

import pytest

from pms.config import PROJECT_ROOT
from pms.core import pdf


def test_network_urls_are_refused():
    fetcher = pdf.url_fetcher()
    for url in ["http://example.com/logo.png", "https://127.0.0.1/x.css", "ftp://host/f"]:
        with pytest.raises(ValueError, match="network"):
            fetcher.fetch(url)


def test_only_files_under_static_and_templates():
    fetcher = pdf.url_fetcher()
    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError, match="outside"):
        fetcher.fetch((PROJECT_ROOT / "static" / ".." / "pyproject.toml").as_uri())
    response = fetcher.fetch((PROJECT_ROOT / "templates" / "pdf" / "pdf.css").as_uri())
    try:
        assert b"Noto Sans CJK SC" in response.read()
    finally:
        response.close()
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


def test_rendering_refuses_network_resources(app, caplog):
    """An <img> or stylesheet on the network is refused by our fetcher and left out."""
    from weasyprint import HTML

    html = ('<p>外部图片</p><img src="http://198.51.100.1/track.png">'
            '<link rel="stylesheet" href="https://cdn.example/x.css">')
    document = HTML(string=html, base_url=str(pdf.TEMPLATE_DIR) + "/", url_fetcher=pdf.url_fetcher())
    with caplog.at_level("WARNING", logger="weasyprint"):
        assert document.write_pdf(font_config=pdf.font_config()).startswith(b"%PDF-")
    refused = [r.getMessage() for r in caplog.records if "may not fetch from the network" in r.getMessage()]
    assert len(refused) == 2, [r.getMessage() for r in caplog.records]


FONT_FAMILY = re.compile(r"font-family\s*:\s*([^;}]+)", re.I)


def test_every_font_stack_names_a_cjk_font():
    """Body, tables and @page margin boxes: a stack without a CJK font loses the Chinese text."""
    sources = sorted((PROJECT_ROOT / "templates" / "pdf").rglob("*.css")) + \
        sorted((PROJECT_ROOT / "templates" / "pdf").rglob("*.html"))
    stacks = [(path.name, m.group(1)) for path in sources for m in FONT_FAMILY.finditer(path.read_text())]
    assert len(stacks) >= 6  # body, headings, tables, code, three margin boxes
    for name, stack in stacks:
        assert any(family in stack for family in pdf.CJK_FAMILIES), (name, stack)
    css = (PROJECT_ROOT / "templates" / "pdf" / "pdf.css").read_text()
    for box in ("@top-left", "@top-right", "@bottom-center"):
        block = css[css.index(box):css.index("}", css.index(box))]
        assert "WenQuanYi Micro Hei" in block and "Noto Sans CJK SC" in block, box
    assert "size: A4" in css


def test_cjk_font_check_uses_fc_list(monkeypatch):
    pdf.cjk_font_available.cache_clear()
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    try:
        assert pdf.cjk_font_available() is False
    finally:
        pdf.cjk_font_available.cache_clear()


def test_font_configuration_is_shared_across_renders(app):
    assert pdf.font_config() is pdf.font_config()
    assert pdf.base_stylesheet() is pdf.base_stylesheet()


def test_pdf_response_headers(app):
    with app.test_request_context():
        response = pdf.pdf_response(b"%PDF-1.7", "ACME-2026-000001.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="ACME-2026-000001.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
