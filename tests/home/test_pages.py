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


def test_the_districts_estates_are_listed_a_page_at_a_time(app, world, monkeypatch):
    """Three estates of the district, two per page in code order: page 2 holds the third; a page
    past the end shows the last; another district's estate is on no page."""
    from sqlalchemy import select

    from pms.core.db import get_session
    from pms.estates.models import Company, District
    from pms.home import services
    from tests import factories as f

    monkeypatch.setattr(services, "ESTATES_PER_PAGE", 2)
    with app.app_context():
        s = get_session()
        tongzhou = s.scalars(select(District).where(District.code == "110112")).one()
        acme = s.scalars(select(Company).where(Company.code == "ACME")).one()
        f.make_estate(s, "AAA", "安安苑", acme, tongzhou)
        f.make_estate(s, "ZZZ", "枣庄里", acme, tongzhou)
        s.commit()
    client = logged_in(app.test_client(), "auditor")
    first, second, past = (_main(text(client.get(p))) for p in ("/", "/?page=2", "/?page=9"))
    assert "安安苑" in first and "云景里" in first and "枣庄里" not in first
    assert "第 1–2 个小区，共 3 个" in first and "第 3–3 个小区，共 3 个" in second
    assert "枣庄里" in second and "安安苑" not in second and "云景里" not in second
    assert past == second
    assert all("和兴园" not in page for page in (first, second))
    assert client.get("/?page=0").status_code == 422
