"""The printable stairwell notice (楼道张贴通知) of a planned work: its text and who may print it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pms.core.db import get_session
from pms.maintenance.models import PlannedWork
from pms.maintenance.services import works
from tests.factories import make_room
from tests.statements.conftest import pdf_tools  # noqa: F401  (the PDF text/font helpers)
from tests.web import logged_in, text


def _work(api, user="manager", estate="YJL", building="3", entrance="2", service="water_kitchen",
          start="2026-03-05T09:00:00+08:00", end="2026-03-05T12:00:00+08:00", **extra) -> int:
    response = api.post(user, "/api/v1/planned-works", {
        "estate": estate, "building": building, "entrance": entrance, "service": service,
        "starts_at": start, "ends_at": end, "title": "厨房水管更换", "note": "请提前储水", **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def url(work_id: int) -> str:
    return f"/api/v1/planned-works/{work_id}/notice.pdf"


@pytest.fixture
def notices(app, world, api, clock):
    """Works on YJL 3-2 (the resident's entrance), YJL 3-1 (a neighbouring entrance) and HXY 1-1."""
    with app.app_context():
        s = get_session()
        make_room(s, world.yjl, "3", "1", "101", owner=("赵六", "13600000000", None))
        s.commit()
    return {"YJL-3-2": _work(api), "YJL-3-1": _work(api, entrance="1", service="power"),
            "HXY-1-1": _work(api, user="other_manager", estate="HXY", building="1", entrance="1",
                             service="elevator")}


def test_water_notice_text_and_embedded_cjk_font(api, notices, pdf_tools):
    response = api.get("manager", url(notices["YJL-3-2"]))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="planned-work-{notices["YJL-3-2"]}.pdf"'
    assert len(pdf_tools.pages(response.data)) == 1
    content = pdf_tools.text(response.data)
    assert "停水通知" in content
    assert "尊敬的云景里3号楼2单元住户" in content
    # 09:00–12:00 Beijing time on Thursday 5 March 2026 (stored as 01:00–04:00 UTC)
    assert "2026年3月5日 星期四 09:00 – 12:00" in content
    assert "停止服务 厨房用水" in content
    assert "厨房水管更换" in content and "请提前储水" in content
    assert "请在停水前储存足够的饮用、做饭和冲厕用水" in content
    assert "安居物业 云景里物业服务中心 发布日期：2026年3月2日" in content   # the clock: 2 March, 09:00
    assert "停电" not in content and "电梯停运" not in content
    fonts = pdf_tools.fonts(response.data)
    assert len(fonts) == 1 and fonts[0]["embedded"] and "WenQuanYi-Micro-Hei" in fonts[0]["name"]  # one face


def test_elevator_and_power_notices_over_midnight(api, notices, pdf_tools):
    elevator = pdf_tools.text(api.get("other_manager", url(notices["HXY-1-1"])).data)
    assert "电梯停运通知" in elevator and "和兴园1号楼1单元" in elevator and "请走楼梯" in elevator
    assert "和信物业" in elevator and "停水通知" not in elevator
    night = _work(api, entrance="2", service="power", start="2026-03-05T22:00:00+08:00",
                  end="2026-03-06T06:00:00+08:00")
    power = pdf_tools.text(api.get("manager", url(night)).data)
    assert "停电通知" in power
    assert "2026年3月5日 星期四 22:00 – 2026年3月6日 星期五 06:00" in power


def test_english_on_request(client, api, notices, pdf_tools):
    response = client.get(url(notices["YJL-3-2"]), headers={**api.headers("manager"), "Accept-Language": "en"})
    content = pdf_tools.text(response.data)
    assert "Water outage notice" in content and "Thursday" in content and "停水通知" not in content


def test_window_ending_at_midnight_reads_24_00(app, db, world, api, clock):
    work_id = _work(api, start="2026-03-05T20:00:00+08:00", end="2026-03-06T00:00:00+08:00")
    data = works.notice_data(db, db.get(PlannedWork, work_id),
                             now=datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc))
    assert (str(data["start_date"]), data["start_time"], str(data["end_date"]), data["end_time"],
            data["same_day"]) == ("2026-03-05", "20:00", "2026-03-05", "24:00", True)
    assert str(data["issue_date"]) == "2026-03-02"          # 00:30 on 2 March in Beijing
    assert (data["kind"], data["estate_name"], data["building"], data["entrance"], data["company_name"]) == (
        "water", "云景里", "3", "2", "安居物业")


# Who asks for which entrance's notice → status. Company staff, admins and the district's auditors
# print every notice of their estates; residents only their own entrance's; anything else is 404.
MATRIX = [
    ("admin", "HXY-1-1", 200),
    ("manager", "YJL-3-2", 200),
    ("manager", "YJL-3-1", 200),
    ("manager", "HXY-1-1", 404),
    ("finance", "YJL-3-2", 200),
    ("tech", "YJL-3-1", 200),
    ("tech", "HXY-1-1", 404),
    ("carer", "YJL-3-2", 200),
    ("auditor", "YJL-3-2", 200),
    ("auditor", "HXY-1-1", 404),
    ("resident", "YJL-3-2", 200),
    ("resident", "YJL-3-1", 404),
    ("resident", "HXY-1-1", 404),
    ("other_manager", "HXY-1-1", 200),
    ("other_manager", "YJL-3-2", 404),
    ("other_auditor", "YJL-3-2", 404),
    ("officer", "YJL-3-2", 200),
    ("officer", "HXY-1-1", 404),
    ("other_officer", "YJL-3-2", 404),
    ("other_resident", "HXY-1-1", 200),
    ("other_resident", "YJL-3-2", 404),
]


@pytest.mark.parametrize(("user", "place", "status"), MATRIX)
def test_role_by_resource(api, notices, user, place, status):
    response = api.get(user, url(notices[place]))
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    else:
        body = response.get_json()
        assert body["error"]["code"] == "not_found" and set(body["error"]) == {"code", "message", "fields"}


def test_unknown_cancelled_and_anonymous(client, api, notices):
    assert api.get("admin", url(999999)).status_code == 404
    work_id = notices["YJL-3-2"]
    assert api.post("manager", f"/api/v1/planned-works/{work_id}/cancel").status_code == 200
    response = api.get("manager", url(work_id))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    anonymous = client.get(url(notices["YJL-3-1"]))
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "not_authenticated"


def test_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/planned-works/{work_id}/notice.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]


def test_web_route_and_print_links(client, notices, pdf_tools):
    notice = f"/maintenance/planned-works/{notices['YJL-3-2']}/notice.pdf"
    neighbour = f"/maintenance/planned-works/{notices['YJL-3-1']}/notice.pdf"
    assert "/login" in client.get(notice).headers["Location"]
    logged_in(client, "resident")
    own = client.get(notice)
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert "停水通知" in pdf_tools.text(own.data)
    assert client.get(neighbour).status_code == 404
    # the resident's page links only the notice of their own entrance
    page = text(client.get("/maintenance/planned-works"))
    assert f'href="{notice}"' in page and neighbour not in page and "打印张贴通知" in page
    client.post("/logout")
    logged_in(client, "manager")
    page = text(client.get("/maintenance/planned-works"))
    assert f'href="{notice}"' in page and f'href="{neighbour}"' in page
    logged_in(client, "other_resident")
    assert client.get(notice).status_code == 404
