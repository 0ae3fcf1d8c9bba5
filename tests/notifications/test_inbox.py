"""The caller's in-app notifications: the page `/maintenance/notifications` (mark all read) and
`GET /api/v1/notifications`, `POST /api/v1/notifications/{id}/read` — each user sees only their own."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pms.core.db import get_session
from pms.core.notifications import Message, notify
from tests.factories import bearer
from tests.web import logged_in, text

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def notes(app, world):
    """Two notifications for the manager (the newer one with a link), one for another company's manager."""
    with app.app_context():
        s = get_session()
        users = world.users
        notify(s, [Message(users["manager"].id, "sla_breach", "请求 #1 响应超时", body="older")], now=T0)
        notify(s, [Message(users["manager"].id, "sla_breach", "请求 #2 响应超时", body="newer",
                           link="/maintenance/tickets/2")], now=T0 + timedelta(minutes=5))
        notify(s, [Message(users["other_manager"].id, "sla_breach", "和兴园请求超时")], now=T0)
        s.commit()


def test_api_lists_own_notifications_newest_first_and_marks_one_read(client, world, notes):
    manager, other = bearer(client, "manager"), bearer(client, "other_manager")
    body = client.get("/api/v1/notifications", headers=manager).get_json()
    assert [n["title"] for n in body["items"]] == ["请求 #2 响应超时", "请求 #1 响应超时"]
    assert body["unread"] == 2
    assert body["items"][0]["link"] == "/maintenance/tickets/2" and body["items"][0]["read_at"] is None
    assert body["items"][1]["created_at"] == "2026-03-02T01:00:00Z"
    newest = body["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{newest}/read", headers=other).status_code == 404
    r = client.post(f"/api/v1/notifications/{newest}/read", headers=manager)
    assert (r.status_code, r.get_json()) == (200, {"ok": True})
    body = client.get("/api/v1/notifications", headers=manager).get_json()
    assert body["unread"] == 1 and body["items"][0]["read_at"] is not None
    assert [n["title"] for n in client.get("/api/v1/notifications", headers=other).get_json()["items"]] == \
        ["和兴园请求超时"]


def test_page_lists_own_notifications_and_marks_all_read(app, world, notes):
    client = logged_in(app.test_client(), "manager")
    html = text(client.get("/maintenance/notifications"))
    assert "请求 #1 响应超时" in html and '<a href="/maintenance/tickets/2">请求 #2 响应超时</a>' in html
    assert "和兴园请求超时" not in html
    assert html.count('class="card unread"') == 2
    assert 'action="/maintenance/notifications/read"' in html
    assert 'href="/maintenance/notifications"' in html  # the repairs navigation links the page
    r = client.post("/maintenance/notifications/read")
    assert r.status_code == 302 and r.headers["Location"].endswith("/maintenance/notifications")
    assert 'class="card unread"' not in text(client.get("/maintenance/notifications"))
    other = bearer(app.test_client(), "other_manager")
    assert app.test_client().get("/api/v1/notifications", headers=other).get_json()["unread"] == 1


def test_auditor_page_has_no_mark_all_read_button(app, world, notes):
    with app.app_context():
        s = get_session()
        notify(s, [Message(world.users["auditor"].id, "report", "月报已生成")])
        s.commit()
    html = text(logged_in(app.test_client(), "auditor").get("/maintenance/notifications"))
    assert "月报已生成" in html and "/maintenance/notifications/read" not in html


def test_page_needs_a_login(client, world):
    r = client.get("/maintenance/notifications")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
