"""Every page a role reaches from its home: each form control has a label, each image alt text,
each button a name (older residents use screen readers and zoom; a control without a label is
read out as "edit text")."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.web import logged_in, text

ROLES = ["admin", "manager", "finance", "tech", "carer", "resident", "auditor", "officer"]
_HREF = re.compile(r'href="(/[^"#]*)"')
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Audit(HTMLParser):
    """Collects the problems of one page."""

    def __init__(self):
        super().__init__()
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict]] = []
        self.problems: list[str] = []
        self.in_label = 0
        self.button: dict | None = None
        self.button_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type", "text") in UNLABELLED_TYPES:
                if a.get("type") in ("submit", "button", "reset") and not (a.get("value") or a.get("aria-label")):
                    self.problems.append(f"button input without a name: {a}")
                return
            self.controls.append((tag, a | {"_wrapped": bool(self.in_label)}))
        elif tag == "img" and "alt" not in a:
            self.problems.append(f"img without alt: {a.get('src')}")
        elif tag == "button":
            self.button, self.button_text = a, ""

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_label = max(0, self.in_label - 1)
        elif tag == "button" and self.button is not None:
            if not (self.button_text.strip() or self.button.get("aria-label")):
                self.problems.append(f"button without a name: {self.button}")
            self.button = None

    def handle_data(self, data):
        if self.button is not None:
            self.button_text += data

    def finish(self) -> list[str]:
        for tag, a in self.controls:
            named = (a["_wrapped"] or a.get("aria-label") or a.get("aria-labelledby")
                     or (a.get("id") and a["id"] in self.label_for) or a.get("title"))
            if not named:
                self.problems.append(f"{tag} without a label: name={a.get('name')!r} id={a.get('id')!r}")
        return self.problems


def audit(html: str) -> list[str]:
    parser = _Audit()
    parser.feed(html)
    return parser.finish()


def test_the_audit_finds_what_it_looks_for():
    bad = ('<form><input name="amount"><select name="x"></select><img src="/a.png">'
           '<button type="submit"></button></form>')
    assert len(audit(bad)) == 4
    good = ('<form><label for="a">Amount</label><input id="a" name="amount">'
            '<label>X <select name="x"></select></label><input type="hidden" name="csrf_token">'
            '<img src="/a.png" alt=""><button type="submit">Pay</button></form>')
    assert audit(good) == []


@pytest.mark.parametrize("user", ROLES)
def test_every_reachable_page_labels_its_controls(app, world, user):
    client = logged_in(app.test_client(), user)
    start = ["/", "/rooms/YJL-3-2-501"] + (["/estates/YJL"] if user != "resident" else [])
    pages = set(start)
    for page in start:
        pages |= {h.replace("&amp;", "&") for h in _HREF.findall(text(client.get(page, follow_redirects=True)))
                  if not h.startswith(("/static/", "/api/")) and "lang=" not in h and not h.endswith(".pdf")}
    problems = {}
    for page in sorted(pages):
        response = client.get(page, follow_redirects=True)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        found = audit(text(response))
        if found:
            problems[page] = found
    assert not problems, problems
