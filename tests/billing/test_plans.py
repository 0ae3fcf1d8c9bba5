"""Fee plan documents: validation with field paths, warnings, storage, succession, `pms fees apply`."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import select

from pms.billing.models import (FeeItem, FeeItemEntrance, FeeItemFloorWeight, FeeItemRoom, FeePlan,
                                FeePlanSubsidy)
from pms.billing.services.plans import plan_in_force
from pms.cli import cli
from pms.core.models import AuditEntry
from pms.subsidies.services import create_program
from tests.factories import bearer

CONTRACT_PLAN = {
    "estate": "YJL", "effective_from": "2026-01", "due_day": 15,
    "late_fee": {"daily_rate_per_10k": 5, "grace_days": 30, "cap_percent": 30},
    "items": [
        {"code": "PROPERTY", "name": "物业服务费", "kind": "area", "rate_fen_per_m2": 120},
        {"code": "ELEVATOR", "name": "电梯运行费", "kind": "elevator_share", "entrances": ["3-2"],
         "monthly_cost_fen": 180000, "floor_weights": {"1": 0, "2": 0, "3": 10, "4": 20, "5": 30, "6": 40}},
        {"code": "PARKING", "name": "停车费", "kind": "fixed", "amount_fen": 15000, "rooms": ["YJL-3-2-501"]}],
    "subsidies": [{"program": "TBB-2026", "item": "PROPERTY",
                   "percent_by_period": {"2026-01": 100, "2026-02": 50}}],
}


def contract_plan(**changes):
    document = copy.deepcopy(CONTRACT_PLAN)
    document.update(changes)
    return document


@pytest.fixture
def programs(app, world):
    from pms.core.db import unit_of_work
    with app.test_request_context(), unit_of_work() as s:
        create_program(s, "TBB-2026", "先尝后买", district_code="110112", kind="property_service")
        create_program(s, "CY-2026", "朝阳补贴", district_code="110105", kind="property_service")


def put(client, user, document, estate="YJL"):
    return client.put(f"/api/v1/estates/{estate}/fee-plan", json=document, headers=bearer(client, user))


def test_the_contract_example_loads_with_warnings_for_missing_floors(client, world, programs, app):
    response = put(client, "manager", CONTRACT_PLAN)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["effective_from"] == "2026-01" and body["until"] is None and body["id"] > 0
    assert [i["code"] for i in body["items"]] == ["PROPERTY", "ELEVATOR", "PARKING"]
    # world's entrance 3-2 only has rooms on floor 5: the other weighted floors are warned about
    assert sorted(w["field"] for w in body["warnings"]) == [
        f"items.1.floor_weights.{floor}" for floor in (1, 2, 3, 4, 6)]
    from pms.core.db import unit_of_work
    with app.app_context(), unit_of_work() as s:
        plan = s.scalar(select(FeePlan))
        assert (plan.due_day, plan.late_fee_daily_rate_per_10k, plan.late_fee_grace_days,
                plan.late_fee_cap_percent, plan.created_by) == (15, 5, 30, 30, "manager")
        assert json.loads(plan.document)["items"][1]["monthly_cost_fen"] == 180000
        items = {i.code: i for i in s.scalars(select(FeeItem))}
        assert (items["PROPERTY"].kind, items["PROPERTY"].rate_fen_per_m2, items["PROPERTY"].usages) == \
            ("area", 120, None)
        assert items["PARKING"].all_rooms is False and items["ELEVATOR"].monthly_cost_fen == 180000
        assert len(s.scalars(select(FeeItemEntrance)).all()) == 1
        assert {(w.floor, w.weight) for w in s.scalars(select(FeeItemFloorWeight))} == \
            {(1, 0), (2, 0), (3, 10), (4, 20), (5, 30), (6, 40)}
        assert [r.room_id for r in s.scalars(select(FeeItemRoom))] == [world.r501.id]
        assert {(x.period, x.percent) for x in s.scalars(select(FeePlanSubsidy))} == {("2026-01", 100), ("2026-02", 50)}
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "fee_plan.apply")) is not None


def test_no_late_fee_clause_is_stored_as_none(client, world, programs, app):
    response = put(client, "manager", contract_plan(late_fee=None, subsidies=[]))
    assert response.status_code == 201 and response.get_json()["late_fee"] is None
    document = contract_plan(subsidies=[])
    del document["late_fee"]
    document["effective_from"] = "2026-02"
    assert put(client, "manager", document).status_code == 201
    from pms.core.db import unit_of_work
    with app.app_context(), unit_of_work() as s:
        assert [p.late_fee_daily_rate_per_10k for p in s.scalars(select(FeePlan))] == [None, None]


BAD = [
    # (change, field path)
    (lambda d: d["items"].append({"code": "X", "name": "x", "kind": "per_ride"}), "items.3.kind"),
    (lambda d: d["items"][0].update(rate_fen_per_m2=-1), "items.0.rate_fen_per_m2"),
    (lambda d: d["items"][2].update(amount_fen=-100), "items.2.amount_fen"),
    (lambda d: d["items"][1].update(monthly_cost_fen=-5), "items.1.monthly_cost_fen"),
    (lambda d: d["items"][1]["floor_weights"].update({"7": -1}), "items.1.floor_weights.7.value"),
    (lambda d: d["items"][0].update(colour="red"), "items.0.colour"),
    (lambda d: d.update(discount=3), "discount"),
    (lambda d: d["items"][1].update(entrances=["32"]), "items.1.entrances.0"),
    (lambda d: d["items"][1].update(entrances=["3-2", "9-9"]), "items.1.entrances.1"),
    (lambda d: d["items"][2].update(rooms=["YJL-3-2-999"]), "items.2.rooms.0"),
    (lambda d: d["items"][2].update(rooms=["HXY-1-1-101"]), "items.2.rooms.0"),
    (lambda d: d["subsidies"][0]["percent_by_period"].update({"2026-03": 101}),
     "subsidies.0.percent_by_period.2026-03.value"),
    (lambda d: d["subsidies"][0]["percent_by_period"].update({"2026-03": -1}),
     "subsidies.0.percent_by_period.2026-03.value"),
    (lambda d: d["subsidies"][0].update(program="NOPE"), "subsidies.0.program"),
    (lambda d: d["subsidies"][0].update(program="CY-2026"), "subsidies.0.program"),  # other district
    (lambda d: d["subsidies"][0].update(item="WATER"), "subsidies.0.item"),
    (lambda d: d["items"][2].update(code="PROPERTY"), "items.2.code"),
    (lambda d: d.update(effective_from="2026-13"), "effective_from"),
    (lambda d: d["subsidies"][0]["percent_by_period"].update({"2026-3": 10}),
     "subsidies.0.percent_by_period.2026-3.key"),
    (lambda d: d.update(due_day=0), "due_day"),
    (lambda d: d.update(due_day=32), "due_day"),
    (lambda d: d["late_fee"].update(cap_percent=150), "late_fee.cap_percent"),
    (lambda d: d["items"][0].update(amount_fen=5), "items.0.amount_fen"),  # not for kind area
    (lambda d: d["items"][2].pop("amount_fen"), "items.2.amount_fen"),
    (lambda d: d["items"][0].update(usages=["industrial"]), "items.0.usages.0"),
    (lambda d: d["items"][0].update(rate_fen_per_m2="120"), "items.0.rate_fen_per_m2"),
    (lambda d: d.update(estate="HXY"), "estate"),
    (lambda d: d.update(items=[]), "items"),
    (lambda d: d["items"][1].update(floor_weights={"1": 10, "2": 10}), "items.1.entrances.0"),  # no weight on floor 5
]


def test_bad_documents_answer_422_with_the_field_path(client, world, programs):
    headers = bearer(client, "manager")
    wrong = []
    for change, path in BAD:
        document = contract_plan()
        change(document)
        response = client.put("/api/v1/estates/YJL/fee-plan", json=document, headers=headers)
        error = (response.get_json() or {}).get("error", {})
        if response.status_code != 422 or error.get("code") != "invalid" or path not in error.get("fields", {}):
            wrong.append((path, response.status_code, error.get("fields")))
    assert wrong == []
    listed = client.get("/api/v1/estates/YJL/fee-plans", headers=headers).get_json()
    assert listed["items"] == []  # nothing was stored


def test_effective_from_may_not_repeat_or_reach_into_billed_periods(client, world, programs):
    assert put(client, "manager", contract_plan()).status_code == 201
    again = put(client, "manager", contract_plan())
    assert again.status_code == 422 and "effective_from" in again.get_json()["error"]["fields"]
    run = client.post("/api/v1/billing-runs", json={"estate": "YJL", "period": "2026-03"},
                      headers=bearer(client, "finance"))
    assert run.status_code == 201
    for period in ("2026-02", "2026-03"):
        late = put(client, "manager", contract_plan(effective_from=period))
        assert late.status_code == 422 and "effective_from" in late.get_json()["error"]["fields"]
    assert put(client, "manager", contract_plan(effective_from="2026-04")).status_code == 201


def test_plan_in_force_and_succession(client, world, programs, app):
    assert put(client, "manager", contract_plan(effective_from="2026-03")).status_code == 201
    assert put(client, "manager", contract_plan(effective_from="2026-01")).status_code == 201
    assert put(client, "manager", contract_plan(effective_from="2026-07")).status_code == 201
    from pms.core.db import unit_of_work
    with app.app_context(), unit_of_work() as s:
        assert plan_in_force(s, world.yjl.id, "2025-12") is None
        assert plan_in_force(s, world.yjl.id, "2026-02").effective_from == "2026-01"
        assert plan_in_force(s, world.yjl.id, "2026-03").effective_from == "2026-03"
        assert plan_in_force(s, world.yjl.id, "2026-06").effective_from == "2026-03"
        assert plan_in_force(s, world.yjl.id, "2030-01").effective_from == "2026-07"
        assert plan_in_force(s, world.hxy.id, "2026-06") is None
    listed = client.get("/api/v1/estates/YJL/fee-plans", headers=bearer(client, "auditor")).get_json()
    assert [(p["effective_from"], p["until"]) for p in listed["items"]] == [
        ("2026-01", "2026-02"), ("2026-03", "2026-06"), ("2026-07", None)]


def test_malformed_body_is_400(client, world):
    response = client.put("/api/v1/estates/YJL/fee-plan", data="{not json", headers={
        **bearer(client, "manager"), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


PUT_STATUS = {"admin": 201, "manager": 201, "finance": 403, "tech": 403, "carer": 403, "resident": 403,
              "auditor": 403, "other_manager": 404, "other_resident": 404, "other_auditor": 403,
              "officer": 403, "other_officer": 403}


@pytest.mark.parametrize("user", sorted(PUT_STATUS))
def test_who_may_load_a_plan(client, world, programs, user):
    response = put(client, user, contract_plan())
    assert response.status_code == PUT_STATUS[user], response.get_json()


READ_STATUS = {"admin": 200, "manager": 200, "finance": 200, "tech": 403, "carer": 403, "resident": 403,
               "auditor": 200, "other_manager": 404, "other_resident": 404, "other_auditor": 404,
               "officer": 200, "other_officer": 404}


@pytest.mark.parametrize("user", sorted(READ_STATUS))
def test_who_may_read_plans(client, world, user):
    response = client.get("/api/v1/estates/YJL/fee-plans", headers=bearer(client, user))
    assert response.status_code == READ_STATUS[user]


def test_fees_apply_cli(runner, world, programs, tmp_path, app):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(CONTRACT_PLAN, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(cli, ["fees", "apply", str(path)])
    assert result.exit_code == 0, result.output
    assert "in force from 2026-01" in result.output and "warning: items.1.floor_weights.6" in result.output
    again = runner.invoke(cli, ["fees", "apply", str(path)])
    assert again.exit_code == 1 and "effective_from" in again.output
    bad = contract_plan(effective_from="2026-05")
    bad["items"][0]["kind"] = "per_ride"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = runner.invoke(cli, ["fees", "apply", str(path)])
    assert result.exit_code == 1 and "items.0.kind" in result.output
    path.write_text("{", encoding="utf-8")
    assert runner.invoke(cli, ["fees", "apply", str(path)]).exit_code == 1
    path.write_text(json.dumps(contract_plan(estate="NOPE")), encoding="utf-8")
    unknown = runner.invoke(cli, ["fees", "apply", str(path)])
    assert unknown.exit_code == 1 and "NOPE" in unknown.output
