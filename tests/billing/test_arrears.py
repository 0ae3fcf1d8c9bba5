"""Arrears list, demands (催缴) and the XLSX/CSV exports."""
import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from pms.billing.services.payments import record_payment
from pms.core import periods
from tests import factories as f
from tests.billing.helpers_payments import at, finance, issue_bill, make_plan
from tests.factories import bearer

AS_OF = "2026-03-16"


@pytest.fixture
def arrears(db, world):
    plan = make_plan(db, world.yjl)
    b4 = f.make_room(db, world.yjl, "4", "1", "101", owner=("赵六", "13600000000", "110105194912310021"))
    for period in ("2026-01", "2026-02", "2026-03"):
        issue_bill(db, world.r501, period, 10000, plan=plan)
    issue_bill(db, world.r502, "2026-01", 5000, plan=plan)
    issue_bill(db, b4, "2024-01", 7000, plan=plan)
    issue_bill(db, world.r101, "2026-01", 9000, plan=make_plan(db, world.hxy))
    record_payment(db, finance(), room_code="YJL-3-2-502", amount_fen=2000, channel="cash",
                   received_at=at(date(2026, 2, 1)))
    db.commit()


def get(client, user="finance", query=f"?as_of={AS_OF}", estate="YJL"):
    return client.get(f"/api/v1/estates/{estate}/arrears{query}", headers=bearer(client, user))


def test_arrears_list(client, arrears):
    body = get(client).get_json()
    rows = {r["room"]: r for r in body["items"]}
    assert list(rows) == ["YJL-3-2-501", "YJL-3-2-502", "YJL-4-1-101"]
    r501 = rows["YJL-3-2-501"]
    assert (r501["bills"], r501["outstanding_fen"], r501["days_overdue"], r501["aging"]) == (3, 30000, 60, "31-90")
    assert r501["aging_fen"] == {"0-30": 20000, "31-90": 10000, "91-365": 0, "365+": 0}
    assert r501["owners"] == "张三"
    r502 = rows["YJL-3-2-502"]
    assert (r502["outstanding_fen"], r502["last_payment_on"]) == (3000, "2026-02-01")
    old = rows["YJL-4-1-101"]
    assert (old["days_overdue"], old["aging"], old["limitation_flag"]) == (791, "365+", False)
    assert body["outstanding_fen"] == 40000 and body["rooms"] == 3
    assert body["aging"] == {"0-30": 20000, "31-90": 13000, "91-365": 0, "365+": 7000}


def test_building_filter_and_limitation(client, arrears):
    body = get(client, query="?as_of=2027-01-16&building=4").get_json()
    assert [(r["room"], r["limitation_flag"], r["limitation_fen"]) for r in body["items"]] == [
        ("YJL-4-1-101", True, 7000)]
    assert body["limitation_rooms"] == 1


def test_demand_restarts_the_limitation_clock(client, arrears):
    response = client.post("/api/v1/rooms/YJL-4-1-101/demands", headers=bearer(client, "finance"),
                           json={"demanded_on": "2026-03-01", "method": "letter", "note": "挂号信"})
    assert response.status_code == 201
    assert response.get_json()["method"] == "letter"
    row = get(client, query="?as_of=2027-01-16&building=4").get_json()["items"][0]
    assert (row["limitation_flag"], row["last_demand_on"]) == (False, "2026-03-01")


@pytest.mark.parametrize("body, field", [
    ({"method": "pigeon"}, "method"), ({"method": "sms", "demanded_on": "tomorrow"}, "demanded_on"),
    ({"method": "sms", "note": "x" * 501}, "note"), ({}, "method")])
def test_bad_demands_422(client, arrears, body, field):
    if body.get("demanded_on") == "tomorrow":  # a demand cannot be dated in the future
        body = dict(body, demanded_on=str(periods.today() + timedelta(days=1)))
    response = client.post("/api/v1/rooms/YJL-3-2-501/demands", json=body, headers=bearer(client, "finance"))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("user, room, status", [
    ("finance", "YJL-3-2-501", 201), ("manager", "YJL-3-2-501", 201), ("admin", "HXY-1-1-101", 201),
    ("auditor", "YJL-3-2-501", 403), ("tech", "YJL-3-2-501", 403), ("resident", "YJL-3-2-501", 403),
    ("other_manager", "YJL-3-2-501", 404), ("finance", "HXY-1-1-101", 404), ("finance", "YJL-0-0-0", 404)])
def test_demand_roles(client, world, user, room, status):
    response = client.post(f"/api/v1/rooms/{room}/demands", json={"method": "phone"}, headers=bearer(client, user))
    assert response.status_code == status


@pytest.mark.parametrize("user, estate, status", [
    ("admin", "YJL", 200), ("manager", "YJL", 200), ("finance", "YJL", 200), ("auditor", "YJL", 200),
    ("tech", "YJL", 403), ("carer", "YJL", 403), ("resident", "YJL", 403),
    ("other_manager", "YJL", 404), ("other_auditor", "YJL", 404), ("other_manager", "HXY", 200),
    ("officer", "YJL", 200), ("other_officer", "YJL", 404), ("other_officer", "HXY", 200)])
def test_arrears_roles(client, world, user, estate, status):
    assert get(client, user=user, estate=estate).status_code == status


def test_csv_export_has_bom_and_no_id_numbers(client, arrears):
    response = get(client, user="auditor", query=f"?as_of={AS_OF}&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "arrears-YJL-2026-03-16.csv" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "11010519491231002X" not in text and "110105194912310021" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4 and rows[1][0] == "YJL-3-2-501" and rows[1][2] == "张三"
    assert rows[1][3] == "139****5678"  # auditors see masked phones
    assert rows[1][6] == "300.00" and rows[1][7] == "30000"


def test_xlsx_export(client, arrears):
    response = get(client, query=f"?as_of={AS_OF}&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == "YJL-3-2-501" and values[1][3] == "13912345678"
    assert values[-1][7] == 40000  # the totals row
    assert not any("11010519491231002X" in str(v) for row in values for v in row)


def test_bad_format_422(client, world):
    assert get(client, query="?format=pdf").status_code == 422
