"""The care worker's home (`/`): today's visits in time order with what is left of them."""
from __future__ import annotations

from tests.web import logged_in, text


def test_care_worker_home_lists_todays_visits_in_order(app, api):
    elder = api.register()["id"]
    api.service("CLEAN", kind="cleaning", name="助洁", price_fen=4000, unit="hour")
    afternoon = api.book(elder, start="14:00", end="15:00")["id"]
    morning = api.book(elder, start="10:00", end="11:00")["id"]
    tomorrow = api.book(elder, date="2026-03-03", start="10:00", end="11:00")["id"]
    page = text(logged_in(app.test_client(), "carer").get("/"))
    assert page.index(f"#visit-{morning}") < page.index(f"#visit-{afternoon}")
    assert f"#visit-{tomorrow}" not in page  # today's only
    assert "10:00–11:00 · 张三" in page and "YJL-3-2-501 · 助洁 · " in page
    assert "<b>2</b><span>待完成的上门服务</span>" in page and "<b>0</b><span>已完成的上门服务</span>" in page
    assert "<b>0</b><span>未处理的安全预警</span>" in page


def test_care_worker_home_without_visits_says_so(app, api):
    page = text(logged_in(app.test_client(), "carer").get("/"))
    assert "今天没有上门服务。" in page
