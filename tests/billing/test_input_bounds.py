"""Billing inputs at their bounds: days and periods (core.periods' years, ASCII YYYY-MM), whole
error messages, and fee plans whose lists are capped before they are loaded."""
import json
import time

import pytest

from pms.billing.schemas.bills import (MAX_ITEMS, MAX_ROOMS_PER_ITEM, MAX_SUBSIDY_PERIODS,
                                 FeePlanDocumentSchema)
from pms.core.api import load_data
from pms.core.errors import Invalid
from tests.factories import bearer
from tests.web import logged_in


def fields_of(response, status=422):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    return response.get_json()["error"]["fields"]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_as_of_beyond_the_bounds_is_422(client, world, as_of):
    headers = bearer(client, "manager")
    assert list(fields_of(client.get(f"/api/v1/rooms/YJL-3-2-501/account?as_of={as_of}", headers=headers))) == ["as_of"]
    assert list(fields_of(client.get(f"/api/v1/estates/YJL/arrears?as_of={as_of}", headers=headers))) == ["as_of"]
    assert client.get(f"/api/v1/estates/YJL/arrears?as_of=2100-12-31", headers=headers).status_code == 200
    logged_in(client, "manager")
    assert client.get(f"/rooms/YJL-3-2-501/account?as_of={as_of}").status_code == 422
    assert client.get(f"/estates/YJL/arrears?as_of={as_of}").status_code == 422


@pytest.mark.parametrize("period", ["0000-01", "２０２６-01", "2026-０１", "9999-12", "1999-12"])
def test_collection_takes_only_ascii_periods_within_the_bounds(client, world, period):
    headers = bearer(client, "manager")
    assert list(fields_of(client.get(f"/api/v1/estates/YJL/collection?period={period}", headers=headers))) == ["period"]
    logged_in(client, "manager")
    assert client.get(f"/billing/collection?estate=YJL&period={period}").status_code == 422


def test_period_errors_are_whole_messages_not_characters(client, world):
    headers = bearer(client, "manager")
    run = fields_of(client.post("/api/v1/billing-runs?lang=en", headers=headers, json={"estate": "YJL", "period": "bad"}))
    assert run == {"period": ["Not a period (YYYY-MM)."]}
    runs = fields_of(client.get("/api/v1/billing-runs?lang=zh_CN&period=0000-01", headers=headers))
    assert runs == {"period": ["不是有效的账期（YYYY-MM）。"]}
    plan = fields_of(client.put("/api/v1/estates/YJL/fee-plan?lang=en", headers=headers, json={
        "estate": "YJL", "effective_from": "２０２６-01", "due_day": 15,
        "items": [{"code": "F", "name": "停车费", "kind": "fixed", "amount_fen": 100}],
        "subsidies": [{"program": "P", "item": "F", "percent_by_period": {"2026-13": 50}}]}))
    assert plan["effective_from"] == ["Not a period (YYYY-MM)."]
    assert plan["subsidies.0.percent_by_period.2026-13.key"] == ["Not a period (YYYY-MM)."]


def _plan(items=1, rooms=1, periods=1) -> dict:
    return {"estate": "YJL", "effective_from": "2026-01", "due_day": 15,
            "items": [{"code": f"F{i}", "name": "停车费", "kind": "fixed", "amount_fen": 100,
                       "rooms": [f"YJL-3-2-{r}" for r in range(rooms)]} for i in range(items)],
            "subsidies": [{"program": "P", "item": "F0",
                           "percent_by_period": {f"{2000 + m // 12}-{m % 12 + 1:02d}": 50 for m in range(periods)}}]}


@pytest.mark.parametrize("document, field", [
    (_plan(items=MAX_ITEMS + 1), "items"),
    (_plan(rooms=MAX_ROOMS_PER_ITEM + 1), "items.0.rooms"),
    (_plan(periods=MAX_SUBSIDY_PERIODS + 1), "subsidies.0.percent_by_period"),
])
def test_fee_plan_lists_are_capped_naming_the_field(app, document, field):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(Invalid) as caught:
            load_data(FeePlanDocumentSchema(), document)
    assert list(caught.value.fields) == [field], caught.value.fields
    assert caught.value.fields[field][0].startswith("Length must be between") or \
        caught.value.fields[field][0].startswith("Longer than maximum length")


def test_a_plan_of_120000_items_is_refused_before_its_items_are_loaded(app):
    document = _plan(items=120_000)
    started = time.perf_counter()
    with app.test_request_context("/"):
        with pytest.raises(Invalid) as caught:
            load_data(FeePlanDocumentSchema(), document)
    assert "items" in caught.value.fields
    assert time.perf_counter() - started < 0.5  # loading them all took seconds (45 s through the API)


def test_the_11_mb_plan_is_413_through_the_api(client, world):
    body = json.dumps(_plan(items=120_000))
    assert len(body) > 10 * 1024 * 1024
    response = client.put("/api/v1/estates/YJL/fee-plan", data=body, content_type="application/json",
                          headers=bearer(client, "manager"))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_plans_at_the_caps_are_accepted(app):
    with app.test_request_context("/"):
        loaded = load_data(FeePlanDocumentSchema(), _plan(items=MAX_ITEMS, rooms=50, periods=MAX_SUBSIDY_PERIODS))
    assert len(loaded["items"]) == MAX_ITEMS
