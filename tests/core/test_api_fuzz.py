"""Schemathesis over the whole OpenAPI document (/api/v1/openapi.json), as a manager and as a
resident: no server error, and every response as documented (status code, content type, body).

Bounded and repeatable: EXAMPLES generated cases per operation and generation mode (valid and
invalid input), derandomized (a fixed seed), no shrinking, no example database. The WSGI app is
called in-process on the test database, seeded through the API with a fee plan, bills, a payment,
a ticket with a photo, a planned work (and its notifications), an elevator and a renovation project. Half of the valid cases name one
of those (an estate, a room, a bill, an id) instead of a random string, so the fuzzer gets past
the 404s into the services.
"""
from __future__ import annotations

import io
import logging
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.factories import bearer

pytestmark = pytest.mark.slow

EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def _ok(response, status=(200, 201)):
    assert response.status_code in status, (response.status_code, response.get_json())
    return response.get_json()


def seed(client, clock) -> dict[str, list]:
    """Things to name, created through the API as the estate's manager: {parameter: values}."""
    manager, resident = bearer(client, "manager"), bearer(client, "resident")
    this, last = clock.period(), clock.period(-1)
    _ok(client.put("/api/v1/estates/YJL/fee-plan", headers=manager, json={
        "estate": "YJL", "effective_from": last, "due_day": 15,
        "late_fee": {"daily_rate_per_10k": 5, "grace_days": 30, "cap_percent": 30},
        "items": [{"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 120},
                  {"code": "PARKING", "name": "停车费", "kind": "fixed", "amount_fen": 15000,
                   "rooms": ["YJL-3-2-501"]}]}))
    for period in (last, this):
        _ok(client.post("/api/v1/billing-runs", headers=manager, json={"estate": "YJL", "period": period}))
    bills = [b["number"] for b in _ok(client.get("/api/v1/rooms/YJL-3-2-501/bills", headers=manager))["items"]]
    payment = _ok(client.post("/api/v1/payments", headers=manager, json={
        "room": "YJL-3-2-502", "amount_fen": 5000, "channel": "cash", "idempotency_key": "fuzz-1"}))
    ticket = _ok(client.post("/api/v1/tickets", headers=resident, json={
        "room": "YJL-3-2-501", "category": "plumbing", "description": "厨房漏水", "urgency": "normal"}))
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(photo, "JPEG")
    photo.seek(0)
    photos = _ok(client.post(f"/api/v1/tickets/{ticket['id']}/photos", headers=resident,
                             data={"photos": [(photo, "leak.jpg")]}, content_type="multipart/form-data"))
    day = clock.today().isoformat()
    work = _ok(client.post("/api/v1/planned-works", headers=manager, json={
        "estate": "YJL", "building": "3", "entrance": "2", "service": "power",
        "starts_at": f"{day}T20:00:00+08:00", "ends_at": f"{day}T22:00:00+08:00"}))
    _ok(client.post("/api/v1/elevators", headers=manager, json={
        "estate": "YJL", "building": "3", "entrance": "2", "registration_number": "31101105002020",
        "accepted_on": "2024-05-20"}))
    orders = [o["id"] for o in _ok(client.get("/api/v1/work-orders", headers=manager))["items"]]
    _ok(client.post("/api/v1/renovation-projects", headers=manager, json={
        "estate": "YJL", "name": "综合整治", "contractor": "城建", "accepted_on": "2025-06-30",
        "components": [{"kind": "roof_waterproofing", "building": "3"}]}))
    notes = [n["id"] for n in _ok(client.get("/api/v1/notifications", headers=resident))["items"]]
    return {"estate": ["YJL", "HXY"], "room": ["YJL-3-2-501", "YJL-3-2-502", "HXY-1-1-101"],
            "number": bills, "bill": bills, "id": [ticket["id"]], "payment_id": [payment["id"]],
            "work_id": [work["id"]], "order_id": orders[:3], "period": [this, last],
            "photo_id": [p["id"] for p in photos["items"]], "notification_id": notes[:2],
            "building": ["3"], "entrance": ["2"], "technician": ["tech"]}


def _name_known_things(case, known, data) -> None:
    """Let a valid case name seeded things: path parameters, and the same keys in a JSON body."""
    containers = [case.path_parameters, case.query]
    if isinstance(case.body, dict):
        containers.append(case.body)
    for container in containers:
        for key in list(container or {}):
            if key in known and known[key] and data.draw(st.integers(0, 3)):  # 3 times in 4
                container[key] = data.draw(st.sampled_from(known[key]))


def _fuzz_operation(app, operation, mode, headers, known) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        if mode is schemathesis.GenerationMode.POSITIVE:
            _name_known_things(case, known, data)
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", ["manager", "resident"])
def test_the_whole_api_as(app, client, world, clock, role, caplog):
    known = seed(client, clock)
    headers = bearer(client, role)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # A line per request is noise here (and random path digits could pass for phones in the log
    # audit); caplog puts the level back after the test, so later tests log their requests.
    caplog.set_level(logging.WARNING, logger="pms.access")
    failures, ran, started = [], 0, time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in MODES:
            ran += 1
            try:
                _fuzz_operation(app, operation, mode, headers, known)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 — collected, reported below
                failures.append(f"--- {operation.label} [{mode.value}]\n{exc}")
    assert ran > 60, ran  # every operation of the document, in both modes
    assert not failures, f"{len(failures)} of {ran} fuzzed ({time.monotonic() - started:.0f} s):\n" + \
        "\n".join(failures)
