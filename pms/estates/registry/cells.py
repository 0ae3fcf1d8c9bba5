"""Step 2 of an import: every cell checked on its own (pure: no database, no app needed).

`parse_rows` returns typed `RegistryRow`s for the lines whose every cell is valid, and every cell
error as (row as the user sees it in the file — the header is row 1 —, column, message).
`owner_phone` and `owner_id_number` are optional; an ID number must be a valid 18-character PRC ID
(GB 11643, ISO 7064 MOD 11-2 check digit; a lower-case x is accepted as X). Building, entrance and
room may not contain '-' or spaces (the room code joins them with '-').
"""
from __future__ import annotations

import operator
import re
from decimal import Decimal, InvalidOperation
from typing import Callable, Optional

from flask_babel import gettext as _

from pms.estates.registry.rows import OPTIONAL_COLUMNS, Problem, RegistryRow

USAGES = {"residential": "residential", "commercial": "commercial",
          "住宅": "residential", "商业": "commercial"}
MAX_AREA_CENTI_M2 = 10_000_00  # 10,000 m²: anything larger is a typo, not a dwelling or shop
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_OFFSET = 48 * sum(ID_WEIGHTS)

_DISTRICT_CODE = re.compile(r"^\d{6}$")
_ESTATE_CODE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_PART = re.compile(r"^[^\s-]{1,16}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,30}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_UNIQUE_COLUMNS = frozenset({"owner_name", "owner_phone", "owner_id_number"})  # not worth memoising


def id_number_valid(id_number: str) -> bool:
    """Whether an 18-character PRC ID number has the right check digit (GB 11643)."""
    if not _ID_NUMBER.match(id_number):
        return False
    return id_check_char(id_number[:17]) == id_number[17]


def id_check_char(first17: str) -> str:
    """The check character for the first 17 digits of a PRC ID number."""
    # Bytes iterate as ints: Σ (ord(c) − 48) × w = Σ ord(c) × w − 48 × Σ w.
    return ID_CHECK_CHARS[(sum(map(operator.mul, first17.encode("ascii"), ID_WEIGHTS)) - _ID_OFFSET) % 11]


def parse_area(text: str) -> int:
    """'86.55' → 8655 (centi-m²); ValueError with a user message otherwise."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Not a number.")) from None
    if not value.is_finite():
        raise ValueError(_("Not a number."))
    centi = value * 100
    if centi != centi.to_integral_value():
        raise ValueError(_("At most 2 decimals."))
    if value <= 0:
        raise ValueError(_("Must be greater than 0."))
    if centi > MAX_AREA_CENTI_M2:
        raise ValueError(_("Larger than %(max)d m²; check the unit.", max=MAX_AREA_CENTI_M2 // 100))
    return int(centi)


def parse_floor(text: str) -> int:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Not a whole number.")) from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(_("Not a whole number."))
    if not -9 <= value <= 199:
        raise ValueError(_("Must be between -9 and 199."))
    return int(value)


def _text(max_length: int):
    def check(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(_("At most %(n)d characters.", n=max_length))
        return value
    return check


def _pattern(regex: re.Pattern, message: str):
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(message)
        return value
    return check


def _usage(value: str) -> str:
    usage = USAGES.get(value.lower()) or USAGES.get(value)
    if usage is None:
        raise ValueError(_("Must be residential, commercial, 住宅 or 商业."))
    return usage


def _phone(value: str) -> str:
    if not _PHONE.match(value) or sum(map(str.isdigit, value)) < 5:
        raise ValueError(_("Not a phone number."))
    return value


def _id_number(value: str) -> str:
    value = value.upper()
    if not _ID_NUMBER.match(value):
        raise ValueError(_("An ID number has 18 characters: 17 digits, then a digit or X."))
    if not id_number_valid(value):
        raise ValueError(_("The check digit is wrong (GB 11643)."))
    return value


def _checkers() -> dict[str, Callable[[str], object]]:
    part = _("1 to 16 characters, without '-' or spaces.")
    return {
        "district_code": _pattern(_DISTRICT_CODE, _("A district code has 6 digits.")),
        "district_name": _text(64),
        "street": _text(64),
        "estate_code": _pattern(_ESTATE_CODE, _("1 to 32 letters, digits or '_'.")),
        "estate_name": _text(128),
        "building": _pattern(_PART, part),
        "entrance": _pattern(_PART, part),
        "floor": parse_floor,
        "room": _pattern(_PART, part),
        "area_m2": parse_area,
        "usage": _usage,
        "owner_name": _text(64),
        "owner_phone": _phone,
        "owner_id_number": _id_number,
    }


def parse_rows(index: dict[str, int], records: list[tuple[int, list[str]]], *,
               header_width: Optional[int] = None) -> tuple[list[RegistryRow], list[Problem]]:
    """Typed rows for the lines whose every cell is valid, and every cell error."""
    checkers = _checkers()
    width = max(index.values()) + 1 if header_width is None else header_width
    rows: list[RegistryRow] = []
    errors: list[Problem] = []
    required = _("Required.")
    columns = [(name, position, name in OPTIONAL_COLUMNS, checkers[name], {}) for name, position in index.items()]
    for number, cells in records:
        values: dict[str, object] = {}
        row_errors = []
        if len(cells) > width and any(cells[width:]):
            row_errors.append(Problem(number, "", _("The row has more cells than the header has columns.")))
        for name, position, optional, check, memo in columns:
            text = cells[position] if position < len(cells) else ""
            if not text:
                if not optional:
                    row_errors.append(Problem(number, name, required))
                continue
            # Most cells repeat (district, estate, building, floor, area of stacked flats, usage):
            # each distinct text of a column is checked once.
            outcome = memo.get(text)
            if outcome is None:
                try:
                    outcome = (True, check(text))
                except ValueError as exc:
                    outcome = (False, str(exc))
                if name not in _UNIQUE_COLUMNS:
                    memo[text] = outcome
            if outcome[0]:
                values[name] = outcome[1]
            else:
                row_errors.append(Problem(number, name, outcome[1]))
        if not row_errors and len(values.get("estate_code", "")) + sum(
                len(values[k]) for k in ("building", "entrance", "room")) + 3 > 64:
            row_errors.append(Problem(number, "room", _("The room code would be longer than 64 characters.")))
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(RegistryRow(
            row=number, district_code=values["district_code"], district_name=values["district_name"],
            street=values["street"], estate_code=values["estate_code"], estate_name=values["estate_name"],
            building=values["building"], entrance=values["entrance"], floor=values["floor"],
            room=values["room"], area_centi_m2=values["area_m2"], usage=values["usage"],
            owner_name=values["owner_name"], owner_phone=values.get("owner_phone", ""),
            owner_id_number=values.get("owner_id_number")))
    return rows, errors

