"""A resident files a repair request with a photo on a phone-sized screen (real Chromium)."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.factories import PASSWORD


pytestmark = pytest.mark.browser


def test_resident_files_a_request_with_a_photo_on_a_phone(live_server, phone, world, tmp_path, app):
    photo = tmp_path / "leak.jpg"
    img = Image.new("RGB", (800, 600), (30, 90, 160))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 29.0)}
    img.save(photo, "JPEG", exif=exif)

    page = phone
    page.set_default_timeout(15000)
    page.goto(f"{live_server}/login?next=/maintenance/new")
    page.fill("#login-username", "resident")
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/maintenance/new$"))

    page.select_option("#ticket-target", "room:YJL-3-2-501")
    page.check("input[name=category][value=plumbing]")
    page.check("input[name=urgency][value=urgent]")
    page.fill("#ticket-description", "厨房水管接口漏水，地面有积水")
    page.set_input_files("#ticket-photos", str(photo))
    # nothing wider than the phone: no sideways scrolling for elderly users
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#new-ticket button[type=submit]")

    page.wait_for_url(re.compile(r"/maintenance/tickets/\d+$"))
    ticket_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("#status").inner_text().strip()
    img_el = page.locator("#photos img").first
    img_el.wait_for()
    # The thumbnail loads lazily after the element appears: wait for it (10 s), don't sample once.
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img_el.element_handle(),
                           timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # what the server kept: one photo, re-encoded without the GPS block
    with app.app_context():
        from pms.core.db import get_session
        from pms.maintenance.models import Ticket

        session = get_session()
        ticket = session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.category, ticket.urgency, ticket.channel) == ("submitted", "plumbing",
                                                                                    "urgent", "app")
    response = page.request.get(f"{live_server}/api/v1/tickets/{ticket_id}/photos/1")
    assert response.status == 200
    assert not Image.open(io.BytesIO(response.body())).getexif().get_ifd(0x8825)
