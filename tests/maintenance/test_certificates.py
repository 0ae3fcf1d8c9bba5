"""Elevator inspection certificates (特种设备检验合格证): recorded by the estate's manager or
technician, never by residents, auditors or officers; someone else's elevator answers 404; bad
input 422 naming the field; a number recorded once; listed on the API and the elevators page;
audit-logged. Today is the business clock's 2026-03-02."""
from __future__ import annotations

from sqlalchemy import func, select

from pms.core.audit import AuditEntry
from pms.maintenance.models import EquipmentCertificate
from tests.maintenance.test_views import login

CERT = {"number": "DT-2026-000123", "issued_on": "2026-02-20", "issuer": "北京市特种设备检验检测研究院",
        "valid_until": "2027-02-19"}


def _elevator(api, user="manager", estate="YJL", building="3", entrance="2", number="T110112-0001"):
    r = api.post(user, "/api/v1/elevators", {"estate": estate, "building": building, "entrance": entrance,
                                             "registration_number": number, "accepted_on": "2025-03-10"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _record(api, user, elevator, **changes):
    return api.post(user, f"/api/v1/elevators/{elevator}/certificates", {**CERT, **changes})


def test_roles_and_scope(api, clock, db):
    mine = _elevator(api)
    theirs = _elevator(api, "other_manager", estate="HXY", building="1", entrance="1", number="T110105-0001")
    for user, status in [("resident", 403), ("auditor", 403), ("officer", 403), ("finance", 403), ("carer", 403),
                         ("other_manager", 404), ("other_resident", 404)]:
        assert _record(api, user, mine, number=f"X-{user}").status_code == status, user
    assert _record(api, "manager", theirs).status_code == 404  # another company's elevator
    ok = _record(api, "manager", mine)
    assert ok.status_code == 201, ok.get_json()
    body = ok.get_json()
    assert {k: body[k] for k in ("number", "issued_on", "issuer", "valid_until", "recorded_by",
                                 "registration_number")} == {**CERT, "recorded_by": "manager",
                                                             "registration_number": "T110112-0001"}
    tech = _record(api, "tech", mine, number="DT-2026-000124", valid_until=None)
    assert tech.status_code == 201 and tech.get_json()["valid_until"] is None
    # Readers: the estate's staff, its auditor and officer, its residents; never the other company.
    for user, status in [("manager", 200), ("tech", 200), ("auditor", 200), ("officer", 200), ("resident", 200),
                         ("other_manager", 404), ("other_auditor", 404), ("other_resident", 404)]:
        r = api.get(user, f"/api/v1/elevator-certificates?elevator={mine}")
        assert r.status_code == status, user
        if status == 200:
            assert [c["number"] for c in r.get_json()["items"]] == ["DT-2026-000124", "DT-2026-000123"]
        # By estate, or all in scope: another company's certificates are never listed.
        assert [c["number"] for c in api.get(user, "/api/v1/elevator-certificates").get_json()["items"]] == \
            (["DT-2026-000124", "DT-2026-000123"] if status == 200 else []), user
    assert api.get("other_manager", "/api/v1/elevator-certificates?estate=YJL").status_code == 404
    assert len(api.get("auditor", "/api/v1/elevator-certificates?estate=YJL").get_json()["items"]) == 2
    assert db.scalar(select(func.count(EquipmentCertificate.id))) == 2
    logged = db.scalars(select(AuditEntry).where(AuditEntry.action == "maintenance.certificate_record")
                        .order_by(AuditEntry.seq)).all()
    assert [(e.actor, e.object_type) for e in logged] == [("manager", "equipment_certificate"),
                                                         ("tech", "equipment_certificate")]
    assert "DT-2026-000123" in logged[0].payload


def test_bad_input_names_the_field_and_a_number_is_recorded_once(api, clock, db):
    mine = _elevator(api)
    for changes, field in [({"number": ""}, "number"), ({"number": "   "}, "number"), ({"issuer": " "}, "issuer"),
                           ({"issued_on": "2026-03-03"}, "issued_on"),  # tomorrow
                           ({"issued_on": "2026-02-30"}, "issued_on"),
                           ({"valid_until": "2026-02-19"}, "valid_until")]:  # the day before the issue
        r = _record(api, "manager", mine, **changes)
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (changes, r.get_json())
    assert _record(api, "manager", mine, issued_on="2026-03-02", valid_until="2026-03-02").status_code == 201
    assert _record(api, "tech", mine, issued_on="2026-01-05").status_code == 409  # the same number
    assert _record(api, "manager", 999999).status_code == 404
    assert db.scalar(select(func.count(EquipmentCertificate.id))) == 1


def test_the_elevators_page_lists_and_records(client, api, clock):
    mine = _elevator(api)
    login(client, "tech")
    html = client.get("/maintenance/elevators").get_data(as_text=True)
    assert f'action="/maintenance/elevators/{mine}/certificates"' in html
    bad = client.post(f"/maintenance/elevators/{mine}/certificates", data={**CERT, "issuer": ""})
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
    done = client.post(f"/maintenance/elevators/{mine}/certificates", data={**CERT, "valid_until": ""})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#elevator-{mine}")
    html = client.get("/maintenance/elevators").get_data(as_text=True)
    assert "DT-2026-000123" in html and "2026-02-20" in html and "北京市特种设备检验检测研究院" in html
    login(client, "resident")  # residents see the certificate, not the form
    html = client.get("/maintenance/elevators").get_data(as_text=True)
    assert "DT-2026-000123" in html and "/certificates\"" not in html
    assert client.post(f"/maintenance/elevators/{mine}/certificates",
                       data={**CERT, "number": "R-1"}).status_code == 403
    login(client, "auditor")
    assert client.post(f"/maintenance/elevators/{mine}/certificates",
                       data={**CERT, "number": "A-1"}).status_code == 403
