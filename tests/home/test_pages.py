"""Each role's home (`/`): 200 with its counts, nobody else's data, every link on it opens."""
from __future__ import annotations

import re

import pytest

from tests.home.fixtures import build
from tests.web import logged_in, text

_HREF = re.compile(r'href="(/[^"#]*)"')
# What each home must show (hand-computed on tests/home/fixtures.py's world) and must not.
EXPECTED = {
    "resident": (["¥260.00", "2025-11-15", "厨房上水管更换"], ["HXY", "YJL-3-2-502"]),
    "other_resident": (["HXY-1-1-101", "¥70.00"], ["YJL"]),
    "manager": (["¥100.00", "云景里"], ["HXY", "和兴园"]),
    "admin": (["¥100.00"], []),
    "finance": (["¥160.00", "¥20.00", "¥30.00", "¥60.00", "2026-04-01"], ["HXY", "和兴园"]),
    "tech": (["YJL-3-2-502"], ["HXY", "YJL-3-2-501"]),
    "carer": ([], ["HXY"]),
    "auditor": (["云景里", "33.3"], ["HXY", "和兴园"]),
    "other_auditor": (["和兴园"], ["YJL", "云景里"]),
    # the auditor's district overview, and the programmes tile
    "officer": (["云景里", "33.3", 'href="/programs"'], ["HXY", "和兴园"]),
    "other_officer": (["和兴园", 'href="/programs"'], ["YJL", "云景里"]),
}


@pytest.fixture
def home_world(db, world, clock):
    return build(db, world, clock)


def _main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def _links(html: str) -> list[str]:
    return sorted({h.replace("&amp;", "&") for h in _HREF.findall(html) if not h.startswith("/static/")})


@pytest.mark.parametrize("user", sorted(EXPECTED))
def test_home_shows_own_counts_only_and_every_link_opens(app, home_world, user):
    client = logged_in(app.test_client(), user)
    response = client.get("/")
    assert response.status_code == 200
    page = _main(text(response))
    shown, hidden = EXPECTED[user]
    for fragment in shown:
        assert fragment in page, (user, fragment)
    for fragment in hidden:
        assert fragment not in page, (user, fragment)
    links = _links(page)
    assert links, user
    for link in links:
        target = client.get(link)
        assert target.status_code == 200, (user, link, target.status_code)


def test_resident_gets_one_tap_to_each_open_bills_statement(app, home_world):
    client = logged_in(app.test_client(), "resident")
    page = _main(text(client.get("/")))
    bills = home_world.bills
    for bill in (bills.r501_nov, bills.r501_jan, bills.r501_mar):
        assert f"/bills/{bill.number}/statement.pdf" in page
    pdf = client.get(f"/bills/{bills.r501_nov.number}/statement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    for foreign in (bills.r502_feb, bills.r101_nov):
        assert foreign.number not in page


def test_header_shows_the_unread_count_and_a_home_link(app, home_world):
    client = logged_in(app.test_client(), "manager")
    html = text(client.get("/estates"))
    header = html[:html.index("<main")]
    assert re.search(r'href="/maintenance/notifications"[^>]*>[^<]*<span class="badge">2</span>', header)
    assert 'href="/"' in header
    client.post("/maintenance/notifications/read")
    header = text(client.get("/estates")).split("<main")[0]
    assert 'class="badge"' not in header and "/maintenance/notifications" in header


@pytest.mark.parametrize("user, shown, hidden", [
    ("tech", ["/maintenance/tasks"], ["/maintenance/queue", "/billing/runs", "/outbox"]),
    ("finance", ["/maintenance/queue", "/billing/runs", "/billing/collection"], ["/outbox", "/maintenance/kpis"]),
    ("auditor", ["/billing/runs", "/maintenance/kpis", "/maintenance/elevators"], ["/outbox", "/registry"]),
    ("manager", ["/outbox", "/maintenance/kpis", "/billing/runs"], ["/maintenance/tasks"]),
    ("carer", ["/maintenance/queue"], ["/billing/runs", "/billing/collection", "/maintenance/kpis"]),
    ("resident", ["/my/bills"], ["/billing/runs", "/maintenance/queue"]),
])
def test_menu_follows_the_permission_tables(app, world, user, shown, hidden):
    nav = text(logged_in(app.test_client(), user).get("/"))
    nav = nav[nav.index('class="mainnav"'):nav.index("</nav>")]
    for href in shown:
        assert f'href="{href}"' in nav, (user, href)
    for href in hidden:
        assert f'href="{href}"' not in nav, (user, href)


def test_anonymous_home_goes_to_login(client):
    response = client.get("/")
    assert response.status_code in (302, 401)
