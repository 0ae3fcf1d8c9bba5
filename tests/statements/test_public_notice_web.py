"""The public notice's edges: the API by role × resource (every world user, YJL's notice and HXY's),
publishing through the API and through the page's confirmation step, the pages at both locales, the
PDF endpoint, the CLI, the links from the estate page and the resident's home."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from pms.core.db import get_session
from pms.statements import permissions
from pms.statements.models import PublicNotice
from tests.factories import bearer
from tests.permission_matrix import may_by
from tests.statements.test_public_notice import year  # noqa: F401  (fixture: the notice world committed)
from tests.web import csrf_token, logged_in, text

USERS = ("admin", "manager", "finance", "tech", "carer", "resident", "auditor", "officer", "other_manager",
         "other_resident", "other_auditor", "other_officer")
# Who sees YJL's (ACME, Tongzhou) published notice: everyone of the estate; the other company,
# the other estate's resident and the other district: 404.
OF_YJL = {"admin", "manager", "finance", "tech", "carer", "resident", "auditor", "officer"}



@pytest.fixture
def published(client, year):
    """YJL's 2026 published once by the manager through the API."""
    reply = client.post("/api/v1/estates/YJL/public-notices", json={"year": 2026}, headers=bearer(client, "manager"))
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json()["version"] == 1 and reply.get_json()["year"] == 2026
    return year


def _count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count(PublicNotice.id)))


@pytest.mark.parametrize("user", USERS)
def test_reading_by_role_and_estate(client, published, user):
    headers = bearer(client, user)
    expected = 200 if user in OF_YJL else 404
    assert user not in OF_YJL or may_by(permissions.PERMISSIONS, user, "public_notice.read")
    listing = client.get("/api/v1/estates/YJL/public-notices", headers=headers)
    assert listing.status_code == expected, listing.get_json()
    one = client.get("/api/v1/estates/YJL/public-notices/2026", headers=headers)
    assert one.status_code == expected
    pdf = client.get("/api/v1/estates/YJL/public-notices/2026.pdf", headers=headers)
    assert pdf.status_code == expected
    if expected == 200:
        assert [(i["year"], i["version"]) for i in listing.get_json()["items"]] == [(2026, 1)]
        body = one.get_json()
        assert body["estate"] == {"code": "YJL", "name": "云景里"} and body["version"] == 1
        assert body["income"]["total"]["billed_fen"] == 141544 and body["income"]["total"]["received_fen"] == 30000
        assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].endswith(
            'filename="public-notice-YJL-2026-v1.pdf"')
    # HXY has nothing published: 404 for everyone who may see HXY, and for everyone else too.
    assert client.get("/api/v1/estates/HXY/public-notices/2026", headers=headers).status_code == 404
    # An unpublished year of one's own estate answers 404 as well.
    assert client.get("/api/v1/estates/YJL/public-notices/2025", headers=headers).status_code == 404


# Who publishes YJL's 2026 through the API → status (tests/statements/test_permissions.py reads these).
READ_MATRIX = [(user, 200 if user in OF_YJL else 404) for user in USERS]
PUBLISH_MATRIX = [
    ("admin", 201), ("manager", 201), ("finance", 201), ("tech", 403), ("carer", 403), ("resident", 403),
    ("auditor", 403), ("officer", 403), ("other_manager", 404), ("other_resident", 404),
    # Auditors' and officers' writes are refused at the door (core.http), whatever the estate.
    ("other_auditor", 403), ("other_officer", 403)]


@pytest.mark.parametrize("user, status", PUBLISH_MATRIX)
def test_publishing_by_role(app, client, year, user, status):
    before = _count(app)
    reply = client.post("/api/v1/estates/YJL/public-notices", json={"year": 2026}, headers=bearer(client, user))
    assert reply.status_code == status, reply.get_json()
    assert _count(app) == before + (1 if status == 201 else 0)
    assert (status == 201) == may_by(permissions.PERMISSIONS, user, "public_notice.publish") or user.startswith("other")


def test_publishing_answers_422_and_409(client, year):
    headers = bearer(client, "finance")
    future = client.post("/api/v1/estates/YJL/public-notices", json={"year": 2027}, headers=headers)
    assert future.status_code == 422 and "year" in future.get_json()["error"]["fields"]
    assert client.post("/api/v1/estates/YJL/public-notices", json={}, headers=headers).status_code == 422
    assert client.post("/api/v1/estates/YJL/public-notices", json={"year": 2023}, headers=headers).status_code == 409


def test_versions_through_the_api(client, published):
    headers = bearer(client, "finance")
    again = client.post("/api/v1/estates/YJL/public-notices", json={"year": 2026}, headers=headers)
    assert again.status_code == 201 and again.get_json()["version"] == 2
    items = client.get("/api/v1/estates/YJL/public-notices", headers=headers).get_json()["items"]
    assert [(i["version"], i["published_by"]) for i in items] == [(2, "finance"), (1, "manager")]
    assert client.get("/api/v1/estates/YJL/public-notices/2026?version=1", headers=headers).get_json()["version"] == 1
    assert client.get("/api/v1/estates/YJL/public-notices/2026?version=3", headers=headers).status_code == 404


def test_the_openapi_document_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/estates/{estate}/public-notices"]) == {"get", "post"}
    assert "get" in paths["/api/v1/estates/{estate}/public-notices/{year}"]
    assert "get" in paths["/api/v1/estates/{estate}/public-notices/{year}.pdf"]


# ---- pages -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("user", USERS)
def test_the_page_by_role(app, published, user):
    client = logged_in(app.test_client(), user)
    expected = 200 if user in OF_YJL else 404
    page = client.get("/estates/YJL/public-notices/2026")
    assert page.status_code == expected
    assert client.get("/estates/YJL/public-notices").status_code == expected
    assert client.get("/estates/YJL/public-notices/2026.pdf").status_code == expected
    if expected == 200:
        html = text(page)
        assert "云景里" in html and "¥1,415.44" in html and "物业服务费" in html and "更换供水立管" in html
        publisher = may_by(permissions.PERMISSIONS, user, "public_notice.publish")
        assert ("preview=1" in html) == publisher  # "see the current figures": publishers only
    # An unpublished year: the live preview for publishers, 404 for every other reader.
    unpublished = client.get("/estates/YJL/public-notices/2025")
    if user in ("admin", "manager", "finance"):
        assert unpublished.status_code == 200 and 'class="flash warning"' in text(unpublished)
    else:
        assert unpublished.status_code == 404


@pytest.mark.parametrize("lang, words", [
    ("zh_CN", ["云景里", "上下水", "屋面漏水", "¥1,415.44", "¥311.58", "¥300.00", "先尝后买物业服务补贴", "66.7%",
               "chart-income", "chart-repairs", "<svg"]),
    ("en", ["云景里", "Plumbing", "Roof leak", "¥1,415.44", "Received from households: ¥300.00",
            "not recorded in the system", "Published 2026-03-02", "version 1", "<svg"])])
def test_the_page_in_both_languages(app, published, lang, words):
    client = logged_in(app.test_client(), "resident")
    html = text(client.get(f"/estates/YJL/public-notices/2026?lang={lang}"))
    for word in words:
        assert word in html, word
    assert 'action="/estates/YJL/public-notices"' not in html  # no publish form for residents


def test_publishing_through_the_page_asks_first(app, year):
    client = logged_in(app.test_client(), "manager")
    page = client.get("/estates/YJL/public-notices/2026")
    html = text(page)
    assert page.status_code == 200 and "/estates/YJL/public-notices" in html
    token = csrf_token(html)
    ask = client.post("/estates/YJL/public-notices", data={"year": "2026", "csrf_token": token})
    assert ask.status_code == 200 and 'id="publish-confirm"' in text(ask) and _count(app) == 0
    done = client.post("/estates/YJL/public-notices", data={"year": "2026", "confirm": "yes", "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/estates/YJL/public-notices/2026")
    assert _count(app) == 1
    shown = text(client.get("/estates/YJL/public-notices/2026?lang=en"))
    assert "version 1" in shown and "Preview, not published" not in shown
    refused = client.post("/estates/YJL/public-notices", data={"year": "2027", "csrf_token": token})
    assert refused.status_code == 422 and _count(app) == 1


def test_technicians_may_not_publish_through_the_page(app, published):
    client = logged_in(app.test_client(), "tech")
    reply = client.post("/estates/YJL/public-notices", data={"year": "2026", "confirm": "yes"})
    assert reply.status_code == 403 and _count(app) == 1


def test_linked_from_the_estate_page_and_the_resident_home(app, published):
    resident = logged_in(app.test_client(), "resident")
    home = text(resident.get("/"))
    assert "/estates/YJL/public-notices/2026" in home
    manager = logged_in(app.test_client(), "manager")
    assert "/estates/YJL/public-notices" in text(manager.get("/estates/YJL"))


def test_the_page_pdf_is_the_published_one(app, published, pdf_tools):
    from pypdf import PdfReader

    client = logged_in(app.test_client(), "resident")
    reply = client.get("/estates/YJL/public-notices/2026.pdf")
    assert reply.status_code == 200 and len(PdfReader(io.BytesIO(reply.data)).pages) == 1
    joined = "".join(pdf_tools.text(reply.data).split())
    assert "云景里" in joined and "¥1,415.44" in joined


# ---- the CLI -------------------------------------------------------------------------------------------

def test_cli_writes_and_publishes(app, runner, year, tmp_path, pdf_tools):
    from pypdf import PdfReader

    preview = runner.invoke(args=["notices", "public", "--estate", "YJL", "--year", "2026", "--out", str(tmp_path)])
    assert preview.exit_code == 0, preview.output
    assert (tmp_path / "public-notice-YJL-2026-preview.pdf").exists() and _count(app) == 0
    done = runner.invoke(args=["notices", "public", "--estate", "YJL", "--year", "2026", "--publish",
                               "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "version 1" in done.output and _count(app) == 1
    pdf = (tmp_path / "public-notice-YJL-2026-v1.pdf").read_bytes()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "¥1,415.44" in pdf_tools.text(pdf)
    again = runner.invoke(args=["notices", "public", "--estate", "YJL", "--year", "2026", "--out", str(tmp_path)])
    assert again.exit_code == 0 and _count(app) == 1  # without --publish: the latest published version again
    unknown = runner.invoke(args=["notices", "public", "--estate", "NOPE", "--year", "2026", "--out", str(tmp_path)])
    assert unknown.exit_code != 0
    with app.app_context():
        from pms.core.models import AuditEntry

        assert get_session().scalar(select(AuditEntry.actor).where(AuditEntry.action == "public_notice.publish")) \
            == "system"


def test_the_resident_home_says_when_nothing_is_published(app, year):
    home = text(logged_in(app.test_client(), "resident").get("/?lang=en"))
    assert 'href="/estates/YJL/public-notices"' in home and "No public notice has been published yet." in home
    assert "HXY" not in home  # only the estates of one's rooms
    other = text(logged_in(app.test_client(), "other_resident").get("/"))
    assert "/estates/HXY/public-notices" in other and "/estates/YJL/public-notices" not in other
