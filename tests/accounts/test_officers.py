"""Programme officers (role `officer`): linked to a district like auditors, the same read scope,
their own account looked after like an auditor's, no other writes."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pms.accounts import services
from pms.accounts.models import User
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.estates.models import District
from tests.factories import bearer
from tests.web import logged_in

PASSWORD = "Gulou-dongdajie-1953"


def _create(runner, username, *district):
    return runner.invoke(args=["users", "create", username, "--role", "officer", *district,
                               "--password-stdin"], input=PASSWORD + "\n")


def test_an_officer_of_dongcheng_by_cli(app, runner):
    result = _create(runner, "off1", "--district", "110101")
    assert result.exit_code == 0, result.output
    assert "user off1 (officer) created" in result.output
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.username == "off1"))
        assert (user.role, session.get(District, user.district_id).code) == ("officer", "110101")
    client = app.test_client()
    me = client.get("/api/v1/me", headers=bearer(client, "off1", PASSWORD)).get_json()
    assert me["role"] == "officer"


@pytest.mark.parametrize("district,message", [
    ((), "district: Programme officer accounts need a district."),
    (("--district", "999999"), "district: Unknown district 999999."),
])
def test_an_officer_needs_a_known_district(app, runner, district, message):
    result = _create(runner, "off1", *district)
    assert result.exit_code == 1
    assert message in result.output
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(User)) == 0


def test_the_service_names_the_field(app, db):
    with pytest.raises(Invalid) as exc_info:
        services.create_user(db, username="off", password=PASSWORD, role="officer")
    assert exc_info.value.fields == {"district": ["Programme officer accounts need a district."]}


def test_the_database_refuses_an_officer_without_a_district(app, db):
    from sqlalchemy.exc import IntegrityError

    db.add(User(username="off", password_hash="x", role="officer"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_an_officer_reads_the_district_like_an_auditor(client, world):
    for user, estates in (("officer", ["YJL"]), ("other_officer", ["HXY"])):
        headers = bearer(client, user)
        assert [e["code"] for e in client.get("/api/v1/estates", headers=headers).get_json()["items"]] == estates
    headers = bearer(client, "officer")
    assert client.get("/api/v1/estates/HXY", headers=headers).status_code == 404
    assert client.get("/api/v1/rooms/YJL-3-2-501", headers=headers).status_code == 200
    assert client.get("/api/v1/rooms/HXY-1-1-101", headers=headers).status_code == 404


def test_an_officer_changes_no_company_data_but_looks_after_their_account(client, world):
    headers = bearer(client, "officer")
    for path, body in (("/api/v1/tickets", {"room": "YJL-3-2-501", "category": "plumbing",
                                             "description": "漏水", "urgency": "normal"}),
                       ("/api/v1/payments", {"room": "YJL-3-2-501", "amount_fen": 100, "channel": "cash",
                                             "reference": "", "idempotency_key": "k1"}),
                       ("/api/v1/billing-runs", {"estate": "YJL", "period": "2026-01"})):
        reply = client.post(path, json=body, headers=headers)
        assert reply.status_code == 403, (path, reply.get_json())
    logged_in(client, "officer")
    assert client.post("/maintenance/tickets", data={}).status_code == 403
    token_id = client.get("/api/v1/auth/tokens", headers=headers).get_json()["items"][0]["id"]
    assert client.application.test_client().delete(f"/api/v1/auth/tokens/{token_id}",
                                                    headers=headers).status_code == 204


def test_no_manager_looks_after_an_officer(client, world):
    logged_in(client, "manager")
    assert client.post("/users/officer/unlock").status_code == 404
