"""Estate pages: every role against estate list/detail, room search and room pages."""
import re

import pytest

from tests import factories as f
from tests.estates.matrix import ALL, ESTATES, ROOMS
from tests.web import logged_in, text

RESIDENTS = {"resident", "other_resident"}
ROOM_LINK = re.compile(r'href="/rooms/([A-Z0-9-]+)"')


def room_links(response) -> set[str]:
    return set(ROOM_LINK.findall(text(response)))


def test_anonymous_is_sent_to_login(client, world):
    for url in ["/", "/estates", "/estates/YJL", "/estates/NOPE", "/rooms", "/rooms?q=501",
                "/rooms?estate=YJL&building=3", "/rooms/YJL-3-2-501", "/rooms/NOPE", "/my/rooms"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url


@pytest.mark.parametrize("user", ALL)
def test_estate_list_shows_only_estates_in_scope(client, world, user):
    response = logged_in(client, user).get("/estates")
    assert response.status_code == 200
    shown = set(re.findall(r'href="/estates/([A-Z]+)"', text(response)))
    assert shown == ESTATES[user]


@pytest.mark.parametrize("user", ALL)
def test_estate_page_in_scope_200_else_404(client, world, user):
    client = logged_in(client, user)
    for estate in ["YJL", "HXY", "NOPE"]:
        response = client.get(f"/estates/{estate}")
        assert response.status_code == (200 if estate in ESTATES[user] else 404), estate


@pytest.mark.parametrize("user", ALL)
def test_room_page_in_scope_200_else_404(client, world, user):
    client = logged_in(client, user)
    for room in ["YJL-3-2-501", "YJL-3-2-502", "HXY-1-1-101", "YJL-9-9-999"]:
        response = client.get(f"/rooms/{room}")
        assert response.status_code == (200 if room in ROOMS[user] else 404), room
        if response.status_code == 200:
            assert room in text(response)
        else:
            # Nothing of the foreign room leaks: not its owner, not its code.
            assert "王五" not in text(response) and "李四" not in text(response)
            assert room not in text(response).replace(f"/rooms/{room}?lang=", "")


@pytest.mark.parametrize("user", ALL)
def test_room_list_is_scoped(client, world, user):
    response = logged_in(client, user).get("/rooms")
    assert response.status_code == 200
    assert room_links(response) == ROOMS[user]


@pytest.mark.parametrize("user", ALL)
def test_search_finds_only_rooms_in_scope(client, world, user):
    client = logged_in(client, user)
    for query, room in [("张三", "YJL-3-2-501"), ("13912345678", "YJL-3-2-501"),
                        ("3-2-502", "YJL-3-2-502"), ("王五", "HXY-1-1-101")]:
        response = client.get("/rooms", query_string={"q": query})
        assert response.status_code == 200
        # Auditors and officers see phones masked and search only what they see (test_search_masking.py).
        hidden = query.isdigit() and ("auditor" in user or "officer" in user)
        assert room_links(response) == (set() if hidden else {room} & ROOMS[user]), query


@pytest.mark.parametrize("user", ALL)
def test_building_and_entrance_lists(client, world, user):
    """Staff and auditors browse their estates' buildings; residents open no building at all."""
    client = logged_in(client, user)
    for place in [{"estate": "YJL"}, {"estate": "YJL", "building": "3"},
                  {"estate": "YJL", "building": "3", "entrance": "2"},
                  {"estate": "HXY", "building": "1", "entrance": "1"}]:
        response = client.get("/rooms", query_string=place)
        in_scope = place["estate"] in ESTATES[user]
        if not in_scope or (user in RESIDENTS and "building" in place):
            assert response.status_code == 404, place
        else:
            assert response.status_code == 200, place
            assert room_links(response) == {r for r in ROOMS[user] if r.startswith(place["estate"])}


def test_unknown_or_incomplete_place(client, world):
    client = logged_in(client, "manager")
    for place, status in [({"estate": "YJL", "building": "9"}, 404),
                          ({"estate": "YJL", "building": "3", "entrance": "9"}, 404),
                          ({"building": "3"}, 422), ({"estate": "YJL", "entrance": "2"}, 422)]:
        assert client.get("/rooms", query_string=place).status_code == status, place


def test_estate_page_shows_buildings_and_entrances(client, world):
    page = text(logged_in(client, "manager").get("/estates/YJL"))
    assert "3号楼" in page and "2单元" in page
    assert 'href="/rooms?estate=YJL&amp;building=3&amp;entrance=2"' in page
    assert "2 户" in page  # two rooms in entrance 3-2


def test_resident_estate_page_lists_only_own_rooms(client, world):
    response = logged_in(client, "resident").get("/estates/YJL")
    assert response.status_code == 200
    assert room_links(response) == {"YJL-3-2-501"}
    assert "3号楼" not in text(response)


def test_room_page_for_staff_shows_everything(client, world):
    page = text(logged_in(client, "manager").get("/rooms/YJL-3-2-501"))
    for expected in ["云景里 3号楼2单元501室", "YJL-3-2-501", "86.55 平方米", "住宅", "张三",
                     'href="tel:13912345678"', "11010519491231002X"]:
        assert expected in page


def test_auditor_sees_masked_id_and_phone_and_no_write_controls(client, world):
    client = logged_in(client, "auditor")
    for url in ["/estates", "/estates/YJL", "/rooms", "/rooms?estate=YJL&building=3&entrance=2",
                "/rooms/YJL-3-2-501", "/rooms?q=张三"]:
        page = text(client.get(url))
        assert "11010519491231002X" not in page and "13912345678" not in page, url
        # The only form that posts is "log out": an auditor gets no write controls.
        assert re.findall(r'<form[^>]*method="post"[^>]*>', page) == \
            ['<form method="post" action="/logout" class="inline">'], url
    page = text(client.get("/rooms/YJL-3-2-501"))
    assert "110105********002X" in page and "139****5678" in page and "只读" in page


def test_resident_sees_own_room_with_masked_id_number(client, world):
    page = text(logged_in(client, "resident").get("/rooms/YJL-3-2-501"))
    assert "110105********002X" in page and "11010519491231002X" not in page


def test_home_is_each_roles_own_page_and_my_rooms_is_the_residents(client, world):
    home = logged_in(client, "resident").get("/")
    assert home.status_code == 200 and 'href="/my/rooms"' in text(home)
    client.post("/logout")
    assert logged_in(client, "auditor").get("/").status_code == 200
    assert client.get("/my/rooms").headers["Location"] == "/estates"


def test_my_home_shows_only_the_residents_rooms(client, world):
    response = logged_in(client, "resident").get("/my/rooms")
    page = text(response)
    assert response.status_code == 200
    assert "我的家" in page and "YJL-3-2-501" in page and "张三" in page
    assert "YJL-3-2-502" not in page and "李四" not in page and "HXY" not in page


def test_navigation_depends_on_the_role(client, world):
    resident = text(logged_in(client, "resident").get("/my/rooms"))
    nav = re.search(r'<nav class="mainnav".*?</nav>', resident, re.S).group(0)
    assert 'href="/my/rooms"' in nav and 'href="/estates"' not in nav and 'href="/rooms"' not in nav
    client.post("/logout")
    staff = text(logged_in(client, "finance").get("/estates"))
    nav = re.search(r'<nav class="mainnav".*?</nav>', staff, re.S).group(0)
    assert 'href="/estates"' in nav and 'href="/rooms"' in nav and 'href="/my/rooms"' not in nav


@pytest.fixture
def big_entrance(app, world):
    """Entrance 4-1 of YJL with 33 rooms (ROOMS_PER_PAGE is 30)."""
    from pms.core.db import get_session

    with app.app_context():
        s = get_session()
        estate = s.merge(world.yjl)
        for floor in range(1, 12):
            for n in range(1, 4):
                f.make_room(s, estate, "4", "1", f"{floor}{n:02d}", owner=(f"业主{floor}{n:02d}", "", None))
        s.commit()


def test_room_list_pages(client, world, big_entrance):
    client = logged_in(client, "manager")
    url = "/rooms?estate=YJL&building=4&entrance=1"
    first = client.get(url)
    assert first.status_code == 200
    codes = ROOM_LINK.findall(text(first))
    # From the ground floor up, numbers in numeric order (not 1001 before 101).
    assert codes[:4] == ["YJL-4-1-101", "YJL-4-1-102", "YJL-4-1-103", "YJL-4-1-201"]
    assert codes[-1] == "YJL-4-1-1003" and len(codes) == 30
    page = text(first)
    assert "33 户" in page and "第 1 / 2 页" in page and "显示第 1–30 项" in page
    assert 'href="/rooms?estate=YJL&amp;building=4&amp;entrance=1&amp;page=2"' in page
    second = client.get(url + "&page=2")
    assert ROOM_LINK.findall(text(second)) == ["YJL-4-1-1101", "YJL-4-1-1102", "YJL-4-1-1103"]
    assert room_links(first).isdisjoint(room_links(second))
    assert "第 2 / 2 页" in text(second) and "page=1" in text(second)
    beyond = client.get(url + "&page=3")
    assert beyond.status_code == 200 and room_links(beyond) == set()


def test_bad_page_number_is_a_422_page(client, world):
    client = logged_in(client, "manager")
    for page in ["0", "-1", "abc", "1000001"]:
        response = client.get(f"/rooms?page={page}")
        assert response.status_code == 422, page
        assert "请检查填写的内容" in text(response) and "Traceback" not in text(response)


def test_an_estates_rooms_come_in_natural_order(app, client, world):
    """Building 2 before building 10, room 901 before 1001 — as people count, not as text sorts."""
    from pms.core.db import get_session

    with app.app_context():
        s = get_session()
        estate = s.merge(world.yjl)
        for building, number in [("10", "101"), ("2", "1001"), ("2", "901")]:
            f.make_room(s, estate, building, "1", number, owner=(f"业主{building}{number}", "", None))
        s.commit()
    codes = ROOM_LINK.findall(text(logged_in(client, "manager").get("/rooms?estate=YJL")))
    ours = [c for c in codes if c in {"YJL-10-1-101", "YJL-2-1-1001", "YJL-2-1-901"}]
    assert ours == ["YJL-2-1-901", "YJL-2-1-1001", "YJL-10-1-101"]


def test_the_estate_list_is_paged_in_natural_order_counting_only_the_page(client, world, db, monkeypatch):
    """E2 before E10 (natural order), 2 a page; each estate's rooms are its own (YJL 2, HXY 1)."""
    from sqlalchemy import select

    from pms.estates import services, views
    from pms.estates.models import Estate
    from tests.home.fixtures import principal

    yjl = db.scalar(select(Estate).where(Estate.code == "YJL"))
    for code in ("E10", "E2"):
        estate = Estate(code=code, name=f"小区{code}", company_id=yjl.company_id, district_id=yjl.district_id,
                        street_id=yjl.street_id)
        db.add(estate)
    db.commit()
    summaries, total = services.estate_page(db, principal(db, "admin"), limit=2, offset=2)
    assert ([(e.code, e.rooms, e.buildings) for e in summaries], total) == ([("HXY", 1, 1), ("YJL", 2, 1)], 4)
    assert services.estate_page(db, principal(db, "manager"), limit=2) == (
        services.list_estates(db, principal(db, "manager"), codes=["E2", "E10"]), 3)  # YJL and its company's two
    monkeypatch.setattr(views, "ESTATES_PER_PAGE", 2)
    admin = logged_in(client, "admin")
    pages = [text(admin.get(f"/estates?page={n}")) for n in (1, 2, 3)]
    assert [re.findall(r'href="/estates/([A-Z0-9]+)"', p) for p in pages] == [["E2", "E10"], ["HXY", "YJL"], []]
    assert "第 2 / 2 页" in pages[1] and "显示第 3–4 项" in pages[1]
    assert admin.get("/estates?page=0").status_code == 422
