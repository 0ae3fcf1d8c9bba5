"""The repair queue's filters (status, urgency, category, estate, assignee, search), its pages and
the history shown by display name. Tickets are made by hand; each filter must return exactly them."""
from __future__ import annotations

import re

import pytest

from pms.accounts.services import build_principal, find_user
from pms.maintenance.services import tickets
from tests import factories as f
from tests.maintenance.test_views import login


@pytest.fixture
def queue_world(app, db, world, clock):
    """Five YJL tickets and one of HXY; technicians 'tech' (no display name) and 'zhao' (赵师傅).

    T1 YJL-3-2-501 plumbing  urgent    submitted            "厨房水管漏水"
    T2 YJL-3-2-502 electrical emergency assigned to zhao    "插座冒烟"
    T3 YJL-3       roof_leak normal    assigned to tech     "楼顶漏雨"  (a common place)
    T4 YJL-3-2-501 plumbing  normal    cancelled            "马桶堵了"
    T5 YJL-12-1-101 elevator urgent    accepted             "电梯异响"
    H1 HXY-1-1-101 plumbing  urgent    submitted            "厨房水管漏水"  (someone else's estate)
    """
    room12 = f.make_room(db, world.yjl, "12", "1", "101", owner=None)
    f.make_user(db, "zhao", "technician", company=world.acme)
    find_user(db, "zhao").display_name = "赵师傅"
    find_user(db, "manager").display_name = "钱经理"
    db.commit()
    with app.test_request_context():
        p = {u: build_principal(db, find_user(db, u))
             for u in ("resident", "manager", "other_resident", "other_manager")}

        def new(who, category, urgency, text, **where):
            return tickets.create_ticket(db, p[who], category=category, description=text, urgency=urgency,
                                         **where)

        t1 = new("resident", "plumbing", "urgent", "厨房水管漏水", room="YJL-3-2-501")
        t2 = new("manager", "electrical", "emergency", "插座冒烟", room="YJL-3-2-502")
        tickets.transition(db, p["manager"], t2, "accepted")
        tickets.transition(db, p["manager"], t2, "assigned", technician="zhao")
        t3 = new("manager", "roof_leak", "normal", "楼顶漏雨", location={"estate": "YJL", "building": "3"})
        tickets.transition(db, p["manager"], t3, "accepted")
        tickets.transition(db, p["manager"], t3, "assigned", technician="tech")
        t4 = new("resident", "plumbing", "normal", "马桶堵了", room="YJL-3-2-501")
        tickets.transition(db, p["resident"], t4, "cancelled")
        t5 = new("manager", "elevator", "urgent", "电梯异响", room=room12.code)
        tickets.transition(db, p["manager"], t5, "accepted")
        h1 = new("other_resident", "plumbing", "urgent", "厨房水管漏水", room="HXY-1-1-101")
        db.commit()
        return {"T1": t1.id, "T2": t2.id, "T3": t3.id, "T4": t4.id, "T5": t5.id, "H1": h1.id}


def shown(client, query: str = "") -> set[int]:
    response = client.get("/maintenance/queue" + query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return {int(n) for n in re.findall(r'data-ticket="(\d+)"', response.get_data(as_text=True))}


def ids(t: dict, *names: str) -> set[int]:
    return {t[n] for n in names}


@pytest.mark.parametrize("query, expected", [
    ("", ("T1", "T2", "T3", "T5")),                      # open ones only by default
    ("?status=all", ("T1", "T2", "T3", "T4", "T5")),
    ("?all=1", ("T1", "T2", "T3", "T4", "T5")),          # the old link still works
    ("?status=cancelled", ("T4",)),
    ("?status=assigned", ("T2", "T3")),
    ("?urgency=urgent", ("T1", "T5")),
    ("?urgency=emergency", ("T2",)),
    ("?category=plumbing", ("T1",)),
    ("?category=plumbing&status=all", ("T1", "T4")),
    ("?assignee=zhao", ("T2",)),
    ("?assignee=tech", ("T3",)),
    ("?assignee=none", ("T1", "T5")),
    ("?estate=YJL", ("T1", "T2", "T3", "T5")),
    ("?q=漏", ("T1", "T3")),                             # words of the request
    ("?q=3-2-501&status=all", ("T1", "T4")),             # a room code's tail
    ("?q=YJL-12", ("T5",)),
    ("?status=open&urgency=urgent&category=elevator&estate=YJL&assignee=none", ("T5",)),
    ("?urgency=&category=&estate=&assignee=&q=", ("T1", "T2", "T3", "T5")),  # the form's blanks
    ("?q=%25&status=all", ()),                           # '%' and '_' are letters, not wildcards
    ("?q=_&status=all", ()),
])
def test_each_filter_returns_exactly_its_tickets(client, queue_world, query, expected):
    login(client, "manager")
    assert shown(client, query) == ids(queue_world, *expected)


def test_search_by_ticket_number(client, queue_world):
    login(client, "manager")
    t5 = queue_world["T5"]
    assert t5 in shown(client, f"?q=%23{t5}") and t5 in shown(client, f"?q={t5}")
    assert shown(client, f"?q=%23{t5}") <= {t5} | ids(queue_world, "T1", "T2", "T3")  # digits may also match codes


def test_someone_elses_estate_never_appears(client, queue_world):
    login(client, "manager")
    assert queue_world["H1"] not in shown(client, "?status=all")
    assert shown(client, "?estate=HXY") == set()
    assert queue_world["H1"] not in shown(client, f"?q=%23{queue_world['H1']}&status=all")
    assert queue_world["H1"] not in shown(client, "?q=厨房水管漏水")
    login(client, "other_manager")
    assert shown(client, "?status=all") == {queue_world["H1"]}
    assert shown(client, "?estate=YJL&status=all") == set()


@pytest.mark.parametrize("query", ["?status=done", "?urgency=high", "?category=roof", "?page=0", "?page=x",
                                   "?q=" + "x" * 101])
def test_bad_filter_values_are_refused_clearly(client, queue_world, query):
    login(client, "manager")
    response = client.get("/maintenance/queue" + query)
    assert response.status_code == 422


def test_filters_are_kept_in_the_form_and_the_technicians_by_name(client, queue_world):
    login(client, "manager")
    html = client.get("/maintenance/queue?urgency=emergency&assignee=zhao&q=冒烟").get_data(as_text=True)
    assert '<option value="emergency" selected>' in html
    assert '<option value="zhao" selected>赵师傅</option>' in html
    assert 'name="q" value="冒烟"' in html
    row = html[html.index(f'data-ticket="{queue_world["T2"]}"'):]
    assert "赵师傅" in row[:row.index("</tr>")]


def test_pages_keep_the_filters(client, app, db, world, queue_world, monkeypatch):
    from pms.maintenance import views

    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    login(client, "manager")
    assert shown(client, "?status=all&urgency=urgent") == ids(queue_world, "T1", "T5")  # two: one page
    html = client.get("/maintenance/queue?status=all").get_data(as_text=True)
    assert len(re.findall(r'data-ticket="', html)) == 2
    nxt = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "status=all" in nxt and "page=2" in nxt
    page3 = client.get("/maintenance/queue?status=all&page=3").get_data(as_text=True)
    assert len(re.findall(r'data-ticket="', page3)) == 1  # five tickets: 2 + 2 + 1


def test_history_shows_display_names(client, queue_world):
    login(client, "manager")
    html = client.get(f"/maintenance/tickets/{queue_world['T2']}").get_data(as_text=True)
    history = html[html.index('class="history"'):]
    assert "钱经理:" in history and "manager:" not in history
    html = client.get(f"/maintenance/tickets/{queue_world['T1']}").get_data(as_text=True)
    assert "resident:" in html[html.index('class="history"'):]  # no display name: the login stands in


def test_api_list_takes_the_same_filters(client, queue_world):
    from tests.factories import bearer

    headers = bearer(client, "manager")
    body = client.get("/api/v1/tickets?urgency=urgent&assignee=none", headers=headers).get_json()
    assert {t["id"] for t in body["items"]} == ids(queue_world, "T1", "T5")
    assert client.get("/api/v1/tickets?urgency=high", headers=headers).status_code == 422
