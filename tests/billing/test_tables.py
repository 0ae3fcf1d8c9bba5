"""Billing tables: natural order of codes, sorting by amount (?sort=, validated), labelled cells for
the phone layout and the statement PDF beside every bill."""
from __future__ import annotations

import re
from datetime import date

import pytest

from pms.billing.services.payments import record_payment
from tests import factories as f
from tests.billing.helpers_payments import at, finance, issue_bill, make_plan
from tests.maintenance.test_views import login

AS_OF = "2026-03-16"


@pytest.fixture
def rooms(db, world):
    """Bills (due on the 15th) in buildings 2, 3 and 10 of YJL, as of 2026-03-16:

    YJL-2-1-101   2026-02 ¥120.00                 → owes 12000, 29 days overdue
    YJL-3-2-501   2026-01/02/03 ¥100.00 each      → owes 30000, 60 days overdue (March: 1 day)
    YJL-10-1-101  2026-01 ¥70.00                  → owes 7000, 60 days overdue
    YJL-10-1-102  2026-01 ¥50.00, paid in full    → owes nothing
    """
    plan = make_plan(db, world.yjl)
    b2 = f.make_room(db, world.yjl, "2", "1", "101", owner=("钱七", "13500000000", None))
    b10 = f.make_room(db, world.yjl, "10", "1", "101", owner=("孙八", "13400000000", None))
    b10b = f.make_room(db, world.yjl, "10", "1", "102", owner=("周九", "13300000000", None))
    issue_bill(db, b2, "2026-02", 12000, plan=plan)
    for period in ("2026-01", "2026-02", "2026-03"):
        issue_bill(db, world.r501, period, 10000, plan=plan)
    issue_bill(db, b10, "2026-01", 7000, plan=plan)
    issue_bill(db, b10b, "2026-01", 5000, plan=plan)
    record_payment(db, finance(), room_code="YJL-10-1-102", amount_fen=5000, channel="cash",
                   received_at=at(date(2026, 1, 20)))
    db.commit()


def room_order(html: str, table_id: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<tr><td data-label="[^"]+"><a href="/rooms/[^/]+/account">([^<]+)</a>', table)


@pytest.mark.parametrize("sort, expected", [
    ("", ["YJL-2-1-101", "YJL-3-2-501", "YJL-10-1-101"]),               # building 2 before 10
    ("&sort=room", ["YJL-2-1-101", "YJL-3-2-501", "YJL-10-1-101"]),
    ("&sort=-room", ["YJL-10-1-101", "YJL-3-2-501", "YJL-2-1-101"]),
    ("&sort=-outstanding", ["YJL-3-2-501", "YJL-2-1-101", "YJL-10-1-101"]),  # 300 > 120 > 70
    ("&sort=outstanding", ["YJL-10-1-101", "YJL-2-1-101", "YJL-3-2-501"]),
    ("&sort=-days", ["YJL-3-2-501", "YJL-10-1-101", "YJL-2-1-101"]),    # 60 = 60 (natural), 29
])
def test_arrears_in_natural_order_and_sorted_by_amount(client, rooms, sort, expected):
    login(client, "finance")
    html = client.get(f"/estates/YJL/arrears?as_of={AS_OF}{sort}").get_data(as_text=True)
    assert room_order(html, "arrears") == expected


def test_sort_headers_say_which_way_and_keep_the_other_arguments(client, rooms):
    login(client, "finance")
    html = client.get(f"/estates/YJL/arrears?as_of={AS_OF}&sort=-outstanding").get_data(as_text=True)
    header = re.search(r'<th scope="col" class="num" aria-sort="descending"><a class="sort" href="([^"]+)"', html)
    assert header and "sort=outstanding" in header.group(1) and f"as_of={AS_OF}" in header.group(1)
    assert html.count("aria-sort=") == 1
    # Amounts open largest first: the unsorted amount column links to -outstanding.
    html = client.get(f"/estates/YJL/arrears?as_of={AS_OF}").get_data(as_text=True)
    assert 'sort=-outstanding' in html and 'aria-sort="ascending"' in html  # room, the default


@pytest.mark.parametrize("url", ["/estates/YJL/arrears?sort=owners", "/billing/collection?sort=-nope",
                                 "/rooms/YJL-3-2-501/account?sort=amount", "/rooms/YJL-3-2-501/bills?sort=x"])
def test_a_bad_sort_is_refused_clearly(client, rooms, url):
    login(client, "finance")
    response = client.get(url)
    assert response.status_code == 422
    assert "sort" in response.get_data(as_text=True)


def test_collection_buildings_in_natural_order_and_by_rate(client, rooms):
    login(client, "finance")

    def buildings(query):
        html = client.get(f"/billing/collection?estate=YJL&period=2026-01{query}").get_data(as_text=True)
        table = html[html.index('id="collection"'):html.index("</table>")]
        return re.findall(r'<tr(?: class="total")?><td data-label="[^"]+">([^<]+)</td>', table)

    # January: building 3 billed ¥100 and received nothing; building 10 billed ¥120, received ¥50.
    assert buildings("") == ["3", "10", "全小区"]
    assert buildings("&sort=-rate") == ["10", "3", "全小区"]
    assert buildings("&sort=-receivable") == ["10", "3", "全小区"]
    assert buildings("&sort=receivable") == ["3", "10", "全小区"]


def test_bills_of_a_room_sorted_labelled_and_with_their_statement(client, rooms):
    login(client, "finance")
    html = client.get("/rooms/YJL-3-2-501/bills").get_data(as_text=True)
    periods = re.findall(r'data-label="账期"><a href="/bills/[^"]+">(\d{4}-\d{2})</a>', html)
    assert periods == ["2026-03", "2026-02", "2026-01"]  # newest first
    for number in re.findall(r'data-bill="([^"]+)"', html):
        assert f'href="/bills/{number}/statement.pdf"' in html
    for label in ("账期", "金额", "补贴", "应缴金额", "已缴", "尚需缴纳"):
        assert f'data-label="{label}"' in html
    html = client.get("/rooms/YJL-3-2-501/bills?sort=period").get_data(as_text=True)
    assert re.findall(r'data-label="账期"><a href="/bills/[^"]+">(\d{4}-\d{2})</a>', html) == [
        "2026-01", "2026-02", "2026-03"]


def test_resident_bills_and_account_link_each_statement(client, rooms):
    login(client, "resident")
    html = client.get("/my/bills").get_data(as_text=True)
    numbers = re.findall(r'data-bill="([^"]+)"', html)
    assert len(numbers) == 3
    for number in numbers:
        assert f'href="/bills/{number}/statement.pdf"' in html
        assert client.get(f"/bills/{number}/statement.pdf").status_code == 200
    detail = client.get(f"/bills/{numbers[0]}").get_data(as_text=True)
    assert f'href="/bills/{numbers[0]}/statement.pdf"' in detail
    login(client, "finance")
    account = client.get("/rooms/YJL-3-2-501/account").get_data(as_text=True)
    for number in numbers:
        assert f'href="/bills/{number}/statement.pdf"' in account


def test_account_page_shows_who_recorded_by_display_name(client, db, rooms):
    from pms.accounts.services import find_user

    find_user(db, "finance").display_name = "孙会计"
    db.commit()
    login(client, "finance")
    html = client.get("/rooms/YJL-10-1-102/account").get_data(as_text=True)
    assert 'data-label="登记人">孙会计</td>' in html
