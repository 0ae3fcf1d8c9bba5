"""Codes of buildings, entrances and rooms as people read them: numbers compared as numbers."""
from __future__ import annotations

import re

from sqlalchemy import func

_DIGITS = re.compile(r"([0-9]+)")


def natural_key(code: str) -> tuple:
    """A sort key: '2' < '10' < 'A'; 'YJL-3-2-501' < 'YJL-3-10-101'.

    Runs of ASCII digits compare as numbers and come before letters at the same place; the code
    itself breaks the ties that remain ('01' and '1'), so the order is total and stable.
    """
    parts = tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                  for part in _DIGITS.split(code) if part)
    return parts, code


def natural_order(column) -> tuple:
    """SQL ORDER BY terms that put '2' before '10' for codes of digits (shorter first, then as text)."""
    return func.length(column), column
