"""Page numbers for long lists on web pages (the API pages with limit/offset instead)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """Where a page sits in a list of `total` items shown `per_page` at a time (pages from 1)."""

    number: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def pages(self) -> int:
        """How many pages there are; an empty list still has one (empty) page."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_item(self) -> int:
        """1-based position of the first item on this page (0 when the page is empty)."""
        return min(self.offset + 1, self.total) if self.offset < self.total else 0

    @property
    def last_item(self) -> int:
        return min(self.offset + self.per_page, self.total)
