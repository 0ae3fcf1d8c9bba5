"""Every role of the `world` fixture against the portal, its programme pages, rows, exports, audit
reports and seal check: auditors and officers read their own district's (another district 404,
never telling it exists); the platform names any district; the company's staff and residents are
refused (403); nobody writes (no route takes a write)."""
import pytest

from tests.permission_matrix import ROLE, may_by
from tests.subsidies.helpers import Api
from tests.web import logged_in

from pms.reports.permissions import PERMISSIONS

ALL = list(ROLE)
# The district each reader's portal shows without asking (110112 通州: YJL, 110105 朝阳: HXY).
OWN = {"auditor": "110112", "officer": "110112", "other_auditor": "110105", "other_officer": "110105",
       "admin": "110105"}  # the platform: the first district with estates, by code


def expected(user: str, district: str | None) -> int:
    if not may_by(PERMISSIONS, user, "portal.read"):
        return 403
    if user == "admin" or district is None:
        return 200
    return 200 if OWN[user] == district else 404


def test_the_table_reads_like_the_issue():
    assert set(PERMISSIONS["portal.read"]) == {"auditor", "officer"}


@pytest.mark.parametrize("user", ALL)
def test_the_overview_by_role_and_district(client, world, clock, user):
    api = Api(client)
    for district in (None, "110112", "110105"):
        query = {"district": district} if district else {}
        reply = api.get(user, "/api/v1/reports/overview?" + "&".join(f"{k}={v}" for k, v in query.items()))
        assert reply.status_code == expected(user, district), (user, district, reply.get_json())
        if reply.status_code == 200:
            assert reply.get_json()["district"] == district or OWN[user]


@pytest.mark.parametrize("user", ALL)
def test_programme_rows_report_and_seal_by_role(client, world, clock, user):
    """TZ-1 is 通州's, CY-1 朝阳's; a reader of the other district gets 404 on its programme."""
    api = Api(client)
    api.program("officer", "TZ-1")
    api.program("other_officer", "CY-1")
    for code, district in (("TZ-1", "110112"), ("CY-1", "110105")):
        query = f"?district={district}" if user == "admin" else ""
        want = expected(user, district) if user != "admin" else 200
        assert api.get(user, f"/api/v1/reports/programs/{code}{query}").status_code == want, (user, code)
        report = api.get(user, f"/api/v1/reports/programs/{code}/report{query}")
        assert report.status_code == want, (user, code)
        if want == 200:
            assert report.headers["Content-Type"] == "application/pdf"
    rows = api.get(user, "/api/v1/reports/rows/claims")
    assert rows.status_code == (403 if not may_by(PERMISSIONS, user, "portal.read") else 200)
    seal = api.get(user, "/api/v1/reports/seals/" + "0" * 64)
    assert seal.status_code == (403 if not may_by(PERMISSIONS, user, "portal.read") else 200)


@pytest.mark.parametrize("user", ALL)
def test_the_pages_by_role(client, world, clock, user):
    browser = logged_in(client.application.test_client(), user)
    status = 403 if not may_by(PERMISSIONS, user, "portal.read") else 200
    for url in ("/reports", "/reports/rows/claims", "/reports/rows/bills", "/reports/seal",
                "/reports/rows/findings.csv"):
        assert browser.get(url).status_code == status, (user, url)
    nav = browser.get("/").text
    assert ('href="/reports"' in nav) == (status == 200)


def test_strangers_are_sent_to_log_in(client, world):
    assert client.get("/api/v1/reports/overview").status_code == 401
    page = client.get("/reports")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_nothing_in_the_portal_takes_a_write(client, world, clock, method):
    api = Api(client)
    for url in ("/api/v1/reports/overview", "/api/v1/reports/rows/claims", "/api/v1/reports/programs/TZ-1"):
        reply = getattr(client, method)(url, json={}, headers=api.headers("admin"))
        assert reply.status_code == 405, (method, url)
        # officers and auditors are refused at the door before the route is even looked at
        for user in ("officer", "auditor"):
            assert getattr(client, method)(url, json={}, headers=api.headers(user)).status_code == 403
