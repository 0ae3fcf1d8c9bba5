"""Registering and reading elders: consent, hashed PIN, home code (shown once, reprint revokes),
bad input (future birth, under 60, twice), private fields by role, eligibility."""
from sqlalchemy import func, select

from pms.core.models import AuditEntry
from pms.eldercare import rules
from pms.eldercare.models import Elder, EmergencyContact
from pms.estates.models import Person, Residency
from tests.eldercare.conftest import PIN


def test_registering_records_consent_hashes_the_pin_and_shows_the_home_code_once(api, db):
    body = api.register()
    assert body["room"] == "YJL-3-2-501" and body["name"] == "张三" and body["age"] == 85
    assert body["consent"]["by"] == "carer" and body["consent"]["at"] == "2026-03-02T01:00:00Z"
    assert body["lives_alone"] is True and body["daily_check_in"] is True
    code = body["home_code"]
    assert len(code) == rules.HOME_CODE_LENGTH and "confirmation_pin" not in body
    elder = db.get(Elder, body["id"])
    assert elder.pin_hash != PIN and elder.pin_hash.startswith("pbkdf2:") and PIN not in elder.pin_hash
    assert elder.home_code_hash == rules.home_code_hash(code) and code not in elder.home_code_hash
    # The owner 张三 of the room is the person: no second person is made.
    assert db.scalar(select(func.count(Person.id)).where(Person.name == "张三")) == 1
    again = api.get("carer", f"/api/v1/elders/{body['id']}").get_json()
    assert "home_code" not in again and again["health_notes"] == "高血压，每天早上服药"
    audit = db.scalars(select(AuditEntry.payload).where(AuditEntry.action == "elder.register")).one()
    assert PIN not in audit and code not in audit and "高血压" not in audit


def test_someone_not_on_record_becomes_a_family_resident_of_the_room(api, db):
    body = api.register(name="张奶奶", birth_date="1938-01-20", lives_alone=False)
    person = db.scalar(select(Person).where(Person.name == "张奶奶"))
    assert db.scalar(select(Residency.relation).where(Residency.person_id == person.id)) == "family"
    assert body["daily_check_in"] is False


def test_registered_twice_is_409_and_nothing_is_half_saved(api, db):
    api.register()
    again = api.register(expect=409, emergency_contacts=[{"name": "李", "phone": "13900000000", "relation": "子"}])
    assert again["error"]["code"] == "conflict" and "张三" in again["error"]["message"]
    assert db.scalar(select(func.count(Elder.id))) == 1
    assert db.scalar(select(func.count(EmergencyContact.id))) == 1


def test_bad_input_names_the_field(api, db):
    future = api.register(expect=422, birth_date="2026-03-03")
    assert list(future["error"]["fields"]) == ["birth_date"]
    young = api.register(expect=422, birth_date="1966-03-03")  # 59 until tomorrow
    assert list(young["error"]["fields"]) == ["birth_date"]
    assert api.register(expect=422, consent=False)["error"]["fields"].keys() == {"consent"}
    for pin in ("123", "1234567", "12a4"):
        assert "confirmation_pin" in api.register(expect=422, confirmation_pin=pin)["error"]["fields"]
    assert "disability_tier" in api.register(expect=422, disability_tier=3)["error"]["fields"]
    assert "hardship" in api.register(expect=422, hardship="rich")["error"]["fields"]
    assert "room" in api.register(expect=422, room="HXY-1-1-101")["error"]["fields"]  # another company's
    assert db.scalar(select(func.count(Elder.id))) == 0
    assert db.scalar(select(func.count(Person.id)).where(Person.name != "张三", Person.name != "李四",
                                                          Person.name != "王五")) == 0


def test_under_60_with_a_disability_tier_is_registered(api):
    body = api.register(birth_date="1980-01-01", disability_tier=2, name="张小明")
    assert body["age"] == 46 and body["disability_tier"] == 2


# other_manager may register, but not in a room of another company (422 on the room).
WHO_MAY_REGISTER = [("finance", 403), ("tech", 403), ("resident", 403), ("auditor", 403), ("other_auditor", 403),
                    ("other_resident", 403), ("other_manager", 422), ("manager", 201), ("carer", 201),
                    ("admin", 201), ("officer", 403), ("other_officer", 403)]


def test_who_may_register(api):
    for user, status in WHO_MAY_REGISTER:
        api.register(user, expect=status, name=f"张{user}")


def test_reprinting_the_card_revokes_the_old_code(api, db):
    body = api.register()
    first = body["home_code"]
    r = api.post("manager", f"/api/v1/elders/{body['id']}/home-code")
    assert r.status_code == 201, r.get_json()
    second = r.get_json()["home_code"]
    assert second != first
    stored = db.get(Elder, body["id"]).home_code_hash
    assert rules.home_code_matches(second, stored) and not rules.home_code_matches(first, stored)
    assert api.post("finance", f"/api/v1/elders/{body['id']}/home-code").status_code == 403
    assert api.post("other_manager", f"/api/v1/elders/{body['id']}/home-code").status_code == 404


def test_eligibility_on_a_day_with_reasons(api):
    elder = api.register(birth_date="1946-03-03", hardship="dibao", disability_tier=1)
    url = f"/api/v1/elders/{elder['id']}/eligibility"
    before = api.get("finance", url, query_string={"as_of": "2026-03-02"}).get_json()
    assert before == {"as_of": "2026-03-02", "total_fen": 90000, "allowances": [
        {"code": "dibao", "amount_fen": 30000, "reason": before["allowances"][0]["reason"]},
        {"code": "disability_1", "amount_fen": 60000, "reason": before["allowances"][1]["reason"]}]}
    on = api.get("auditor", url, query_string={"as_of": "2026-03-03"}).get_json()
    assert [(a["code"], a["amount_fen"]) for a in on["allowances"]] == [
        ("age_80_89", 10000), ("dibao", 30000), ("disability_1", 60000)]
    assert on["total_fen"] == 100000 and "80" in on["allowances"][0]["reason"]
    today = api.get("carer", url).get_json()
    assert today["as_of"] == "2026-03-02" and today["total_fen"] == 90000
    assert api.get("carer", url, query_string={"as_of": "2026-02-30"}).status_code == 422
    assert api.get("other_manager", url).status_code == 404


def test_listing_elders_by_estate_and_living_alone(api):
    alone = api.register()
    api.register(room="YJL-3-2-502", name="李四", lives_alone=False)
    listed = api.get("manager", "/api/v1/elders", query_string={"estate": "YJL", "lives_alone": "true"}).get_json()
    assert listed["total"] == 1 and listed["items"] == [{
        "id": alone["id"], "room": "YJL-3-2-501", "name": "张三", "age": 85, "lives_alone": True,
        "disability_tier": None, "hardship": None}]
    assert api.get("manager", "/api/v1/elders", query_string={"limit": 1, "offset": 1}).get_json()["items"][0][
        "room"] == "YJL-3-2-502"
    assert api.get("manager", "/api/v1/elders", query_string={"estate": "HXY"}).status_code == 404
