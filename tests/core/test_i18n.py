"""Translations: a complete zh_CN catalog, a compiled .mo that matches it, pages in Chinese by
default and English on request, and no user-visible text hard-coded in templates."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from pms.config import PROJECT_ROOT
from pms.core.i18n import TRANSLATIONS_DIR
from tests.web import logged_in, text

CATALOG_DIR = TRANSLATIONS_DIR / "zh_CN" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def catalog():
    with open(CATALOG_DIR / "messages.po", "rb") as fh:
        return read_po(fh, locale="zh_CN")


def _strings(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_msgid_has_a_chinese_translation(catalog):
    messages = [m for m in catalog if m.id]
    assert len(messages) > 50
    untranslated = [m.id for m in messages if not all(s.strip() for s in _strings(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_translations_keep_the_placeholders(catalog):
    for message in catalog:
        if not message.id:
            continue
        wanted = set(PLACEHOLDER.findall(_strings(message.id)[0]))
        for translated in _strings(message.string):
            assert set(PLACEHOLDER.findall(translated)) == wanted, message.id


def test_translations_are_chinese(catalog):
    cjk = re.compile(r"[\u4e00-\u9fff]")
    english_only = [m.id for m in catalog if m.id and not any(cjk.search(s) for s in _strings(m.string))]
    assert english_only == []


def _gettext_entries(catalog) -> dict:
    """What gettext can answer from a catalog: (context, msgid) → translation, plural forms as
    tuples. Like `pybabel compile`, untranslated and fuzzy entries are left out."""
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {(m.context, plain(m.id)): plain(m.string) for m in catalog
            if m.id and m.string and not m.fuzzy}


def _stale_entries(po_catalog, mo_bytes: bytes) -> list[str]:
    """How a compiled catalog differs from the .po in what it translates (headers such as
    Generated-By or the creation date do not count; the plural rule does)."""
    compiled = read_mo(io.BytesIO(mo_bytes))
    wanted, found = _gettext_entries(po_catalog), _gettext_entries(compiled)
    problems = [f"missing: {key[1]!r}" for key in wanted.keys() - found.keys()]
    problems += [f"not in the .po: {key[1]!r}" for key in found.keys() - wanted.keys()]
    problems += [f"changed: {key[1]!r}: {found[key]!r} != {wanted[key]!r}"
                 for key in wanted.keys() & found.keys() if wanted[key] != found[key]]
    if compiled.plural_forms != po_catalog.plural_forms:
        problems.append(f"plural forms: {compiled.plural_forms!r} != {po_catalog.plural_forms!r}")
    return sorted(problems)


def test_compiled_catalog_matches_the_po_file(catalog):
    """The committed .mo translates exactly what the committed .po does (the messages and the
    plural rule; not the bytes, which carry the Babel version in a header)."""
    assert _stale_entries(catalog, (CATALOG_DIR / "messages.mo").read_bytes()) == [], \
        "messages.mo is stale: run `make i18n` (pybabel compile -d pms/translations)"


def _edited_po(edit) -> object:
    text = edit((CATALOG_DIR / "messages.po").read_text(encoding="utf-8"))
    return read_po(io.BytesIO(text.encode("utf-8")), locale="zh_CN")


def test_a_stale_compiled_catalog_is_caught(catalog):
    """Edits to a copy of the .po that the committed .mo does not have are reported; a .mo
    compiled with other headers (another Babel, another date) is not."""
    mo = (CATALOG_DIR / "messages.mo").read_bytes()
    changed = _edited_po(lambda po: po.replace('msgstr "未知的角色：%(role)s。"', 'msgstr "角色未知：%(role)s。"'))
    assert _stale_entries(changed, mo) == [
        "changed: 'Unknown role %(role)s.': '未知的角色：%(role)s。' != '角色未知：%(role)s。'"]
    added = _edited_po(lambda po: po + '\nmsgid "A new message."\nmsgstr "一条新消息。"\n')
    assert _stale_entries(added, mo) == ["missing: 'A new message.'"]
    plural = _edited_po(lambda po: po.replace("nplurals=1; plural=0;", "nplurals=2; plural=(n != 1);"))
    assert any(p.startswith("plural forms:") for p in _stale_entries(plural, mo))

    same = _edited_po(lambda po: po)
    same.project, same.version = "someone-else", "9.9"
    same.creation_date = same.revision_date = datetime(2001, 1, 1, tzinfo=timezone.utc)
    rebuilt = io.BytesIO()
    write_mo(rebuilt, same, use_fuzzy=False)
    assert rebuilt.getvalue() != mo and _stale_entries(catalog, rebuilt.getvalue()) == []


def test_every_message_in_the_code_is_in_the_catalog(catalog):
    """What `make i18n` would extract is all translated (new strings need a translation)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(PROJECT_ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    # As `pybabel extract -k _l -k lazy_gettext` (the Makefile's `make i18n`).
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    extracted = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map, keywords=keywords):
        extracted.add(message[0] if isinstance(message, tuple) else message)
    known = {_strings(m.id)[0] for m in catalog if m.id}
    missing = sorted(extracted - known)
    assert missing == [], "untranslated: run `make i18n` and translate " + repr(missing)


def test_the_app_loads_the_package_translations(app):
    directories = app.extensions["babel"].translation_directories
    assert [Path(d) for d in directories] == [Path(__file__).resolve().parents[2] / "pms" / "translations"]
    with app.test_request_context("/"):
        from flask_babel import gettext, ngettext

        assert gettext("Log in") == "登录"
        assert ngettext("%(num)d room", "%(num)d rooms", 3) == "3 户"


def test_pages_are_chinese_by_default_and_english_on_request(client, world):
    page = text(client.get("/login"))
    assert '<html lang="zh-CN">' in page and "<h1>登录</h1>" in page and "Log in" not in page
    page = text(client.get("/login?lang=en"))
    assert '<html lang="en">' in page and "<h1>Log in</h1>" in page and "登录" not in page
    # The choice is remembered for the session, and can be switched back.
    assert "<h1>Log in</h1>" in text(client.get("/login"))
    assert "<h1>登录</h1>" in text(client.get("/login?lang=zh_CN"))
    assert "<h1>登录</h1>" in text(client.get("/login"))


def test_an_unknown_language_is_ignored(client, world):
    assert "<h1>登录</h1>" in text(client.get("/login?lang=fr"))


def test_english_only_browsers_get_english(client, world):
    page = text(client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert "<h1>Log in</h1>" in page
    page = text(client.get("/login", headers={"Accept-Language": "en-US,zh-CN;q=0.8"}))
    assert "<h1>登录</h1>" in page


def test_language_switch_is_remembered_through_a_redirect(client, world):
    logged_in(client, "manager")
    assert client.get("/my/rooms?lang=en").status_code == 302  # staff are sent on to the estate list
    assert "<h1>Estates</h1>" in text(client.get("/estates"))


def test_language_link_keeps_the_page_and_its_query(client, world):
    logged_in(client, "manager")
    page = text(client.get("/rooms?q=501"))
    assert 'href="/rooms?q=501&amp;lang=en"' in page
    page = text(client.get("/rooms?q=501&lang=en"))
    assert 'href="/rooms?q=501&amp;lang=zh_CN"' in page and "Find a room" in page


# ---- templates: no user-visible text outside _() ------------------------------------------

# Words that are the same in every language: the product name and each language's own name.
ALLOWED = {"pms", "English", "中文"}
VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
WORDS = re.compile(r"[A-Za-z]{2,}|[\u3400-\u9fff\uf900-\ufaff]+")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES or (name == "value" and tag in ("button", "input")
                                                and dict(attrs).get("type") in ("submit", "button")):
                self.found.extend(WORDS.findall(value or ""))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.found.extend(WORDS.findall(data))


def hard_coded_words(source: str) -> list[str]:
    """Words left in a template once every Jinja tag and expression is taken out."""
    parser = _VisibleText()
    parser.feed(JINJA.sub(" ", source))
    parser.close()
    return [w for w in parser.found if w not in ALLOWED]


TEMPLATES = sorted((PROJECT_ROOT / "templates").rglob("*.html"))


def test_the_heuristic_catches_hard_coded_text():
    assert hard_coded_words("<p>Hello {{ _('World') }}</p>") == ["Hello"]
    assert hard_coded_words('<input placeholder="例如">') == ["例如"]
    assert hard_coded_words("<h1>{{ _('Rooms') }}</h1><a href='/x?lang=en'>English</a> · m²") == []


@pytest.mark.parametrize("template", [t for t in TEMPLATES if "pdf" not in t.parts],
                         ids=lambda p: str(p.relative_to(PROJECT_ROOT / "templates")))
def test_no_hard_coded_text_in_templates(template):
    assert hard_coded_words(template.read_text(encoding="utf-8")) == []
