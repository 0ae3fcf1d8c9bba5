"""Estates rules that need no database (tested without one: tests/estates/test_rules.py).

The registry import's pure rules live with it: `registry/cells.py` (cells, the GB 11643 ID check),
`registry/checks.py` (`check_rows`) and `registry/owners.py` (who owns a row's room).
"""
from __future__ import annotations

from typing import Optional


def mask_id_number(id_number: Optional[str]) -> Optional[str]:
    """'110101199003071234' → '110101********1234' (条例 Art. 65)."""
    if not id_number:
        return id_number
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_name(name: str) -> str:
    """'张三' → '张*', '欧阳娜娜' → '欧***': a name on paper that leaves the office (条例 Art. 65)."""
    return name[:1] + "*" * (len(name) - 1) if name else name


def mask_phone(phone: Optional[str]) -> Optional[str]:
    """'13912345678' → '139****5678' for people who are not the company's staff."""
    if not phone or len(phone) < 7:
        return phone
    return phone[:3] + "****" + phone[-4:]
