"""The programme pages: officers see their district's programmes and allocate from a programme's
page (a refused form comes back 422 with the input kept and the message beside the field);
auditors and the platform read; everyone else is refused; tables are labelled cards on a phone."""
import re

import pytest
from tests.forms_html import assert_field_error
from tests.web import logged_in, text


def _page(client, user, path):
    client = logged_in(client.application.test_client(), user)
    client.get("/?lang=en")  # English for the rest of the session
    return client, client.get(path)


def test_the_officer_s_programmes(client, programmes):
    _c, reply = _page(client, "officer", "/programs")
    assert reply.status_code == 200
    html = text(reply)
    assert "TZ-1" in html and "CY-1" not in html
    # one row: budget ¥1,000.00, nothing allocated, all left, the period; labelled for a phone
    assert '<table class="responsive programmes" id="programmes">' in html
    for label, value in (("Budget", "¥1,000.00"), ("Allocated", "¥0.00"), ("Left to allocate", "¥1,000.00"),
                         ("Programme period", "2026-01-01 – 2026-12-31")):
        assert re.search(rf'data-label="{label}">{re.escape(value)}<', html), label
    assert "<script" not in html


def _allocated(api) -> int:
    # Through the API, not the `db` fixture: its app context would outlive the requests and keep
    # the first request's language for every page.
    return api.get("admin", "/api/v1/programs/TZ-1").get_json()["allocated_fen"]


def test_allocating_from_the_programme_page(client, api, programmes):
    officer, page = _page(client, "officer", "/programs/TZ-1")
    assert page.status_code == 200 and 'id="allocation-amount"' in text(page)
    done = officer.post("/programs/TZ-1/allocations", data={"estate": "YJL", "amount": "600"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/programs/TZ-1")
    html = text(officer.get("/programs/TZ-1"))
    assert "¥600.00 allocated to YJL." in html
    assert 'id="left">¥400.00<' in html and 'id="estate-YJL"' in html
    assert _allocated(api) == 60000


def test_a_refused_allocation_keeps_the_input_beside_the_message(client, api, programmes):
    officer, _page_ = _page(client, "officer", "/programs/TZ-1")
    officer.post("/programs/TZ-1/allocations", data={"estate": "YJL", "amount": "600"})
    refused = officer.post("/programs/TZ-1/allocations", data={"estate": "YJL", "amount": "400.01"})
    assert refused.status_code == 422
    assert_field_error(text(refused), "allocation-amount", value="400.01", label="Amount (yuan)",
                       message="Above the budget: 40000 fen (¥400.00) left to allocate.")
    typo = officer.post("/programs/TZ-1/allocations", data={"estate": "YJL", "amount": "six hundred"})
    assert typo.status_code == 422
    assert_field_error(text(typo), "allocation-amount", value="six hundred")
    outside = officer.post("/programs/TZ-1/allocations", data={"estate": "HXY", "amount": "1"})
    assert outside.status_code == 422
    assert_field_error(text(outside), "allocation-estate", message="No estate HXY in the programme's district.")
    assert _allocated(api) == 60000


@pytest.mark.parametrize("user", ["auditor", "admin"])
def test_auditors_and_the_platform_read_without_a_form(client, programmes, user):
    reader, reply = _page(client, user, "/programs/TZ-1")
    assert reply.status_code == 200
    assert "allocation-amount" not in text(reply)
    assert reader.get("/programs").status_code == 200


def test_an_auditor_cannot_post(client, programmes):
    auditor, _reply = _page(client, "auditor", "/programs/TZ-1")
    assert auditor.post("/programs/TZ-1/allocations", data={"estate": "YJL", "amount": "1"}).status_code == 403


@pytest.mark.parametrize("user,status", [
    ("manager", 403), ("finance", 403), ("tech", 403), ("carer", 403), ("resident", 403),
    ("other_officer", 404), ("other_auditor", 404),
])
def test_others_are_refused(client, programmes, user, status):
    other, reply = _page(client, user, "/programs/TZ-1")
    assert reply.status_code == status
    if user == "other_officer":
        assert other.post("/programs/TZ-1/allocations", data={"estate": "YJL", "amount": "1"}).status_code == 404
        assert other.get("/programs").status_code == 200


def test_the_officer_s_home_links_to_the_programmes(client, programmes):
    _c, reply = _page(client, "officer", "/")
    html = text(reply)
    assert 'href="/programs"' in html
    assert "¥1,000.00 left to allocate" in html
    assert "Estates of the district" in html  # the auditor's district overview


def test_the_programme_pages_label_every_control(client, programmes):
    from tests.test_accessibility import audit

    officer, _reply = _page(client, "officer", "/programs")
    for path in ("/programs", "/programs/TZ-1"):
        assert audit(text(officer.get(path))) == [], path
    refused = officer.post("/programs/TZ-1/allocations", data={"estate": "YJL", "amount": "x"})
    assert audit(text(refused)) == []
