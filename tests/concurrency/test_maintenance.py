"""Maintenance under real concurrency (issue 8): many clients at once on one ticket, entrance, work
order or elevator, on SQLite and PostgreSQL, each followed by `pms audit verify`.

Every rule that reads before it writes holds by a lock taken before the read (the ticket's, the
entrance's, the work's or work order's: `pms.core.db.lock_row`, see
`pms.maintenance.services.common.lock`) or by a constraint (one elevator per registration number,
one project name per estate, one SLA row per estate and urgency) — never by the check alone.
"""
from __future__ import annotations

import io
import urllib.error
import urllib.request
import uuid
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from pms.core.models import AuditEntry
from pms.maintenance.models import (Equipment, PlannedWork, RenovationProject, SlaPolicy, Ticket, TicketEvent,
                                    TicketPhoto, WorkOrder)
from pms.maintenance.services import equipment
from pms.maintenance.services.photos import MAX_PHOTOS_PER_TICKET
from tests.concurrency.conftest import Reply, race, statuses

N = 10


# ---- helpers ---------------------------------------------------------------------------------

def jpeg(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, "JPEG")
    return out.getvalue()


def post_files(server, path: str, files: list[tuple[str, bytes]], *, token: str, field: str = "photos",
               content_type: str = "image/jpeg") -> Reply:
    """A multipart/form-data POST of `files` (name, content) under one field name."""
    import json

    boundary = uuid.uuid4().hex
    parts = []
    for name, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(server.base + path, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Accept-Language", "en")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status, headers = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, headers = error.read(), error.code, dict(error.headers)
    ctype = headers.get("Content-Type", "")
    return Reply(status, json.loads(raw) if raw and "json" in ctype else raw, headers)


def count(db, model, *where) -> int:
    db.rollback()  # a fresh read of what the racers committed
    return db.scalar(select(func.count()).select_from(model).where(*where))


def events(db, ticket_id: int, **kw) -> list[TicketEvent]:
    db.rollback()
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    for key, value in kw.items():
        stmt = stmt.where(getattr(TicketEvent, key) == value)
    return list(db.scalars(stmt.order_by(TicketEvent.id)))


def ticket_of(db, ticket_id: int) -> Ticket:
    db.rollback()
    return db.get(Ticket, ticket_id)


@pytest.fixture
def tokens(server, world):
    """Tokens of the manager, the technician and the resident of YJL-3-2-501; the server's pool
    warmed with N connections, so no racer waits for a new connection while another one runs."""
    tokens = {name: server.token(name) for name in ("manager", "tech", "resident")}
    race(N, lambda i: server.get("/api/v1/tickets", token=tokens["manager"]))
    return tokens


@pytest.fixture
def file_ticket(server, tokens):
    """File a ticket for YJL-3-2-501 (as the resident) and move it as far as `status`."""
    path = {"submitted": [], "accepted": [("manager", {"to": "accepted"})],
            "assigned": [("manager", {"to": "accepted"}), ("manager", {"to": "assigned", "technician": "tech"})]}
    path["in_progress"] = path["assigned"] + [("tech", {"to": "in_progress"})]
    path["resolved"] = path["in_progress"] + [("tech", {"to": "resolved", "payer": "common"})]

    def make(status="submitted") -> int:
        reply = server.post("/api/v1/tickets", {"room": "YJL-3-2-501", "category": "plumbing",
                                                "description": "The kitchen pipe leaks", "urgency": "normal"},
                            token=tokens["resident"])
        assert reply.status == 201, reply.body
        ticket_id = reply.body["id"]
        for user, move in path[status]:
            moved = server.post(f"/api/v1/tickets/{ticket_id}/transitions", {"note": "", **move}, token=tokens[user])
            assert moved.status == 200, moved.body
        return ticket_id
    return make


def move(server, token, ticket_id, **body):
    return server.post(f"/api/v1/tickets/{ticket_id}/transitions", {"note": "", **body}, token=token)


# ---- photos ----------------------------------------------------------------------------------

def test_parallel_uploads_never_pass_the_photo_limit(server, tokens, file_ticket, db, audit_verify):
    ticket_id = file_ticket()
    replies = race(N, lambda i: post_files(server, f"/api/v1/tickets/{ticket_id}/photos",
                                           [(f"a{i}.jpg", jpeg()), (f"b{i}.jpg", jpeg((0, 90, 200)))],
                                           token=tokens["resident"]))
    wins = MAX_PHOTOS_PER_TICKET // 2  # 3 uploads of 2 photos fill the limit of 6
    assert statuses(replies) == [201] * wins + [422] * (N - wins)
    assert all("photos" in r.body["error"]["fields"] for r in replies if r.status == 422)
    assert count(db, TicketPhoto, TicketPhoto.ticket_id == ticket_id) == MAX_PHOTOS_PER_TICKET
    assert len(events(db, ticket_id, kind="photo")) == wins
    audit_verify()


# ---- the workflow ------------------------------------------------------------------------------

def test_parallel_identical_moves_one_wins(server, tokens, file_ticket, db, audit_verify):
    ticket_id = file_ticket("submitted")
    replies = race(N, lambda i: move(server, tokens["manager"], ticket_id, to="accepted"))
    assert statuses(replies) == [200] + [409] * (N - 1)
    assert all(r.body["error"]["code"] == "conflict" for r in replies if r.status == 409)
    assert len(events(db, ticket_id, kind="transition", from_status="submitted")) == 1
    assert ticket_of(db, ticket_id).status == "accepted"
    audit_verify()


def test_parallel_moves_to_two_states_one_wins(server, tokens, file_ticket, db, audit_verify):
    """Half the callers assign the accepted ticket, half (the resident) cancel it: one of them wins."""
    ticket_id = file_ticket("accepted")

    def act(i):
        if i % 2:
            return move(server, tokens["resident"], ticket_id, to="cancelled")
        return move(server, tokens["manager"], ticket_id, to="assigned", technician="tech")

    replies = race(N, act)
    assert statuses(replies) == [200] + [409] * (N - 1)
    winner = next(r for r in replies if r.status == 200).body["status"]
    moves = events(db, ticket_id, kind="transition", from_status="accepted")
    assert [e.to_status for e in moves] == [winner]
    assert ticket_of(db, ticket_id).status == winner
    audit_verify()


def test_parallel_reopens_count_once(server, tokens, file_ticket, db, audit_verify):
    ticket_id = file_ticket("resolved")
    replies = race(N, lambda i: move(server, tokens["resident"], ticket_id, to="reopened"))
    assert statuses(replies) == [200] + [409] * (N - 1)
    ticket = ticket_of(db, ticket_id)
    assert (ticket.status, ticket.reopen_count) == ("reopened", 1)
    assert len(events(db, ticket_id, kind="transition", to_status="reopened")) == 1
    audit_verify()


def test_technicians_racing_for_one_ticket_one_takes_it(server, tokens, file_ticket, db, world, audit_verify):
    from tests import factories as f

    techs = [f"tech{i}" for i in range(N)]
    for name in techs:
        f.make_user(db, name, "technician", company=world.acme)
    db.commit()
    mine = {name: server.token(name) for name in techs}
    ticket_id = file_ticket("accepted")
    replies = race(N, lambda i: move(server, mine[techs[i]], ticket_id, to="assigned"))
    assert statuses(replies) == [200] + [409] * (N - 1)
    winner = techs[next(i for i, r in enumerate(replies) if r.status == 200)]
    from pms.accounts.models import User

    ticket = ticket_of(db, ticket_id)
    assert (ticket.status, ticket.assignee_id) == ("assigned",
                                                   db.scalar(select(User.id).where(User.username == winner)))
    assert [e.actor_name for e in events(db, ticket_id, kind="transition", to_status="assigned")] == [winner]
    audit_verify()


def test_parallel_assignments_accept_once(server, tokens, file_ticket, db, audit_verify):
    """Managers assigning a submitted ticket at once: the first accepts and assigns it, the others
    find it assigned and reassign it; it is accepted exactly once."""
    ticket_id = file_ticket("submitted")
    replies = race(N, lambda i: server.post(f"/api/v1/tickets/{ticket_id}/assign",
                                            {"technician": "tech", "note": f"#{i}"}, token=tokens["manager"]))
    assert statuses(replies) == [200] * N
    assert [(e.from_status, e.to_status) for e in events(db, ticket_id, kind="transition")] == [
        (None, "submitted"), ("submitted", "accepted"), ("accepted", "assigned")]
    assert len(events(db, ticket_id, kind="assign")) == N - 1
    assert ticket_of(db, ticket_id).status == "assigned"
    audit_verify()


def test_parallel_ratings_one_counts(server, tokens, file_ticket, db, audit_verify):
    ticket_id = file_ticket("resolved")
    replies = race(N, lambda i: server.post(f"/api/v1/tickets/{ticket_id}/rating",
                                            {"rating": 1 + i % 5, "comment": f"#{i}"}, token=tokens["resident"]))
    assert statuses(replies) == [200] + [409] * (N - 1)
    winner = next(i for i, r in enumerate(replies) if r.status == 200)
    ticket = ticket_of(db, ticket_id)
    assert (ticket.rating, ticket.rating_comment) == (1 + winner % 5, f"#{winner}")
    assert len(events(db, ticket_id, kind="rating")) == 1
    audit_verify()


def test_rating_and_closing_with_a_rating_at_once_rate_once(server, tokens, file_ticket, db, audit_verify):
    ticket_id = file_ticket("resolved")

    def act(i):
        if i % 2:
            return move(server, tokens["resident"], ticket_id, to="closed", rating=5, comment="closing")
        return server.post(f"/api/v1/tickets/{ticket_id}/rating", {"rating": 2, "comment": "rating"},
                           token=tokens["resident"])

    replies = race(N, act)
    # Every close here carries a rating: after the first rating (or close) every other is refused.
    assert statuses(replies) == [200] + [409] * (N - 1)
    ticket = ticket_of(db, ticket_id)
    assert ticket.rating in (2, 5)
    assert len(events(db, ticket_id, kind="rating")) + len(events(db, ticket_id, to_status="closed")) == 1
    audit_verify()


def test_costs_never_land_on_a_closed_ticket(server, tokens, file_ticket, db, audit_verify):
    """A manager closes the resolved ticket while the technician adds costs: every cost that was
    accepted was added before the close (the close's own event comes after all of them)."""
    ticket_id = file_ticket("resolved")

    def act(i):
        if i == 0:
            return move(server, tokens["manager"], ticket_id, to="closed")
        return server.post(f"/api/v1/tickets/{ticket_id}/costs",
                           {"kind": "material", "description": f"pipe {i}", "quantity": 1,
                            "unit_price_fen": 100}, token=tokens["tech"])

    replies = race(N, act)
    assert replies[0].status == 200
    added = [r for r in replies[1:] if r.status == 201]
    assert statuses(replies[1:]) == [201] * len(added) + [409] * (N - 1 - len(added))
    history = events(db, ticket_id)
    closed_at = next(i for i, e in enumerate(history) if e.to_status == "closed" and e.kind == "transition")
    assert [e for e in history[closed_at:] if e.kind == "cost"] == []
    assert len([e for e in history if e.kind == "cost"]) == len(added)
    audit_verify()


# ---- planned works ---------------------------------------------------------------------------

def test_parallel_overlapping_planned_works_one_is_created(server, tokens, db, audit_verify):
    def work(i):
        service = "water_kitchen" if i % 2 else "water_bathroom"  # kitchen + bathroom together: refused too
        return server.post("/api/v1/planned-works", {
            "estate": "YJL", "building": "3", "entrance": "2", "service": service,
            "starts_at": f"2030-03-05T09:{i:02d}:00+08:00", "ends_at": "2030-03-05T12:00:00+08:00",
            "title": f"work {i}"}, token=tokens["manager"])

    replies = race(N, work)
    assert statuses(replies) == [201] + [409] * (N - 1)
    assert count(db, PlannedWork) == 1
    audit_verify()


def test_parallel_cancellations_of_one_work_one_wins(server, tokens, db, audit_verify):
    created = server.post("/api/v1/planned-works", {
        "estate": "YJL", "building": "3", "entrance": "2", "service": "power",
        "starts_at": "2030-03-05T09:00:00+08:00", "ends_at": "2030-03-05T12:00:00+08:00"}, token=tokens["manager"])
    assert created.status == 201, created.body
    replies = race(N, lambda i: server.post(f"/api/v1/planned-works/{created.body['id']}/cancel",
                                            token=tokens["manager"]))
    assert statuses(replies) == [200] + [409] * (N - 1)
    audit_verify()


# ---- elevators, work orders, projects, SLAs ---------------------------------------------------

def elevator(server, token, number="T11010512345"):
    return server.post("/api/v1/elevators", {
        "estate": "YJL", "building": "3", "entrance": "2", "registration_number": number,
        "accepted_on": "2025-03-10"}, token=token)


def test_parallel_registrations_of_one_elevator_one_wins(server, tokens, db, audit_verify):
    replies = race(N, lambda i: elevator(server, tokens["manager"]))
    assert statuses(replies) == [201] + [409] * (N - 1)
    assert all(r.body["error"]["code"] == "conflict" for r in replies if r.status == 409)
    assert count(db, Equipment) == 1
    audit_verify()


def test_parallel_completions_of_one_work_order_one_wins(server, tokens, db, audit_verify):
    assert elevator(server, tokens["manager"]).status == 201
    equipment.generate_work_orders(db, today=date(2026, 3, 2))
    db.commit()
    order = db.scalar(select(WorkOrder).where(WorkOrder.kind == "inspection"))
    # A failed inspection may be completed again (by the re-inspection): once, not ten times.
    assert server.post(f"/api/v1/work-orders/{order.id}/complete", {"result": "failed"},
                       token=tokens["tech"]).status == 200
    replies = race(N, lambda i: server.post(f"/api/v1/work-orders/{order.id}/complete",
                                            {"result": "passed", "note": f"cert {i}"}, token=tokens["tech"]))
    assert statuses(replies) == [200] + [409] * (N - 1)
    assert count(db, AuditEntry, AuditEntry.action == "maintenance.work_order_done") == 2
    audit_verify()


def test_parallel_projects_with_one_name_one_wins(server, tokens, db, audit_verify):
    replies = race(N, lambda i: server.post("/api/v1/renovation-projects", {
        "estate": "YJL", "name": "Roof 2025", "contractor": f"builder {i}", "accepted_on": "2025-06-30",
        "components": [{"kind": "roof_waterproofing", "building": "3"}]}, token=tokens["manager"]))
    assert statuses(replies) == [201] + [409] * (N - 1)
    assert count(db, RenovationProject) == 1
    audit_verify()


def test_parallel_sla_overrides_all_apply(server, tokens, db, world, audit_verify):
    replies = race(N, lambda i: server.call("PUT", "/api/v1/estates/YJL/maintenance/sla", {
        "urgent": {"respond_minutes": 30 + i, "resolve_minutes": 600}}, token=tokens["manager"]))
    assert statuses(replies) == [200] * N
    db.rollback()
    rows = db.scalars(select(SlaPolicy).where(SlaPolicy.estate_id == world.yjl.id)).all()
    assert [(r.urgency, r.resolve_minutes) for r in rows] == [("urgent", 600)]
    assert 30 <= rows[0].respond_minutes < 30 + N
    assert count(db, AuditEntry, AuditEntry.action == "maintenance.sla_set") == N
    audit_verify()


# ---- the jobs: several runs at once (a second scheduler, a manual run beside the scheduled one) --

def run_in_threads(app, n, job):
    """`job(session)` in n threads at once, each in its own unit of work (as a job step runs)."""
    from pms.core.db import unit_of_work

    def one(_i):
        with app.app_context(), unit_of_work() as session:
            return job(session)
    return race(n, one)


def test_parallel_work_order_generation_creates_each_once(server, tokens, app, db, audit_verify):
    assert elevator(server, tokens["manager"]).status == 201
    results = run_in_threads(app, N, lambda s: equipment.generate_work_orders(s, today=date(2026, 3, 2)))
    assert sum(results) == 3  # 2026-03-05, 03-20 maintenance, 03-10 inspection: once each
    assert count(db, WorkOrder) == 3
    audit_verify()


def test_parallel_sla_checks_alert_once(server, tokens, file_ticket, app, db, audit_verify):
    from datetime import timedelta

    from pms.core.models import Notification, OutboxMessage
    from pms.maintenance.models import TicketAlert
    from pms.maintenance.services import alerts

    ids = [file_ticket() for _ in range(3)]
    late = ticket_of(db, ids[-1]).resolve_by + timedelta(days=1)  # both deadlines of all three passed
    results = run_in_threads(app, N, lambda s: alerts.check_sla(s, now=late))
    assert sum(results) == 2 * len(ids)
    assert count(db, TicketAlert) == 2 * len(ids)
    assert count(db, Notification, Notification.kind == "sla_breach") == 2 * len(ids)  # one manager
    assert count(db, OutboxMessage, OutboxMessage.channel == "email") == 2 * len(ids)
    audit_verify()
