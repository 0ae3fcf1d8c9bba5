"""The resident's home links to the household's care visits only when an elder of their rooms is
registered (one EXISTS query)."""
from __future__ import annotations

from pms.eldercare.services import household
from tests.factories import bearer
from tests.home.fixtures import principal
from tests.web import logged_in, text

LINK = 'href="/eldercare/my"'


def _register_elder(client):
    body = {"room": "YJL-3-2-501", "name": "张三", "birth_date": "1940-05-10", "lives_alone": True,
            "emergency_contacts": [{"name": "张小红", "phone": "13911112222", "relation": "女儿"}],
            "consent": True, "confirmation_pin": "2468"}
    r = client.post("/api/v1/elders", json=body, headers=bearer(client, "carer"))
    assert r.status_code == 201, r.get_json()


def _main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_no_card_without_an_elder(app, world, clock, db):
    page = _main(text(logged_in(app.test_client(), "resident").get("/")))
    assert LINK not in page and "我家的上门服务" not in page
    assert household.has_elder(db, principal(db, "resident")) is False


def test_card_links_to_the_households_visits_when_an_elder_lives_in_ones_room(app, world, clock, db):
    _register_elder(app.test_client())
    client = logged_in(app.test_client(), "resident")
    page = _main(text(client.get("/")))
    assert LINK in page and "我家的上门服务" in page
    assert client.get("/eldercare/my").status_code == 200
    assert household.has_elder(db, principal(db, "resident")) is True
    # Another room's resident (another company's estate) gets no card.
    other = _main(text(logged_in(app.test_client(), "other_resident").get("/")))
    assert LINK not in other
    assert household.has_elder(db, principal(db, "other_resident")) is False


def test_the_check_is_one_query(app, world, clock, db):
    from sqlalchemy import event

    _register_elder(app.test_client())
    who = principal(db, "resident")
    statements = []
    engine = db.get_bind()
    listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert household.has_elder(db, who) is True
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and "EXISTS" in statements[0].upper(), statements
