"""Long lists a part at a time: page numbers on web pages, limit/offset in the API.

Both are bounded here, once: a limit of 1..MAX_LIMIT and an offset of 0..MAX_OFFSET (far beyond
any estate's rooms or tickets, far below the 64-bit integers a database can bind: an offset
above 2^63 used to reach SQLite as an OverflowError, a 500).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TypeVar

from marshmallow import Schema, fields, validate

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000
MAX_PAGE = 100_000
T = TypeVar("T")


class PageArgsSchema(Schema):
    """`limit` and `offset` of an API list (a query schema inherits them)."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


@dataclass(frozen=True)
class Page:
    """Where a page sits in a list of `total` items shown `per_page` at a time (pages from 1)."""

    number: int
    per_page: int
    total: int

    @classmethod
    def within(cls, number: int, per_page: int, total: int) -> Page:
        """Page `number` of `total` items, or the last page when `number` is past the end."""
        return cls(min(number, cls(1, per_page, total).pages), per_page, total)

    def slice(self, items: Sequence[T]) -> Sequence[T]:
        """This page's part of a list held in memory."""
        return items[self.offset:self.offset + self.per_page]

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
