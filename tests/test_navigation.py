"""Every link a role is shown in the menu and on estate/room pages opens (no dead ends)."""
import re

import pytest

from tests.web import logged_in, text

ROLES = ["admin", "manager", "finance", "tech", "carer", "resident", "auditor", "officer"]
_HREF = re.compile(r'href="(/[^"#]*)"')


def _links(html: str) -> set[str]:
    return {h.replace("&amp;", "&") for h in _HREF.findall(html)
            if not h.startswith("/static/") and "lang=" not in h}


@pytest.mark.parametrize("user", ROLES)
def test_menu_and_page_links_open(app, world, user):
    client = logged_in(app.test_client(), user)
    pages = ["/", "/rooms/YJL-3-2-501"] + (["/estates/YJL"] if user != "resident" else [])
    seen: set[str] = set()
    for page in pages:
        response = client.get(page, follow_redirects=True)
        assert response.status_code == 200, (user, page)
        for link in _links(text(response)) - seen:
            seen.add(link)
            target = client.get(link, follow_redirects=True)
            assert target.status_code == 200, (user, page, link, target.status_code)
    assert seen, user
