"""Maintenance forms on the form helper (input kept, message beside the field, summary by label),
the ¥1,000,000 cap of one cost line and removing a cost line added by mistake."""
import io
import json

import pytest
from sqlalchemy import select

from pms.core.db import new_session
from pms.core.models import AuditEntry
from pms.maintenance.models import TicketCost, TicketEvent
from tests.forms_html import assert_field_error, parse
from tests.maintenance.test_photos import image_bytes
from tests.maintenance.test_tickets import _add_user, _bring_to
from tests.maintenance.test_views import login


def read(app, stmt):
    with app.app_context():
        session = new_session()
        try:
            return list(session.scalars(stmt))
        finally:
            session.close()


def add_cost(client, tid, **form):
    data = {"kind": "material", "description": "阀门", "quantity": "2", "unit_price": "12.50", **form}
    return client.post(f"/maintenance/tickets/{tid}/costs?lang=en", data=data)


def test_new_ticket_keeps_everything_but_the_photos(client, world, clock):
    login(client, "resident")
    response = client.post("/maintenance/new?lang=en", content_type="multipart/form-data", data={
        "target": "place:YJL-3-2", "place": "三楼楼道", "category": "plumbing", "urgency": "urgent",
        "description": "", "photos": [(io.BytesIO(image_bytes()), "a.jpg")]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(html, "ticket-description", value="", label="Describe the problem")
    page = parse(html)
    assert page.by_id["ticket-place"]["attrs"]["value"] == "三楼楼道"
    assert 'value="place:YJL-3-2" selected' in html
    assert 'value="plumbing" checked' in html and 'value="urgent" checked' in html
    # A browser cannot be given files back: the page says so beside the photo field.
    note = page.by_id["ticket-photos-again"]
    assert "choose them again" in note["text"]
    assert "ticket-photos-again" in page.by_id["ticket-photos"]["attrs"]["aria-describedby"]


def test_a_bad_photo_is_named_beside_the_photo_field(client, world, clock):
    login(client, "resident")
    response = client.post("/maintenance/new?lang=en", content_type="multipart/form-data", data={
        "target": "room:YJL-3-2-501", "category": "plumbing", "urgency": "normal", "description": "漏水",
        "photos": [(io.BytesIO(b"%PDF-1.4 not an image"), "a.jpg")]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert_field_error(html, "ticket-photos", label="Photos (up to 6, JPEG/PNG/WebP, 5 MB each)")
    assert parse(html).by_id["ticket-description"]["text"] == "漏水"


def test_one_cost_line_above_a_million_yuan_is_refused(app, client, api, clock):
    tid = _bring_to(api, "in_progress")
    login(client, "tech")
    # 100,000 pieces × ¥10.01 = ¥1,001,000.00 (each factor within its own bound).
    response = add_cost(client, tid, quantity="100000", unit_price="10.01", description="管材")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(html, "cost-quantity", value="100000", message="comes to ¥1,001,000.00",
                       label="Quantity (labour: minutes)")
    assert parse(html).by_id["cost-description"]["attrs"]["value"] == "管材"
    assert parse(html).by_id["cost-unit_price"]["attrs"]["value"] == "10.01"
    # Exactly ¥1,000,000.00 is still one line: 100,000 × ¥10.00.
    assert add_cost(client, tid, quantity="100000", unit_price="10.00").status_code == 302
    assert [c.amount_fen for c in read(app, select(TicketCost))] == [100_000_000]


def test_bad_unit_price_and_empty_note(client, api, clock):
    tid = _bring_to(api, "in_progress")
    login(client, "tech")
    html = add_cost(client, tid, unit_price="十元").get_data(as_text=True)
    assert_field_error(html, "cost-unit_price", value="十元", label="Unit price in yuan (labour: per hour)")
    response = client.post(f"/maintenance/tickets/{tid}/notes?lang=en", data={"note": "  "})
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), "note-note", label="Note")


def test_rating_out_of_range_comes_back_on_the_close_form(client, api, clock):
    tid = _bring_to(api, "in_progress")
    api.move("tech", tid, "resolved")
    login(client, "resident")
    response = client.post(f"/maintenance/tickets/{tid}/move?lang=en",
                           data={"to": "closed", "rating": "7", "comment": "还行"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert_field_error(html, "move-closed-rating", label="Rating")
    assert parse(html).by_id["move-closed-comment"]["attrs"]["value"] == "还行"


def test_planned_work_ending_before_it_starts(client, world, clock):
    login(client, "manager")
    data = {"estate": "YJL", "building": "3", "entrance": "2", "service": "water_bathroom",
            "starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T08:00", "title": "卫生间水管更换"}
    response = client.post("/maintenance/planned-works?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert parse(html).by_id["planned-work-title"]["attrs"]["value"] == "卫生间水管更换"
    assert parse(html).by_id["planned-work-starts_at"]["attrs"]["value"] == "2026-03-03T09:00"
    assert 'class="form-summary"' in html and 'aria-invalid="true"' in html


def test_kpi_month_that_does_not_exist(client, world, clock):
    login(client, "manager")
    response = client.get("/maintenance/kpis?lang=en&estate=YJL&period=2026-13")
    assert response.status_code == 422
    assert_field_error(response.get_data(as_text=True), "kpis-period", value="2026-13", label="Month")


# ---- removing a cost line added by mistake ------------------------------------------------------

def test_technician_removes_their_own_line_with_an_audit_entry(app, client, api, clock):
    tid = _bring_to(api, "in_progress")
    login(client, "tech")
    add_cost(client, tid, description="错录的阀门", quantity="3", unit_price="40")
    cost_id = read(app, select(TicketCost.id))[0]
    page = client.get(f"/maintenance/tickets/{tid}").get_data(as_text=True)
    assert f"/costs/{cost_id}/remove" in page
    response = client.post(f"/maintenance/tickets/{tid}/costs/{cost_id}/remove?lang=en")
    assert response.status_code == 302
    assert read(app, select(TicketCost)) == []
    entry = read(app, select(AuditEntry).where(AuditEntry.action == "maintenance.cost.remove"))[0]
    assert entry.actor == "tech" and entry.object_id == str(cost_id)
    payload = json.loads(entry.payload)  # 3 × ¥40.00
    assert payload["amount_fen"] == 12000 and payload["description"] == "错录的阀门" and payload["ticket_id"] == tid
    events = read(app, select(TicketEvent).where(TicketEvent.kind == "cost").order_by(TicketEvent.id))
    assert [(e.message, e.params) for e in events] == [
        ("maintenance.ticket.cost_added", {"kind": "material", "description": "错录的阀门", "quantity": 3}),
        ("maintenance.ticket.cost_removed", {"kind": "material", "description": "错录的阀门", "quantity": 3})]
    page = client.get(f"/maintenance/tickets/{tid}?lang=en").get_data(as_text=True)
    assert "Cost line removed" in page and 'class="flash success"' in page
    assert "Materials: 错录的阀门 ×3" in page and "Cost line removed: Materials, 错录的阀门 ×3" in page


def test_who_may_remove_a_cost_line(app, client, api, clock):
    tid = _bring_to(api, "in_progress")
    login(client, "manager")
    add_cost(client, tid, description="经理录入")
    managers = read(app, select(TicketCost.id))[0]
    login(client, "tech")
    add_cost(client, tid, description="师傅录入")
    techs = max(read(app, select(TicketCost.id)))
    page = client.get(f"/maintenance/tickets/{tid}").get_data(as_text=True)
    assert f"/costs/{techs}/remove" in page and f"/costs/{managers}/remove" not in page
    # The technician may not remove a line the manager entered.
    assert client.post(f"/maintenance/tickets/{tid}/costs/{managers}/remove").status_code == 403
    _add_user(app, "tech2", "technician", world_acme(app))
    login(client, "tech2")  # not assigned to this ticket
    assert client.post(f"/maintenance/tickets/{tid}/costs/{techs}/remove").status_code == 403
    login(client, "auditor")
    assert client.post(f"/maintenance/tickets/{tid}/costs/{techs}/remove").status_code == 403
    login(client, "other_manager")  # another company's ticket
    assert client.post(f"/maintenance/tickets/{tid}/costs/{techs}/remove").status_code == 404
    login(client, "manager")
    assert client.post(f"/maintenance/tickets/{tid}/costs/99999/remove").status_code == 404
    assert client.post(f"/maintenance/tickets/{tid}/costs/{techs}/remove").status_code == 302
    assert read(app, select(TicketCost.id)) == [managers]


def test_no_removal_once_the_request_is_closed(app, client, api, clock):
    tid = _bring_to(api, "in_progress")
    login(client, "manager")
    add_cost(client, tid)
    cost_id = read(app, select(TicketCost.id))[0]
    api.move("tech", tid, "resolved")
    api.move("resident", tid, "closed", rating=5)
    response = client.post(f"/maintenance/tickets/{tid}/costs/{cost_id}/remove?lang=en")
    # The ticket page again, the refusal in its summary (not a bare error page).
    assert response.status_code == 409 and 'class="form-summary"' in response.get_data(as_text=True)
    assert read(app, select(TicketCost.id)) == [cost_id]


def world_acme(app):
    with app.app_context():
        from pms.estates.models import Company
        session = new_session()
        company = session.scalar(select(Company).where(Company.code == "ACME"))
        session.expunge(company)
        session.close()
    return company
