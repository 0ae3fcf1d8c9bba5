"""The elevators page a page at a time: filtered by estate, by state (stopped as the homes count
them, or with work due within a week) and to one elevator; the manager's home tiles open the
filtered list; someone else's estate or elevator answers 404. On tests/home/fixtures.py's world
(today Thu 12 March 2026) with its lapsed lift TZ-2025-001 and six more (add_six_elevators):
stopped = TZ-2025-001, A-3, A-5 (lapsed) and A-4 (failed); due = TZ-2025-001 (maintenance on
14 March) and A-3 (an inspection order a week overdue)."""
from __future__ import annotations

import re

import pytest

from pms.maintenance import views
from pms.maintenance.services import equipment
from pms.maintenance.services import overview as maintenance
from tests.home.fixtures import TODAY, add_six_elevators, build, principal
from tests.web import logged_in, text

ALL = ["TZ-2025-001", "A-1", "A-2", "A-3", "A-5", "A-4", "B-1"]  # estate code, then id order


@pytest.fixture
def lifts(db, world, clock):
    home = build(db, world, clock)
    found = add_six_elevators(db, world, home.lift.estate_id)
    db.commit()
    return {"lift": home.lift, **found}


def _numbers(views_):
    return [v.registration_number for v in views_]


def test_the_filters_list_what_the_homes_count(db, lifts):
    manager = principal(db, "manager")
    counts = maintenance.elevator_counts(db, manager, TODAY)
    stopped, total = equipment.elevator_page(db, manager, state="stopped", today=TODAY)
    assert (_numbers(stopped), total, counts.stopped) == (["TZ-2025-001", "A-3", "A-5", "A-4"], 4, 4)
    assert all(v.status == "stopped" for v in stopped)  # the card's badge: the same rule
    due, total = equipment.elevator_page(db, manager, state="due", today=TODAY)
    assert (_numbers(due), total, counts.due) == (["TZ-2025-001", "A-3"], 2, 2)
    everything, total = equipment.elevator_page(db, manager, today=TODAY)
    assert (_numbers(everything), total) == (ALL, 7)
    # A page: the 4th to the 6th, and the total still counts them all; the stopped ones too.
    assert equipment.elevator_page(db, manager, limit=3, offset=3, today=TODAY) == (everything[3:6], 7)
    assert _numbers(equipment.elevator_page(db, manager, state="stopped", limit=3, offset=3, today=TODAY)[0]) == \
        ["A-4"]
    one, total = equipment.elevator_page(db, manager, elevator_id=lifts["failed"].id, today=TODAY)
    assert (_numbers(one), total) == (["A-4"], 1)
    # Another company's manager sees none of them.
    other = principal(db, "other_manager")
    assert equipment.elevator_page(db, other, state="stopped", today=TODAY) == ([], 0)
    assert equipment.elevator_page(db, other, elevator_id=lifts["failed"].id, today=TODAY) == ([], 0)


def test_the_page_filters_and_pages(client, lifts, monkeypatch):
    monkeypatch.setattr(views, "ELEVATOR_PAGE_SIZE", 3)
    manager = logged_in(client, "manager")
    home = manager.get("/").get_data(as_text=True)
    assert 'href="/maintenance/elevators?state=stopped"' in home and 'href="/maintenance/elevators?state=due"' in home
    html = text(manager.get("/maintenance/elevators?state=stopped"))
    assert "共 4 部电梯。 显示第 1–3 项" in html and "第 1 / 2 页" in html
    assert 'rel="next" href="/maintenance/elevators?state=stopped&amp;page=2"' in html
    assert re.findall(r'data-elevator="([^"]+)"', html) == ["TZ-2025-001", "A-3", "A-5"]
    assert html.count('class="badge stopped"') == 3
    page2 = text(manager.get("/maintenance/elevators?state=stopped&page=2"))
    assert re.findall(r'data-elevator="([^"]+)"', page2) == ["A-4"] and "显示第 4–4 项" in page2
    due = text(manager.get("/maintenance/elevators?state=due&estate=YJL"))
    assert re.findall(r'data-elevator="([^"]+)"', due) == ["TZ-2025-001", "A-3"] and "共 2 部电梯。" in due
    one = text(manager.get(f"/maintenance/elevators?elevator={lifts['new'].id}"))
    assert re.findall(r'data-elevator="([^"]+)"', one) == ["B-1"] and 'href="/maintenance/elevators">' in one
    # The open work orders say which elevator each is for, and open it.
    assert f'href="/maintenance/elevators?elevator={lifts["lapsed"].id}#elevator-{lifts["lapsed"].id}"' in one
    # Unknown state: the page's defaults with the message, 422; someone else's estate or elevator: 404.
    bad = manager.get("/maintenance/elevators?state=broken")
    assert bad.status_code == 422 and re.findall(r'data-elevator="([^"]+)"', text(bad)) == ALL[:3]
    assert manager.get("/maintenance/elevators?estate=HXY").status_code == 404
    other = logged_in(client.application.test_client(), "other_manager")
    assert other.get(f"/maintenance/elevators?elevator={lifts['new'].id}").status_code == 404
    assert "共 0 部电梯。" in text(other.get("/maintenance/elevators?state=stopped"))


def test_a_refused_certificate_shows_its_elevator_with_the_form_open(client, lifts, monkeypatch):
    monkeypatch.setattr(views, "ELEVATOR_PAGE_SIZE", 3)
    manager = logged_in(client, "manager")
    new = lifts["new"].id  # B-1: the last of seven, not on the first page
    bad = manager.post(f"/maintenance/elevators/{new}/certificates",
                       data={"number": "DT-1", "issued_on": "2026-03-01", "issuer": ""})
    assert bad.status_code == 422
    html = text(bad)
    assert re.findall(r'data-elevator="([^"]+)"', html) == ["B-1"] and "<details open>" in html
    done = manager.post(f"/maintenance/elevators/{new}/certificates",
                        data={"number": "DT-1", "issued_on": "2026-03-01", "issuer": "北京市特种设备检验检测研究院"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/maintenance/elevators?elevator={new}"
                                                                         f"#elevator-{new}")
    assert "DT-1" in text(manager.get(done.headers["Location"]))
