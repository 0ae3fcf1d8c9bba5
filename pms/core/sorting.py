"""Server-side sorting of a page's table: `?sort=key` (ascending) or `?sort=-key` (descending).

A page declares the keys people may sort by; its query schema validates `sort` with
`sort_field`, so an unknown key answers 422 with the field named, never a 500. Rows are
sorted in Python once loaded (the lists sorted this way are one estate's rows at most).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate


def sort_choices(keys: Iterable[str]) -> list[str]:
    """Every accepted value of `sort` for `keys`: 'amount' and '-amount' for each."""
    keys = list(keys)
    return keys + [f"-{k}" for k in keys]


def sort_field(keys: Iterable[str], default: Optional[str] = None) -> fields.String:
    """The `sort` query argument of a page (422 for anything but the page's keys)."""
    choices = sort_choices(keys)
    return fields.String(load_default=default, validate=validate.OneOf(
        choices, error=_l("Sort by one of: %(choices)s.", choices=", ".join(choices))))


def split(sort: Optional[str]) -> tuple[Optional[str], bool]:
    """'-amount' → ('amount', True); None → (None, False)."""
    if not sort:
        return None, False
    return (sort[1:], True) if sort.startswith("-") else (sort, False)


def sort_rows(rows: list, sort: Optional[str], keys: dict[str, Callable[[Any], Any]],
              tie: Optional[Callable[[Any], Any]] = None) -> list:
    """`rows` ordered by `keys[sort]` (descending for '-key'); rows whose key is None go last
    either way, and `tie` (e.g. the natural order of the code) breaks ties, always ascending."""
    key, descending = split(sort)
    out = sorted(rows, key=tie) if tie else list(rows)  # sorts are stable: ties keep this order
    if key is None:
        return out
    present = [r for r in out if keys[key](r) is not None]
    missing = [r for r in out if keys[key](r) is None]
    return sorted(present, key=keys[key], reverse=descending) + missing
