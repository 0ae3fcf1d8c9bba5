"""Reading a page's forms the way a screen reader would: which field an error message belongs to."""
from __future__ import annotations

from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}


class _Page(HTMLParser):
    """Elements by id (tag, attributes, text inside), links, and each element's enclosing ids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.links: list[tuple[str, str]] = []
        self._open: list[tuple[str, dict | None]] = []
        self._link: list | None = None
        self._count = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        node = None
        wrapper = "field" in (attrs.get("class") or "").split()
        if "id" in attrs or wrapper:
            self._count += 1
            node = {"tag": tag, "attrs": attrs, "text": "", "key": attrs.get("id") or f"field#{self._count}",
                    "parents": [n["key"] for _t, n in self._open if n is not None]}
            if "id" in attrs:
                self.by_id[attrs["id"]] = node
        if tag == "a":
            self._link = [attrs.get("href", ""), ""]
        if tag not in VOID:
            self._open.append((tag, node))

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join(self._link[1].split())))
            self._link = None
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for _tag, node in self._open:
            if node is not None:
                node["text"] += data
        if self._link is not None:
            self._link[1] += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def assert_field_error(html: str, field_id: str, *, message: str = "", value: str | None = None,
                       label: str = "") -> None:
    """The field is marked invalid, its message is beside it (aria-describedby) and says `message`,
    its value is kept, and the summary at the top links to it by its label."""
    page = parse(html)
    field = page.by_id.get(field_id)
    assert field is not None, f"no element #{field_id}"
    assert field["attrs"].get("aria-invalid") == "true", field
    error_id = f"{field_id}-error"
    assert error_id in field["attrs"].get("aria-describedby", "").split(), field
    error = page.by_id.get(error_id)
    assert error is not None and message in error["text"], (error, message)
    # Beside the field: inside the field's own wrapper (div.field), or inside its fieldset.
    if field["tag"] == "fieldset":
        assert field_id in error["parents"], (error, field)
    else:
        wrappers = [k for k in field["parents"] if k.startswith("field#")]
        assert wrappers and wrappers[-1] in error["parents"], (error, field)
    if value is not None:
        if field["tag"] == "textarea":
            assert field["text"] == value, field
        elif field["tag"] == "input":
            assert field["attrs"].get("value") == value, field
    summary = [text for href, text in page.links if href == f"#{field_id}"]
    assert summary, f"the summary does not link to #{field_id}"
    assert "form-summary" in html
    if label:
        assert summary[0].startswith(f"{label}: ") or summary[0].startswith(f"{label}："), summary
        assert field_id not in summary[0].replace(f"#{field_id}", "")
