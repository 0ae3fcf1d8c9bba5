"""GET /api/v1/bills/{number}/statement.pdf and the /bills/{number}/statement.pdf page."""
from __future__ import annotations

import pytest

from pms.core.db import get_session
from tests.factories import PASSWORD, bearer
from tests.statements import helpers as h


@pytest.fixture
def bills(app, world):
    """One January bill per world room: YJL 501 and 502 (ACME, Tongzhou), HXY 101 (OTHER, Chaoyang)."""
    with app.app_context():
        s = get_session()
        numbers = {room.code: h.make_bill(s, room, "2026-01").number
                   for room in (world.r501, world.r502, world.r101)}
        s.commit()
    return numbers


def url(number: str) -> str:
    return f"/api/v1/bills/{number}/statement.pdf"


# Who asks for which room's statement → status. Foreign (other company/district/room) → 404;
# roles without billing access → 403 on their own company's bills.
MATRIX = [
    ("admin", "HXY-1-1-101", 200),
    ("manager", "YJL-3-2-501", 200),
    ("manager", "HXY-1-1-101", 404),
    ("finance", "YJL-3-2-502", 200),
    ("tech", "YJL-3-2-501", 403),
    ("tech", "HXY-1-1-101", 404),
    ("carer", "YJL-3-2-502", 403),
    ("resident", "YJL-3-2-501", 200),
    ("resident", "YJL-3-2-502", 404),
    ("resident", "HXY-1-1-101", 404),
    ("auditor", "YJL-3-2-502", 200),
    ("auditor", "HXY-1-1-101", 404),
    ("other_auditor", "HXY-1-1-101", 200),
    ("other_auditor", "YJL-3-2-501", 404),
    ("officer", "YJL-3-2-502", 200),
    ("officer", "HXY-1-1-101", 404),
    ("other_officer", "HXY-1-1-101", 200),
    ("other_officer", "YJL-3-2-501", 404),
    ("other_manager", "HXY-1-1-101", 200),
    ("other_resident", "YJL-3-2-501", 404),
]


@pytest.mark.parametrize(("user", "room", "status"), MATRIX)
def test_role_by_resource(client, bills, pdf_tools, user, room, status):
    response = client.get(url(bills[room]), headers=bearer(client, user))
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == f'inline; filename="{bills[room]}.pdf"'
        assert response.data.startswith(b"%PDF-")
        assert bills[room] in pdf_tools.text(response.data)
    else:
        body = response.get_json()
        assert body["error"]["code"] == {403: "forbidden", 404: "not_found"}[status]
        assert set(body["error"]) == {"code", "message", "fields"}


def test_unknown_bill_is_404_json(client, bills):
    response = client.get(url("ACME-2026-999999"), headers=bearer(client, "manager"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_anonymous_is_401(client, bills):
    response = client.get(url(bills["YJL-3-2-501"]))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_authenticated"


def test_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/bills/{number}/statement.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]


def login(client, username):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_web_route_with_session_cookie(client, bills, pdf_tools):
    login(client, "resident")
    own = client.get(f"/bills/{bills['YJL-3-2-501']}/statement.pdf")
    assert own.status_code == 200
    assert own.mimetype == "application/pdf"
    assert "张*" in pdf_tools.text(own.data) and "张三" not in pdf_tools.text(own.data)


def test_web_route_needs_login(client, bills):
    response = client.get(f"/bills/{bills['YJL-3-2-501']}/statement.pdf")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("user, shown", [("resident", "张*"), ("finance", "张三"), ("manager", "张三"),
                                         ("auditor", "张*"), ("officer", "张*"), ("admin", "张三")])
def test_the_owner_s_name_is_masked_for_anyone_but_staff(client, bills, pdf_tools, user, shown):
    """Staff see the owner's name; everyone else (the room's residents, who may be tenants or
    relatives; auditors and officers, who read the figures) sees it masked."""
    from tests.factories import bearer

    reply = client.get(url(bills["YJL-3-2-501"]), headers=bearer(client, user))
    assert reply.status_code == 200, user
    text = pdf_tools.text(reply.data)
    assert shown in text and (shown == "张三" or "张三" not in text)


def test_mask_name():
    from pms.estates.rules import mask_name

    assert (mask_name("张三"), mask_name("欧阳娜娜"), mask_name("李"), mask_name("")) == ("张*", "欧***", "李", "")
