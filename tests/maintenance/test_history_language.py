"""History and notifications are stored as message keys and parameters and read in the reader's
language: an entry written in English reads Chinese for a zh_CN reader and English for an English one."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from pms.core import messages
from pms.core.db import get_session
from pms.core.models import Notification, OutboxMessage
from pms.maintenance.models import TicketEvent
from pms.maintenance.services import alerts

# No `db` fixture here: its app context would be shared by the test client's requests, and
# Flask-Babel keeps the first request's locale on the app context.
EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN,zh;q=0.9"}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _history(api, user, ticket_id, lang):
    body = api.client.get(f"/api/v1/tickets/{ticket_id}", headers={**api.headers(user), **lang}).get_json()
    return [(e["kind"], e["note"]) for e in body["events"]]


def _rows(app, stmt):
    with app.app_context():
        return get_session().execute(stmt).all()


def _check_sla(app, now):
    """The SLA job, outside any request (the tests run jobs in English)."""
    with app.app_context():
        session = get_session()
        count = alerts.check_sla(session, now=now)
        session.commit()
    return count


def test_ticket_history_reads_in_the_readers_language(api, app, clock):
    filed = api.client.post("/api/v1/tickets", json={
        "room": "YJL-3-2-501", "category": "plumbing", "description": "Pipe leaks", "urgency": "normal",
        "channel": "phone", "reporter_name": "Wang"}, headers={**api.headers("manager"), **EN})
    assert filed.status_code == 201, filed.get_json()
    tid = filed.get_json()["id"]
    headers = {**api.headers("manager"), **EN}
    assert api.client.post(f"/api/v1/tickets/{tid}/complaint", json={"complaint": True}, headers=headers).status_code == 200
    assert api.client.post(f"/api/v1/tickets/{tid}/notes", json={"note": "Called back, no answer"},
                           headers=headers).status_code == 201
    # stored: keys and parameters, the English text only as the fallback
    rows = _rows(app, select(TicketEvent.kind, TicketEvent.message, TicketEvent.note)
                 .where(TicketEvent.ticket_id == tid).order_by(TicketEvent.id))
    assert rows == [("transition", "maintenance.ticket.filed_by_phone", "Filed by phone call"),
                    ("complaint", "maintenance.ticket.complaint_marked", "Marked as a complaint"),
                    ("note", None, "Called back, no answer")]
    assert _history(api, "manager", tid, ZH) == [("transition", "电话报修"), ("complaint", "已标记为投诉"),
                                                  ("note", "Called back, no answer")]  # a person's words stay
    assert _history(api, "manager", tid, EN) == [("transition", "Filed by phone call"),
                                                  ("complaint", "Marked as a complaint"),
                                                  ("note", "Called back, no answer")]
    # the ticket page too: the history in the page's language
    from tests.web import logged_in, text

    page = logged_in(api.client, "manager")
    assert "电话报修" in text(page.get(f"/maintenance/tickets/{tid}?lang=zh_CN"))
    assert "Filed by phone call" in text(page.get(f"/maintenance/tickets/{tid}?lang=en"))


def test_generated_entries_render_their_parameters(api, clock):
    tid = api.file()["id"]
    api.move("manager", tid, "accepted")
    api.move("manager", tid, "assigned", technician="tech")
    r = api.post("tech", f"/api/v1/tickets/{tid}/costs", {"kind": "labour", "description": "Pipe fitting",
                                                          "quantity": 90, "unit_price_fen": 6000})
    assert r.status_code == 201, r.get_json()
    r = api.post("tech", f"/api/v1/tickets/{tid}/payer", {"payer": "owner", "amount_fen": 12550})
    assert r.status_code == 200, r.get_json()
    zh = dict(_history(api, "manager", tid, ZH))
    en = dict(_history(api, "manager", tid, EN))
    assert en["cost"] == "Labour: Pipe fitting ×90"
    assert zh["cost"] == "人工：Pipe fitting，数量 90"
    assert en["payer"] == "Payer: Owner (in-home repair), ¥125.50"
    assert zh["payer"] == "费用承担方：业主（户内维修），¥125.50"


def test_notifications_read_in_the_readers_language(api, app, clock):
    emergency = api.file(urgency="emergency")["id"]      # respond by 2026-03-02 01:30 UTC = 09:30 Beijing
    assert _check_sla(app, T0 + timedelta(minutes=31)) == 1  # a job: written in English
    [(message, params, title)] = _rows(app, select(Notification.message, Notification.params, Notification.title)
                                       .where(Notification.kind == "sla_breach"))
    assert message == "maintenance.sla_breach"
    assert params["category"] == "plumbing" and params["what"] == "respond_breach"
    assert title == f"报修 #{emergency} 超出响应时限（YJL-3-2-501）"  # the fallback: the service's language
    zh = api.client.get("/api/v1/notifications", headers={**api.headers("manager"), **ZH}).get_json()["items"][0]
    en = api.client.get("/api/v1/notifications", headers={**api.headers("manager"), **EN}).get_json()["items"][0]
    assert set(zh) == {"id", "kind", "title", "body", "link", "created_at", "read_at"}  # the contract's shape
    assert zh["title"] == f"报修 #{emergency} 超出响应时限（YJL-3-2-501）"
    assert en["title"] == f"SLA breached: response of request #{emergency} (YJL-3-2-501)"
    assert en["body"] == "Plumbing, Emergency, due 2026-03-02 09:30 (Beijing time)."  # never UTC
    assert "2026-03-02 09:30" in zh["body"] and "UTC" not in zh["body"]


def test_planned_work_notice_reads_in_the_readers_language(api, app, clock):
    r = api.client.post("/api/v1/planned-works", json={
        "estate": "YJL", "building": "3", "entrance": "2", "service": "water_kitchen",
        "starts_at": "2026-03-05T09:00:00+08:00", "ends_at": "2026-03-05T12:00:00+08:00",
        "title": "Kitchen pipes", "note": ""}, headers={**api.headers("manager"), **EN})
    assert r.status_code == 201, r.get_json()
    zh = api.client.get("/api/v1/notifications", headers={**api.headers("resident"), **ZH}).get_json()["items"]
    en = api.client.get("/api/v1/notifications", headers={**api.headers("resident"), **EN}).get_json()["items"]
    assert [n["title"] for n in en] == ["Kitchen water off at YJL-3-2"]
    assert [n["body"] for n in en] == ["Kitchen pipes: from 2026-03-05 09:00 to 2026-03-05 12:00."]
    assert [n["title"] for n in zh] == ["YJL-3-2 暂停厨房用水"]
    # the SMS leaves in the service's language, though the manager wrote in English
    sms = _rows(app, select(OutboxMessage.subject, OutboxMessage.body).where(OutboxMessage.channel == "sms"))
    assert sms and {row for row in sms} == {("YJL-3-2 暂停厨房用水",
                                             "Kitchen pipes：2026-03-05 09:00 至 2026-03-05 12:00。")}


def test_inbox_page_renders_in_the_page_language(api, app, clock, client):
    from tests.web import logged_in, text

    alerts_due = api.file(urgency="emergency")["id"]
    _check_sla(app, T0 + timedelta(minutes=31))
    logged_in(client, "manager")
    assert f"报修 #{alerts_due} 超出响应时限" in text(client.get("/maintenance/notifications?lang=zh_CN"))
    assert f"SLA breached: response of request #{alerts_due}" in text(client.get("/maintenance/notifications?lang=en"))


def test_unknown_keys_and_old_parameters_fall_back_to_the_stored_text(app):
    with app.test_request_context(headers=ZH):
        assert messages.render("maintenance.no_such_key", {"x": 1}, "as written") == "as written"
        assert messages.render(None, None, "as written") == "as written"
        assert messages.render("maintenance.ticket.reassigned", {"who": "x"}, "as written") == "as written"
        assert messages.render("maintenance.ticket.reassigned", {"name": "赵师傅"}) == "已改派给 赵师傅"
        assert messages.render("maintenance.ticket.reassigned", None, "as written") == "as written"
        assert messages.render("maintenance.planned_work", {"service": "water_kitchen", "place": "YJL-3-2",
                                                            "title": "x", "note": "", "start": "not a time",
                                                            "end": "not a time"}, "as written",
                               part="body") == "as written"


def test_the_ticket_page_names_people_by_their_display_name(api, app, clock, client):
    from pms.accounts.models import User
    from tests.web import logged_in, text

    with app.app_context():
        session = get_session()
        session.scalar(select(User).where(User.username == "tech")).display_name = "赵师傅"
        session.commit()
    tid = api.file()["id"]
    api.move("manager", tid, "accepted")
    api.move("manager", tid, "assigned", technician="tech")
    api.move("tech", tid, "in_progress")
    page = text(logged_in(client, "manager").get(f"/maintenance/tickets/{tid}?lang=zh_CN"))
    assert "赵师傅:" in page
    # the API keeps the login in `actor`
    assert "tech" in [e["actor"] for e in api.get("manager", f"/api/v1/tickets/{tid}").get_json()["events"]]
