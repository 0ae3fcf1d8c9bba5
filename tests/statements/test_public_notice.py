"""The annual public notice (公示): figures computed by hand on a small estate year
(tests/statements/notice_world.py), publishing freezes them as versions, the PDF read back."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from pms.billing.services.payments import record_payment
from pms.core.auth import system_principal
from pms.core.db import get_session
from pms.core.errors import Conflict, Invalid
from pms.core.models import AuditEntry
from pms.statements import public_notice
from pms.statements.models import PublicNotice
from pms.estates.models import Estate
from tests.billing.helpers_payments import finance
from tests.statements import notice_world
from tests.statements.notice_world import INCOME


@pytest.fixture
def year(app, world, clock):
    """The notice world's 2026, committed."""
    with app.app_context():
        s = get_session()
        notice_world.build(s, world)
        s.commit()
    return world


def _data(app, world, year=2026):
    with app.app_context():
        s = get_session()
        return public_notice.notice_data(s, s.get(type(world.yjl), world.yjl.id), year)


def test_fee_items_in_force(app, year):
    data = _data(app, year)
    assert [(i["code"], i["name"], i["kind"], i["from"], i["to"]) for i in data["fee_items"]] == [
        ("PROPERTY", "物业服务费", "area", "2026-01", "2026-12"),
        ("ELEVATOR", "电梯运行费", "elevator_share", "2026-01", "2026-12"),
        ("PARKING", "停车费", "fixed", "2026-01", "2026-12")]
    prop, lift, park = data["fee_items"]
    assert prop["rate_fen_per_m2"] == 120 and lift["monthly_cost_fen"] == 20000 and lift["entrances"] == 1
    assert park["amount_fen"] == 15000 and park["rooms"] is None
    assert data["year"] == 2026 and data["to_date"] is True and data["as_of"] == "2026-03-02"
    assert data["estate"] == {"code": "YJL", "name": "云景里"} and data["company"] == "安居物业"
    assert _data(app, year, 2025)["fee_items"] == []


def test_a_later_plan_takes_over_within_the_year(app, year):
    from pms.billing.services import plans

    with app.app_context():
        s = get_session()
        plans.apply_fee_plan(s, s.get(type(year.yjl), year.yjl.id),
                             {**notice_world.PLAN, "effective_from": "2026-07", "subsidies": []})
        data = public_notice.notice_data(s, s.get(type(year.yjl), year.yjl.id), 2026)
        s.rollback()
    assert [(i["code"], i["from"], i["to"]) for i in data["fee_items"]] == [
        ("PROPERTY", "2026-01", "2026-06"), ("ELEVATOR", "2026-01", "2026-06"), ("PARKING", "2026-01", "2026-06"),
        ("PROPERTY", "2026-07", "2026-12"), ("ELEVATOR", "2026-07", "2026-12"), ("PARKING", "2026-07", "2026-12")]


def test_income_by_item_and_received(app, year):
    income = _data(app, year)["income"]
    assert {i["code"]: (i["billed_fen"], i["subsidy_fen"], i["payable_fen"]) for i in income["items"]} == INCOME
    assert {i["code"]: i["share_percent"] for i in income["items"]} == {
        "PROPERTY": "29.4", "ELEVATOR": "28.3", "PARKING": "42.4"}
    total = income["total"]
    assert (total["billed_fen"], total["subsidy_fen"], total["payable_fen"]) == (141544, 31158, 110386)
    assert (total["bills"], total["periods"], total["waived_fen"], total["received_fen"]) == (4, 2, 0, 30000)
    assert total["collection_percent"] == "27.2"  # 30000 / 110386


def test_subsidy_by_programme(app, year):
    assert _data(app, year)["subsidies"] == [{
        "program": "TBB-2026", "name": "先尝后买物业服务补贴", "kind": "property_service",
        "subsidy_fen": 31158, "claims": 1, "claimed_fen": 20772, "approved_fen": 20000, "disbursed_fen": 20000}]


def test_repairs_by_category_with_sla(app, year):
    repairs = _data(app, year)["repairs"]
    assert repairs["categories"] == [
        {"category": "plumbing", "requests": 2, "resolved": 2, "sla_met": 1, "sla_breached": 1, "sla_percent": "50.0"},
        {"category": "elevator", "requests": 1, "resolved": 0, "sla_met": 0, "sla_breached": 0, "sla_percent": None},
        {"category": "roof_leak", "requests": 1, "resolved": 1, "sla_met": 1, "sla_breached": 0,
         "sla_percent": "100.0"}]
    assert repairs["total"] == {"requests": 4, "resolved": 3, "sla_met": 2, "sla_breached": 1, "sla_percent": "66.7"}


def test_the_sla_is_the_audit_portal_s(app, year):
    """The same tickets counted by the reports' estate figures give the same met and breached."""
    from pms.reports.services.overview import estate_figures, parse_span

    with app.app_context():
        s = get_session()
        row = estate_figures(s, s.get(type(year.tongzhou), year.tongzhou.id), parse_span("2026"), estate_code="YJL")[0]
    assert (row.requests, row.sla_met, row.sla_breached) == (4, 2, 1)


def test_works_spending_and_what_is_not_recorded(app, year):
    data = _data(app, year)
    assert [(w["title"], w["service"], w["building"], w["entrance"], w["starts_on"], w["status"])
            for w in data["works"]] == [
        ("更换供水立管", "water_kitchen", "3", "2", "2026-02-10", "done"),
        ("电梯年检", "elevator", "3", "2", "2026-03-10", "planned"),
        ("取消的停电", "power", "3", "2", "2026-03-12", "cancelled")]
    assert data["spending"]["repairs"] == [{"payer": "common", "requests": 1, "amount_fen": 8000},
                                           {"payer": "fund", "requests": 1, "amount_fen": 120000}]
    assert data["spending"]["renovation"] == [{"name": "2025年综合整治", "contractor": "北京城建",
                                               "accepted_on": "2026-01-05", "contract_fen": 250_000_000}]
    assert data["maintenance_fund"] == {"repairs": {"payer": "fund", "requests": 1, "amount_fen": 120000},
                                        "balance_recorded": False}
    assert data["common_area_income"] == {"recorded": False}
    assert data["elevator_upkeep"] == [{"kind": "maintenance", "due": 2, "done": 1, "overdue": 1}]


def test_another_estate_s_year_is_its_own(app, year):
    with app.app_context():
        s = get_session()
        data = public_notice.notice_data(s, s.get(type(year.hxy), year.hxy.id), 2026)
    assert [(i["code"], i["billed_fen"]) for i in data["income"]["items"]] == [("PROPERTY", 99999)]
    assert data["repairs"]["categories"] == [] and data["works"] == [] and data["subsidies"] == []
    assert data["elevator_upkeep"] == [] and data["spending"]["renovation"] == []


def _publish(app, world, year=2026, user="manager"):
    from pms.accounts.models import User
    from pms.accounts.services import build_principal

    with app.app_context():
        s = get_session()
        principal = build_principal(s, s.scalar(select(User).where(User.username == user)))
        notice = public_notice.publish(s, principal, s.get(type(world.yjl), world.yjl.id), year)
        s.commit()
        return notice.id, notice.version


def test_publishing_freezes_the_figures_and_versions_follow(app, year, clock):
    first_id, version = _publish(app, year)
    assert version == 1
    with app.app_context():
        s = get_session()
        record_payment(s, finance(), room_code="YJL-3-2-502", amount_fen=25000, channel="cash")
        s.commit()
        frozen = s.get(PublicNotice, first_id)
        assert frozen.data["income"]["total"]["received_fen"] == 30000  # the later payment is not in it
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "public_notice.publish"))
        assert entry.actor == "manager" and entry.object_id == str(first_id) and entry.estate_id == year.yjl.id
    assert _data(app, year)["income"]["total"]["received_fen"] == 55000  # the live figures move on
    second_id, version = _publish(app, year, user="finance")
    assert version == 2
    with app.app_context():
        s = get_session()
        estate = s.get(type(year.yjl), year.yjl.id)
        assert [n.version for n in public_notice.versions(s, estate, 2026)] == [2, 1]
        latest = public_notice.published(s, estate, 2026)
        assert latest.id == second_id and latest.data["income"]["total"]["received_fen"] == 55000
        assert public_notice.published(s, estate, 2026, 1).data["income"]["total"]["received_fen"] == 30000


def test_publishing_refuses_future_years_and_empty_ones(app, year):
    with app.app_context():
        s = get_session()
        estate = s.get(type(year.yjl), year.yjl.id)
        with pytest.raises(Invalid) as err:
            public_notice.publish(s, system_principal(), estate, 2027)
        assert "year" in err.value.fields
        with pytest.raises(Conflict):
            public_notice.publish(s, system_principal(), estate, 2024)


def both_texts(pdf_tools, pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    pypdf = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    return [pdf_tools.text(pdf), pypdf]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_pdf_is_one_page_with_every_income_amount(app, year, pdf_tools, locale):
    from flask_babel import force_locale
    from pypdf import PdfReader

    notice_id, _version = _publish(app, year)
    with app.app_context(), force_locale(locale):
        s = get_session()
        notice = s.get(PublicNotice, notice_id)
        pdf = public_notice.public_notice_pdf(s, public_notice.document(notice), estate=s.get(Estate, notice.estate_id))
        # Published: issued and kept as PDF/A; the same file again.
        assert public_notice.public_notice_pdf(s, public_notice.document(notice),
                                               estate=s.get(Estate, notice.estate_id)) == pdf
        assert "pms-document public_notice/" in str(PdfReader(io.BytesIO(pdf)).metadata["/Keywords"])
    with open(f"/tmp/pms-public-notice-{locale}.pdf", "wb") as fh:  # to look at (pdftoppm)
        fh.write(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    amounts = [f"¥{fen // 100:,}.{fen % 100:02d}" for row in INCOME.values() for fen in row]
    for text in both_texts(pdf_tools, pdf):
        joined = "".join(text.split())  # a table cell may wrap a name over two lines
        for expected in ("云景里", "2026", "安居物业", "通州区", "物业服务费", "电梯运行费", "停车费", *amounts,
                         "¥1,415.44", "¥311.58", "¥1,103.86", "¥300.00", "27.2%", "先尝后买物业服务补贴",
                         "¥200.00", "更换供水立管", "¥80.00", "¥1,200.00",
                         "¥2,500,000.00", "2025年综合整治", "北京城建", "66.7%", "1of2" if locale == "en" else "66.7%"):
            assert expected in joined, (expected, text)
        if locale == "en":
            assert "Plumbing" in text and "not recorded in the system" in text and "version 1" in text
    fonts = pdf_tools.fonts(pdf)
    assert fonts and all(font["embedded"] for font in fonts)


def test_a_past_year_is_the_whole_year(app, year, clock):
    from datetime import date

    clock.set_today(date(2027, 2, 1))
    data = _data(app, year)
    assert data["to_date"] is False and data["as_of"] == "2026-12-31"
    assert [w["status"] for w in data["works"]] == ["done", "done", "cancelled"]
    # The open elevator request has passed its resolve-by time since: now breached.
    assert data["repairs"]["total"] == {"requests": 4, "resolved": 3, "sla_met": 2, "sla_breached": 2,
                                        "sla_percent": "50.0"}
    assert data["elevator_upkeep"] == [{"kind": "maintenance", "due": 3, "done": 1, "overdue": 1}]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_busy_estate_s_notice_still_fits_one_page(app, year, pdf_tools, locale):
    """Six fee items, three programmes, all ten repair categories, ten works (six listed), both kinds
    of elevator upkeep and three renovation contracts: still one A4 page."""
    from flask_babel import force_locale
    from pypdf import PdfReader

    from pms.maintenance.models.tickets import CATEGORY_CODES

    data = {**_data(app, year), "published": False, "version": None, "published_at": None, "published_by": None}
    item = data["fee_items"][0]
    data["fee_items"] = [{**item, "code": f"I{n}", "name": f"服务项目{n}号"} for n in range(6)]
    data["income"]["items"] = [{"code": f"I{n}", "name": f"服务项目{n}号", "billed_fen": 123_456_78, "subsidy_fen": 0,
                                "payable_fen": 123_456_78, "lines": 1, "share_percent": "16.7"} for n in range(6)]
    data["subsidies"] = [{"program": f"P{n}", "name": f"某区某某补贴项目{n}", "kind": "property_service",
                          "subsidy_fen": 1_000_000_00, "claims": 1, "claimed_fen": 1, "approved_fen": 1,
                          "disbursed_fen": 1} for n in range(3)]
    data["repairs"]["categories"] = [{"category": c, "requests": 40 + n, "resolved": 30, "sla_met": 20,
                                      "sla_breached": 5, "sla_percent": "80.0"} for n, c in enumerate(CATEGORY_CODES)]
    data["works"] = [{**data["works"][0], "title": f"更换{n}号楼供水立管及阀门"} for n in range(10)]
    data["elevator_upkeep"] = [{"kind": "inspection", "due": 19, "done": 19, "overdue": 0},
                               {"kind": "maintenance", "due": 456, "done": 450, "overdue": 6}]
    data["spending"]["renovation"] = [{"name": f"{n}号楼外墙保温改造工程", "contractor": "北京某某建设集团有限公司",
                                       "accepted_on": "2026-01-05", "contract_fen": 12_345_678_90} for n in range(3)]
    with app.app_context(), force_locale(locale):
        pdf = public_notice.render_notice(data)
    with open(f"/tmp/pms-public-notice-busy-{locale}.pdf", "wb") as fh:
        fh.write(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    joined = "".join(pdf_tools.text(pdf).split())
    assert "¥123,456.78" in joined and "服务项目5号" in joined and "更换5号楼供水立管及阀门" in joined
    assert "更换6号楼供水立管及阀门" not in joined  # the rest counted, with a pointer to the web page
