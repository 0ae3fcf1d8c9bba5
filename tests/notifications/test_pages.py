"""The manager's outbox page and `GET /api/v1/outbox`: scoped, role-checked, retry with CSRF."""
from __future__ import annotations

import pytest

from pms.core.notifications import OutboxItem
from tests.factories import bearer
from tests.notifications.conftest import queue, row, send
from tests.web import csrf_token, logged_in, text


@pytest.fixture
def refused(app, world, smtp):
    """A permanently refused e-mail of each company's estate, one retrying, one sent."""
    smtp.reply("gone@example.test", "550 5.1.1 no such mailbox")
    smtp.reply("hxy-gone@example.test", "550 5.1.1 no such mailbox")
    smtp.reply("busy@example.test", "451 4.3.0 try later")
    ids = queue(app,
                OutboxItem(subject="云景里停水通知", body="b", to_address="gone@example.test", estate_id=world.yjl.id),
                OutboxItem(subject="和兴园停电通知", body="b", to_address="hxy-gone@example.test", estate_id=world.hxy.id),
                OutboxItem(subject="云景里电梯检修", body="b", to_address="busy@example.test", estate_id=world.yjl.id),
                OutboxItem(subject="云景里已送达", body="b", to_address="ok@example.test", estate_id=world.yjl.id))
    summary = send(app)
    assert (summary.failed, summary.retrying, summary.sent) == (2, 1, 1)
    return dict(zip(["yjl", "hxy", "retrying", "sent"], ids))


def test_manager_sees_failed_and_retrying_messages_of_their_estates(app, world, refused):
    page = logged_in(app.test_client(), "manager").get("/outbox")
    assert page.status_code == 200
    html = text(page)
    assert "云景里停水通知" in html and "SMTP 550: 5.1.1 no such mailbox" in html
    assert "云景里电梯检修" in html and "SMTP 451" in html
    assert "和兴园停电通知" not in html          # another company's estate
    assert "云景里已送达" not in html              # sent: not by default
    assert f'action="/outbox/{refused["yjl"]}/retry"' in html
    sent = text(logged_in(app.test_client(), "manager").get("/outbox?status=sent"))
    assert "云景里已送达" in sent and "云景里停水通知" not in sent


def test_other_company_manager_sees_only_their_own(app, world, refused):
    html = text(logged_in(app.test_client(), "other_manager").get("/outbox?status=failed"))
    assert "和兴园停电通知" in html and "云景里" not in html


def test_admin_sees_every_estate(app, world, refused):
    html = text(logged_in(app.test_client(), "admin").get("/outbox"))
    assert "和兴园停电通知" in html and "云景里停水通知" in html


@pytest.mark.parametrize("user", ["finance", "tech", "carer", "resident", "auditor", "other_resident"])
def test_other_roles_may_not_open_the_page_or_retry(app, world, refused, user):
    client = logged_in(app.test_client(), user)
    assert client.get("/outbox").status_code == 403
    assert client.post(f"/outbox/{refused['yjl']}/retry").status_code == 403
    assert row(app, refused["yjl"]).failed_at is not None


def test_retry_button_requeues_and_the_next_run_sends(csrf_app, world, refused, smtp, clock):
    app = csrf_app
    client = logged_in(app.test_client(), "manager")
    page = client.get("/outbox?status=failed")
    token = csrf_token(text(page))
    assert token
    # without the token the form is refused
    assert client.post(f"/outbox/{refused['yjl']}/retry").status_code == 400
    assert row(app, refused["yjl"]).failed_at is not None

    response = client.post(f"/outbox/{refused['yjl']}/retry", data={"csrf_token": token, "status": "failed"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/outbox?status=failed")
    stored = row(app, refused["yjl"])
    assert stored.failed_at is None and stored.attempts == 0 and stored.next_attempt_at is None
    assert "云景里停水通知" not in text(client.get("/outbox?status=failed"))

    smtp.accept("gone@example.test")  # the mailbox exists now
    assert send(app).sent == 1
    assert [r.message["Subject"] for r in smtp.received].count("云景里停水通知") == 1
    assert row(app, refused["yjl"]).sent_at is not None


def test_retry_of_another_company_message_is_404(app, world, refused):
    client = logged_in(app.test_client(), "manager")
    assert client.post(f"/outbox/{refused['hxy']}/retry").status_code == 404
    assert client.post("/outbox/999999/retry").status_code == 404
    assert row(app, refused["hxy"]).failed_at is not None


def test_retry_of_a_sent_message_is_409(app, world, refused):
    client = logged_in(app.test_client(), "manager")
    assert client.post(f"/outbox/{refused['sent']}/retry").status_code == 409


def test_retry_is_audited(app, world, refused, db):
    from sqlalchemy import select

    from pms.core.models import AuditEntry

    logged_in(app.test_client(), "manager").post(f"/outbox/{refused['yjl']}/retry")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "outbox.retry")).one()
    assert (entry.actor, entry.object_id) == ("manager", str(refused["yjl"]))


# ---- API -------------------------------------------------------------------------------------

def test_api_lists_failed_messages_in_scope(app, world, refused):
    client = app.test_client()
    reply = client.get("/api/v1/outbox?status=failed", headers=bearer(client, "manager"))
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["id"] == refused["yjl"] and item["status"] == "failed" and item["estate"] == "YJL"
    assert item["to_address"] == "gone@example.test" and item["attempts"] == 1
    assert item["last_error"] == "SMTP 550: 5.1.1 no such mailbox"
    assert item["failed_at"].endswith("Z") and "body" not in item

    retrying = client.get("/api/v1/outbox?status=retrying", headers=bearer(client, "manager")).get_json()
    assert [i["id"] for i in retrying["items"]] == [refused["retrying"]]
    assert retrying["items"][0]["next_attempt_at"].endswith("Z")

    everything = client.get("/api/v1/outbox", headers=bearer(client, "other_manager")).get_json()
    assert [i["id"] for i in everything["items"]] == [refused["hxy"]]


@pytest.mark.parametrize("user", ["finance", "tech", "carer", "resident", "auditor"])
def test_api_other_roles_403(app, world, refused, user):
    client = app.test_client()
    headers = bearer(client, user)
    assert client.get("/api/v1/outbox?status=failed", headers=headers).status_code == 403
    assert client.get("/api/v1/outbox?status=nonsense", headers=headers).status_code == 403
    assert client.post(f"/api/v1/outbox/{refused['yjl']}/retry", headers=headers).status_code == 403


def test_api_errors(app, world, refused):
    client = app.test_client()
    assert client.get("/api/v1/outbox").status_code == 401
    headers = bearer(client, "manager")
    bad = client.get("/api/v1/outbox?status=lost", headers=headers)
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/outbox?offset={2 ** 64}", headers=headers).status_code == 422
    assert client.post(f"/api/v1/outbox/{refused['hxy']}/retry", headers=headers).status_code == 404
    assert client.post(f"/api/v1/outbox/{2 ** 70}/retry", headers=headers).status_code == 404
    ok = client.post(f"/api/v1/outbox/{refused['yjl']}/retry", headers=headers)
    assert ok.status_code == 200 and ok.get_json()["status"] == "queued"


def test_openapi_documents_the_outbox(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/outbox"]["get"]
    assert any(p.get("name") == "status" for p in operation["parameters"])
    assert "/api/v1/outbox/{id}/retry" in spec["paths"]
