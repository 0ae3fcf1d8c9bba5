"""Where a page sits in a list (pms.core.pagination.Page), counted by hand."""
from __future__ import annotations

import pytest

from pms.core.pagination import Page


@pytest.mark.parametrize("number, total, expected", [
    (1, 0, 1),     # an empty list still has its one (empty) page
    (2, 120, 2),   # 50 a page: 3 pages
    (3, 120, 3),
    (9, 120, 3),   # past the end: the last page
])
def test_within_keeps_the_page_in_the_list(number, total, expected):
    assert Page.within(number, 50, total).number == expected


def test_slice_is_the_page_s_part_of_the_list():
    items = list(range(120))
    last = Page.within(9, 50, len(items))
    assert last.slice(items) == list(range(100, 120))
    assert (last.first_item, last.last_item) == (101, 120)
    assert Page(1, 50, 120).slice(items) == list(range(50))
    assert Page(1, 50, 0).slice([]) == []
