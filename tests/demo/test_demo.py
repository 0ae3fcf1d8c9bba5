"""`pms demo load`: realistic, deterministic for a seed, idempotent, with working logins."""
from __future__ import annotations

import random
import types
from collections import Counter

import pytest
from sqlalchemy import delete, func, select

from pms import import_models
from pms.core.db import get_session, metadata
from pms.demo import loader
from pms.estates.models import Building, Entrance, Estate, Ownership, Person, Room
from pms.estates.registry.cells import id_number_valid
from tests.estates.registry_files import counts


def snapshot(app) -> list[tuple]:
    """Every room with its owner, by code (ids left out: they differ between databases)."""
    with app.app_context():
        return get_session().execute(
            select(Room.code, Room.floor, Room.area_centi_m2, Room.usage, Person.name, Person.phone,
                   Person.id_number)
            .join(Ownership, Ownership.room_id == Room.id).join(Person, Person.id == Ownership.person_id)
            .order_by(Room.code)).all()


def empty_database(app) -> None:
    import_models()
    with app.app_context():
        session = get_session()
        for table in reversed(metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()


def test_the_same_seed_gives_the_same_demo(app, runner):
    result = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "estates 1, rooms 60: created 60, updated 0, unchanged 0" in result.output
    first = snapshot(app)
    assert len(first) == 60
    empty_database(app)
    assert runner.invoke(args=["demo", "load", "--households", "60", "--seed", "7"]).exit_code == 0
    assert snapshot(app) == first
    empty_database(app)
    assert runner.invoke(args=["demo", "load", "--households", "60", "--seed", "8"]).exit_code == 0
    other = snapshot(app)
    assert [r[0] for r in other] != [r[0] for r in first] or [r[4:] for r in other] != [r[4:] for r in first]


def test_loading_again_changes_nothing(app, runner):
    assert runner.invoke(args=["demo", "load", "--households", "40"]).exit_code == 0
    with app.app_context():
        before = counts(get_session())
    again = runner.invoke(args=["demo", "load", "--households", "40"])
    assert again.exit_code == 0, again.output
    assert "created 0, updated 0, unchanged 40" in again.output
    with app.app_context():
        after = counts(get_session())
    assert after == {**before, "audit_entry": before["audit_entry"] + 1}  # the import's audit entry


def test_if_empty_does_nothing_when_an_estate_exists(app, world, runner):
    with app.app_context():
        before = counts(get_session())
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    assert "estates exist already: the demo was not loaded" in result.output
    with app.app_context():
        assert counts(get_session()) == before


def test_the_default_demo_is_one_realistic_estate(app, runner):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        [estate] = session.scalars(select(Estate)).all()
        assert (estate.code, estate.name) == ("YJL", "云景里")
        buildings = session.scalar(select(func.count()).select_from(Building))
        assert 9 <= buildings <= 11
        per_building = Counter(session.scalars(select(Entrance.building_id)))
        assert set(per_building.values()) <= {2, 3, 4}
        rooms = session.scalars(select(Room)).all()
        assert {r.floor for r in rooms} == {1, 2, 3, 4, 5, 6}
        assert all(4500 <= r.area_centi_m2 <= 9500 for r in rooms)
        assert all(r.floor == int(r.number[:-2]) for r in rooms)
        per_floor = Counter((r.entrance_id, r.floor) for r in rooms)
        assert set(per_floor.values()) <= {2, 3}
        shops = [r for r in rooms if r.usage == "commercial"]
        assert shops and len(shops) < len(rooms) / 10 and {r.floor for r in shops} == {1}
        people = session.scalars(select(Person)).all()
        with_id = [p for p in people if p.id_number]
        assert len(with_id) > len(people) * 0.7
        assert all(id_number_valid(p.id_number) and 1935 <= int(p.id_number[6:10]) <= 1990 for p in with_id)
        assert len({p.id_number for p in with_id}) == len(with_id)
        assert all(2 <= len(p.name) <= 3 for p in people)
        assert sum(1 for p in people if len(p.phone) == 11 and p.phone.startswith("1")) > len(people) * 0.8
    assert "manager     manager      demo-manager-2026" in result.output


def token_headers(client, username, password):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


STAFF_LOGINS = [("admin", "demo-admin-2026"), ("manager", "demo-manager-2026"), ("finance", "demo-finance-2026"),
                ("technician", "demo-technician-2026"), ("carer", "demo-carer-2026"),
                ("auditor", "demo-auditor-2026")]


def test_demo_staff_can_log_in_and_see_the_estate(app, client, runner):
    assert runner.invoke(args=["demo", "load", "--households", "120"]).exit_code == 0
    for username, password in STAFF_LOGINS:
        headers = token_headers(client, username, password)
        assert client.get("/api/v1/rooms?limit=500", headers=headers).get_json()["total"] == 120, username
        assert [e["code"] for e in client.get("/api/v1/estates", headers=headers).get_json()["items"]] == ["YJL"]
    assert client.post("/api/v1/auth/token", json={"username": "manager", "password": "nope-nope"}).status_code == 401


def test_the_demo_resident_sees_their_own_room_only(app, client, runner):
    result = runner.invoke(args=["demo", "load"])
    assert "resident    resident     demo-resident-2026" in result.output
    headers = token_headers(client, "resident", "demo-resident-2026")
    assert [r["code"] for r in client.get("/api/v1/rooms", headers=headers).get_json()["items"]] == ["YJL-3-2-501"]
    assert client.get("/api/v1/rooms/YJL-3-2-502", headers=headers).status_code == 404
    # ... and logs in on the web.
    assert client.post("/login", data={"username": "resident", "password": "demo-resident-2026"}).status_code == 302


def test_households_make_as_many_estates_as_needed():
    rows = loader.generate_rows(random.Random(3), 1234)
    assert len(rows) == 1234
    sizes = Counter(r.estate_code for r in rows)
    assert list(sizes) == ["YJL", "YQX", "LHL"] and list(sizes.values()) == [500, 500, 234]
    assert len({r.code for r in rows}) == 1234
    assert loader.estate_identity(20) == ("YJL2", "云景里二区")
    assert loader.generate_rows(random.Random(3), 1234) == rows


def test_domain_demo_steps_run_in_order_each_in_its_own_transaction(app, monkeypatch):
    calls = []

    def module(name, order=None, fail=False):
        def seed(session, ctx):
            calls.append((name, ctx.company.code, [e.code for e in ctx.estates], sorted(ctx.users),
                          ctx.rng.random(), ctx.today))
            session.add(Building(estate_id=ctx.estates[0].id, code=f"X{name}"))
            session.flush()
            if fail:
                raise RuntimeError("boom")
        m = types.SimpleNamespace(seed=seed)
        if order is not None:
            m.ORDER = order
        return m

    fakes = {"billing": module("billing", 10), "zeta": module("zeta"), "alpha": module("alpha", fail=True)}
    monkeypatch.setattr(loader, "domain_names", lambda: ["alpha", "billing", "demo", "zeta"])
    monkeypatch.setattr(loader, "domain_module", lambda domain, part: fakes.get(domain))
    assert [d for d, _m in loader.domain_steps()] == ["billing", "alpha", "zeta"]
    with app.app_context(), pytest.raises(RuntimeError):
        loader.load(5, 30)
    assert [c[0] for c in calls] == ["billing", "alpha"]
    assert calls[0][1:4] == ("DEMO", ["YJL"], ["admin", "auditor", "carer", "finance", "manager", "officer",
                                               "officer2", "resident", "technician"])
    assert calls[0][4] == random.Random("pms-demo:5:billing").random()
    with app.app_context():
        codes = set(get_session().scalars(select(Building.code)))
    assert "Xbilling" in codes and "Xalpha" not in codes  # the failed step alone was rolled back
