"""The estate registry import: a CSV/XLSX file of rooms and owners, validated whole, applied set-based.

Three steps, each usable on its own:

1. `read_registry(data)` turns the bytes of a file (CSV UTF-8 with or without BOM, or the first
   sheet of an XLSX) into a header and raw rows. A file above the size limit, a file that is
   neither UTF-8 nor XLSX, or a header with missing/unknown columns is refused here.
2. `parse_rows(header, raw_rows)` checks every cell and returns typed `RegistryRow`s plus every
   cell error, each as (row as the user sees it in the file — the header is row 1 —, column,
   message).
3. `import_rows(session, company, rows, dry_run=...)` checks the rows against each other and
   against the database, then applies them in bulk: estates are taken in batches of ~5,000 rows,
   each batch's existing rows are loaded into dicts, diffed, and written with a few bulk
   statements per table (never one ORM object and one flush per row). It raises `RegistryInvalid` with every error before writing
   anything; the caller's unit of work makes the whole import one transaction.

`import_file` chains the three and reports cell, cross-row and database errors together.

Decisions (README "Registry import"):
- `owner_phone` is optional (many elderly owners have none on record); when present it must look
  like a phone number. `owner_id_number` is optional; when present it must be a valid 18-character
  PRC ID (GB 11643, ISO 7064 MOD 11-2 check digit; a lower-case x is accepted as X).
- An empty `owner_id_number` never erases an ID number already on record (the column is often left
  out of files handed around for privacy); a different one replaces it.
- The owner of a row is the same person as the room's current owner when the ID numbers agree or
  when the names agree and no ID number contradicts: then phone/name/ID changes update that person.
  Otherwise the room's ownership passes to the person the row names (found in the estate by ID
  number, or by name and phone, else created).
- A floor that does not match the room number (501 on floor 3; the floor is the number without its
  last two digits) is a warning: old buildings have mezzanines and odd numbering.
- Building, entrance and room may not contain '-' or spaces (the room code joins them with '-').
- An existing estate keeps its name, district and company: a file that disagrees is an error. Its
  street office is taken from the file.
- A district code must be on record or a county-level division of the reference data
  (`divisions.py`, GB/T 2260), and the name must be the one on record, else the reference name:
  a name that disagrees is refused (it usually means a mistyped code), never silently replaced.
"""
from __future__ import annotations

import csv
import io
import itertools
import operator
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable, NamedTuple, Optional

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from pms.core import audit
from pms.core.db import is_sqlite, lock_row
from pms.core.errors import Conflict, Invalid
from pms.estates import divisions
from pms.estates.models import (Building, Company, District, Entrance, Estate, Ownership, Person,
                                Room, Street)

COLUMNS = ("district_code", "district_name", "street", "estate_code", "estate_name", "building",
           "entrance", "floor", "room", "area_m2", "usage", "owner_name", "owner_phone",
           "owner_id_number")
OPTIONAL_COLUMNS = frozenset({"owner_phone", "owner_id_number"})
USAGES = {"residential": "residential", "commercial": "commercial",
          "住宅": "residential", "商业": "commercial"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
BATCH_ROWS = 5000  # rows of whole estates handled together (a few statements per table per batch)
MAX_AREA_CENTI_M2 = 10_000_00  # 10,000 m²: anything larger is a typo, not a dwelling or shop
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ID_OFFSET = 48 * sum(ID_WEIGHTS)

_DISTRICT_CODE = re.compile(r"^\d{6}$")
_ESTATE_CODE = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_PART = re.compile(r"^[^\s-]{1,16}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,30}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_COLUMN_ORDER = {c: i for i, c in enumerate(COLUMNS)}
_UNIQUE_COLUMNS = frozenset({"owner_name", "owner_phone", "owner_id_number"})  # not worth memoising


# ---- results and problems ----------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """An error or a warning about a place in the file (row None: the file as a whole)."""

    row: Optional[int]
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return f"row {self.row}, {self.column}: {self.message}"
        return f"row {self.row}: {self.message}"

    @property
    def sort_key(self):
        position = -1 if not self.column else _COLUMN_ORDER.get(self.column, len(COLUMNS))
        return (self.row or 0, position, self.column, self.message)


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: p.sort_key)


class RegistryInvalid(Invalid):
    """The file cannot be imported; `errors` lists every problem found, nothing was written."""

    def __init__(self, errors: Iterable[Problem], warnings: Iterable[Problem] = ()):
        self.errors = _sorted(errors)
        self.warnings = _sorted(warnings)
        fields: dict[str, list[str]] = {}
        for e in self.errors[:1000]:
            key = "file" if e.row is None else f"row {e.row}" + (f", {e.column}" if e.column else "")
            fields.setdefault(key, []).append(e.message)
        super().__init__(_("The registry file has %(n)d errors; nothing was imported.",
                           n=len(self.errors)), fields=fields)


@dataclass(slots=True)
class RegistryRow:
    """One validated line of the registry: a room and its owner."""

    row: int
    district_code: str
    district_name: str
    street: str
    estate_code: str
    estate_name: str
    building: str
    entrance: str
    floor: int
    room: str
    area_centi_m2: int
    usage: str
    owner_name: str
    owner_phone: str = ""
    owner_id_number: Optional[str] = None
    estate_id: int = 0  # set by import_rows once the estate is known

    @property
    def code(self) -> str:
        return f"{self.estate_code}-{self.building}-{self.entrance}-{self.room}"


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    estates: list[str] = field(default_factory=list)
    new: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("districts", "streets", "estates", "buildings", "entrances", "persons"), 0))

    @property
    def summary(self) -> str:
        """The summary line of the CLI (a stable, parseable format)."""
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


# ---- 1. reading the file -----------------------------------------------------------------

def max_file_bytes() -> int:
    """The size limit: the app's upload limit (PMS_MAX_UPLOAD_MB), else 20 MB."""
    if has_app_context():
        return int(current_app.config.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_BYTES)
    return DEFAULT_MAX_BYTES


def too_large(size: Optional[int], limit: int) -> Problem:
    """The error for a file over the limit (checked before parsing)."""
    if size is None:
        return Problem(None, "", _("The file is larger than the limit of %(limit)s.", limit=_size(limit)))
    return Problem(None, "", _("The file is %(size)s; the limit is %(limit)s.",
                               size=_size(size), limit=_size(limit)))


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(1, round(n / 1024))} KB"


class Sheet(NamedTuple):
    """A registry file as read: where each column is, the rows, and problems of the header."""

    index: dict[str, int]             # column name → position
    records: list[tuple[int, list[str]]]  # (row number as in the file, cells), empty rows left out
    problems: list[Problem]           # unknown or repeated columns: the rows can still be checked
    width: int                        # number of header cells


def read_registry(data: bytes, *, max_bytes: Optional[int] = None) -> Sheet:
    """The header and the non-empty data rows of a CSV or XLSX registry file.

    Raises RegistryInvalid when the rows cannot be read at all (size, encoding, missing columns).
    """
    limit = max_file_bytes() if max_bytes is None else max_bytes
    if len(data) > limit:
        raise RegistryInvalid([too_large(len(data), limit)])
    if data.startswith(b"PK\x03\x04"):
        records = _xlsx_records(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RegistryInvalid([Problem(None, "", _(
            "This is an old Excel .xls file; save it as .xlsx or as CSV UTF-8."))])
    else:
        records = _csv_records(data)
    if not records:
        raise RegistryInvalid([Problem(None, "", _("The file is empty."))])
    header_row, header = records[0]
    index, problems = _read_header(header_row, header)
    return Sheet(index, records[1:], problems, _width(header))


def _width(header: list[str]) -> int:
    while header and not header[-1]:
        header = header[:-1]
    return len(header)


def _csv_records(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = " " + _("It looks like GBK/GB18030 (Excel's default 'CSV'); save it as 'CSV UTF-8' or XLSX.")
        except UnicodeDecodeError:
            pass
        raise RegistryInvalid([Problem(row, "", _(
            "The file is neither UTF-8 text nor an XLSX workbook.") + hint)]) from None
    if "\x00" in text:
        raise RegistryInvalid([Problem(None, "", _("The file is neither UTF-8 text nor an XLSX workbook."))])
    records = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = [c.strip() for c in cells]
            if any(cells):
                records.append((number, cells))
    except csv.Error as exc:
        raise RegistryInvalid([Problem(None, "", _("The CSV cannot be read: %(error)s", error=str(exc)))]) from None
    return records


def _xlsx_records(data: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it does not read; irrelevant here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise RegistryInvalid([Problem(None, "", _("The file is not a valid XLSX workbook."))]) from exc
    except Exception as exc:  # openpyxl raises its own InvalidFileException and friends
        raise RegistryInvalid([Problem(None, "", _("The file is not a valid XLSX workbook."))]) from exc
    try:
        if not workbook.worksheets:
            return []
        records = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if any(cells):
                    records.append((number, cells))
        return records
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _read_header(row: int, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    while header and not header[-1]:
        header = header[:-1]
    index: dict[str, int] = {}
    errors = []
    for position, raw in enumerate(header):
        name = raw.strip().lower()
        if not name:
            errors.append(Problem(row, _column_letter(position), _("The header cell is empty.")))
        elif name not in _COLUMN_ORDER:
            errors.append(Problem(row, raw, _("Unknown column.")))
        elif name in index:
            errors.append(Problem(row, name, _("The column appears twice.")))
        else:
            index[name] = position
    missing = [Problem(row, name, _("Missing column.")) for name in COLUMNS if name not in index]
    if missing:
        raise RegistryInvalid(errors + missing)
    return index, errors


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---- 2. checking cells -------------------------------------------------------------------

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


def _parse_floor(text: str) -> int:
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
        "floor": _parse_floor,
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


# ---- 3a. checking rows against each other and the database --------------------------------

def room_number_floor(number: str) -> Optional[int]:
    """The floor a room number implies (501 → 5, 1203 → 12), None for other numbering."""
    if number.isdigit() and len(number) >= 3:
        return int(number[:-2])
    return None


def check_rows(rows: list[RegistryRow]) -> tuple[list[Problem], list[Problem]]:
    """Errors between rows (duplicates, contradictions) and warnings (floor vs room number)."""
    errors: list[Problem] = []
    warns: list[Problem] = []
    first_room: dict[str, int] = {}
    districts: dict[str, tuple[str, int]] = {}
    estates: dict[str, tuple[RegistryRow, int]] = {}
    owners: dict[tuple[str, str], RegistryRow] = {}
    for r in rows:
        seen = first_room.setdefault(r.code, r.row)
        if seen != r.row:
            errors.append(Problem(r.row, "room", _("Room %(code)s already appears in row %(row)d.",
                                                   code=r.code, row=seen)))
        name, row = districts.setdefault(r.district_code, (r.district_name, r.row))
        if name != r.district_name:
            errors.append(Problem(r.row, "district_name", _(
                "District %(code)s is called %(name)s in row %(row)d.", code=r.district_code, name=name, row=row)))
        first, _row = estates.setdefault(r.estate_code, (r, r.row))
        for column in ("estate_name", "district_code", "street"):
            if getattr(first, column) != getattr(r, column):
                errors.append(Problem(r.row, column, _(
                    "Estate %(code)s has %(value)s in row %(row)d; all its rows must agree.",
                    code=r.estate_code, value=getattr(first, column), row=first.row)))
        if r.owner_id_number:
            other = owners.setdefault((r.estate_code, r.owner_id_number), r)
            if (other.owner_name, other.owner_phone) != (r.owner_name, r.owner_phone):
                errors.append(Problem(r.row, "owner_id_number", _(
                    "The same ID number has another owner name or phone in row %(row)d.", row=other.row)))
        implied = room_number_floor(r.room)
        if implied is not None and implied != r.floor:
            warns.append(Problem(r.row, "floor", _(
                "Room %(room)s is normally on floor %(implied)d, not %(floor)d.",
                room=r.room, implied=implied, floor=r.floor)))
    return errors, warns


def check_database(session, company: Company, rows: list[RegistryRow]) -> list[Problem]:
    """Rows that contradict what is on record: a district's name, an estate's company/name/district."""
    errors: list[Problem] = []
    district_codes = {r.district_code for r in rows}
    estate_codes = {r.estate_code for r in rows}
    districts = {d.code: d for d in _in_chunks(session, District, District.code, district_codes)}
    estates = {e.code: e for e in _in_chunks(session, Estate, Estate.code, estate_codes)}
    district_by_id = {d.id: d for d in districts.values()}
    missing = {e.district_id for e in estates.values()} - district_by_id.keys()
    if missing:
        district_by_id.update({d.id: d for d in _in_chunks(session, District, District.id, missing)})
    for r in rows:
        district = districts.get(r.district_code)
        if district is not None:
            if district.name != r.district_name:
                errors.append(Problem(r.row, "district_name", _(
                    "District %(code)s is on record as %(name)s.", code=district.code, name=district.name)))
        elif (ref := divisions.county(r.district_code)) is None:
            errors.append(Problem(r.row, "district_code", _(
                "%(code)s is not a district in the national division codes (GB/T 2260).",
                code=r.district_code)))
        elif ref.name != r.district_name:
            # A name that disagrees with the code usually means a wrong code: refuse, don't guess.
            errors.append(Problem(r.row, "district_name", _(
                "District %(code)s is called %(name)s in the national division codes (GB/T 2260).",
                code=ref.code, name=ref.name)))
        estate = estates.get(r.estate_code)
        if estate is None:
            continue
        if estate.company_id != company.id:
            errors.append(Problem(r.row, "estate_code", _(
                "Estate %(code)s belongs to another company.", code=estate.code)))
            continue
        if estate.name != r.estate_name:
            errors.append(Problem(r.row, "estate_name", _(
                "Estate %(code)s is on record as %(name)s.", code=estate.code, name=estate.name)))
        if district_by_id[estate.district_id].code != r.district_code:
            errors.append(Problem(r.row, "district_code", _(
                "Estate %(code)s is on record in district %(district)s.", code=estate.code,
                district=district_by_id[estate.district_id].code)))
    return errors


def _in_chunks(session, model, column, values, size: int = 500):
    values = sorted(values)
    for start in range(0, len(values), size):
        yield from session.scalars(select(model).where(column.in_(values[start:start + size])))


# ---- 3b. applying the rows ---------------------------------------------------------------

class _Writer:
    """Bulk statements, or placeholder ids when nothing may be written (a dry run)."""

    def __init__(self, session, dry_run: bool):
        self.session, self.dry_run = session, dry_run
        self._placeholders = itertools.count(-1, -1)

    def insert(self, model, rows: list[dict]) -> list[int]:
        if not rows:
            return []
        if self.dry_run:
            return [next(self._placeholders) for _row in rows]
        table = model.__table__
        result = self.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return [row[0] for row in result]

    def insert_many(self, model, rows: list[dict]) -> None:
        """Many rows in bulk, without asking for their ids.

        SQLite: a plain executemany (sqlite3 loops in C; ordered RETURNING would go row by row).
        PostgreSQL: COPY … FROM STDIN on the session's own connection (same transaction); an
        executemany sends one statement per row and multi-row VALUES cost psycopg a query rewrite
        per statement — COPY measured several times faster than either.
        """
        if not rows or self.dry_run:
            return
        table = model.__table__
        connection = self.session.connection()
        if connection.dialect.name != "postgresql":
            self.session.execute(insert(table), rows)
            return
        columns = list(rows[0])
        quote = connection.dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])

    def reload(self, load: Callable[[], dict], known: dict, new_keys: list) -> dict:
        """Ids after inserting `new_keys`: read back, or placeholders in a dry run."""
        if not new_keys:
            return known
        if self.dry_run:
            return {**known, **{k: next(self._placeholders) for k in new_keys}}
        return load()

    def update(self, model, rows: list[dict]) -> None:
        if not rows or self.dry_run:
            return
        table = model.__table__
        columns = [k for k in rows[0] if k != "id"]
        stmt = (update(table).where(table.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in columns}))
        self.session.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in rows])

    def delete_ownerships(self, room_ids: list[int]) -> None:
        if not room_ids or self.dry_run:
            return
        table = Ownership.__table__
        for start in range(0, len(room_ids), 500):
            self.session.execute(delete(table).where(table.c.room_id.in_(room_ids[start:start + 500])))


def import_rows(session, company: Company, rows: list[RegistryRow], *, dry_run: bool = False,
                actor: str = "system", progress: Optional[Callable[[int], None]] = None,
                source: str = "") -> ImportResult:
    """Create or update everything the rows describe, all or nothing; raises RegistryInvalid.

    Flushes only: the caller's unit of work commits. A dry run computes the same result and
    writes nothing.
    """
    if not dry_run:
        # One import at a time, taken before the first read: two imports of the same new estate
        # (or owner) would otherwise both decide to create it. PostgreSQL: a transaction-level
        # advisory lock; SQLite: the database's one write lock, which a writer's unit of work
        # holds from BEGIN IMMEDIATE and any other takes here (a no-op update).
        if is_sqlite(session):
            lock_row(session, Company, company.id)
        else:
            session.execute(text("SELECT pg_advisory_xact_lock(770102)"))
    errors, warns = check_rows(rows)
    errors += check_database(session, company, rows)
    if errors:
        raise RegistryInvalid(errors, warns)
    session.flush()
    try:
        return _apply(session, company, rows, warns, dry_run=dry_run, actor=actor, progress=progress,
                      source=source)
    except IntegrityError as exc:
        # A concurrent change to the same rooms (SQLite); the caller's unit of work rolls back.
        raise Conflict(_("The registry changed while importing; nothing was imported, try again.")) from exc


def _apply(session, company, rows, warns, *, dry_run, actor, progress, source) -> ImportResult:
    writer = _Writer(session, dry_run)
    result = ImportResult(warnings=_sorted(warns), dry_run=dry_run)
    district_ids = _ensure_districts(session, writer, rows, result)
    street_ids = _ensure_streets(session, writer, rows, district_ids, result)
    estate_ids = _ensure_estates(session, writer, company, rows, district_ids, street_ids, result)
    by_estate: dict[str, list[RegistryRow]] = {}
    for r in rows:
        by_estate.setdefault(r.estate_code, []).append(r)
    for codes in _batches(by_estate):
        batch = [r for code in codes for r in by_estate[code]]
        for r in batch:
            r.estate_id = estate_ids[r.estate_code]
        _import_batch(session, writer, [estate_ids[c] for c in codes], batch, result)
        if progress is not None:
            progress(len(batch))
    result.estates = list(by_estate)
    if not dry_run:
        audit.record(session, actor=actor, action="registry.import", object_type="company",
                     object_id=company.code,
                     payload={"source": source, "rows": len(rows), "created": result.created,
                              "updated": result.updated, "unchanged": result.unchanged,
                              "warnings": len(result.warnings), "estates": result.estates,
                              "new": result.new})
        session.expire_all()  # rows changed behind the identity map's back
    return result


def _ensure_districts(session, writer, rows, result) -> dict[str, int]:
    names = {}
    for r in rows:
        names.setdefault(r.district_code, r.district_name)
    ids = {d.code: d.id for d in _in_chunks(session, District, District.code, names)}
    new = sorted(names.keys() - ids.keys())
    if new and writer.dry_run:
        ids.update(zip(new, writer.insert(District, [{} for _code in new])))  # placeholder ids
    elif new:
        # From the reference (check_database refused any other code or name), insert-or-ignore:
        # an auditor of the same district created meanwhile does not fail the import.
        divisions.ensure_districts(session, new)
        ids = {d.code: d.id for d in _in_chunks(session, District, District.code, names)}
    result.new["districts"] += len(new)
    return ids


def _ensure_streets(session, writer, rows, district_ids, result) -> dict[tuple[int, str], int]:
    wanted = {(district_ids[r.district_code], r.street) for r in rows}
    known_districts = sorted({d for d, _s in wanted if d > 0})
    ids = {}
    for start in range(0, len(known_districts), 500):
        chunk = known_districts[start:start + 500]
        ids.update({(d, n): i for i, d, n in session.execute(
            select(Street.id, Street.district_id, Street.name).where(Street.district_id.in_(chunk)))})
    new = sorted(wanted - ids.keys())
    ids.update(zip(new, writer.insert(Street, [{"district_id": d, "name": n} for d, n in new])))
    result.new["streets"] += len(new)
    return ids


def _ensure_estates(session, writer, company, rows, district_ids, street_ids, result) -> dict[str, int]:
    first: dict[str, RegistryRow] = {}
    for r in rows:
        first.setdefault(r.estate_code, r)
    existing = {e.code: e for e in _in_chunks(session, Estate, Estate.code, first)}
    ids = {code: e.id for code, e in existing.items()}
    moved = []
    for code, estate in existing.items():
        r = first[code]
        street_id = street_ids[(district_ids[r.district_code], r.street)]
        if estate.street_id != street_id:
            moved.append({"id": estate.id, "street_id": street_id})
    writer.update(Estate, moved)
    new = [code for code in first if code not in existing]
    now = _utcnow()
    ids.update(zip(new, writer.insert(Estate, [
        {"code": c, "name": first[c].estate_name, "district_id": district_ids[first[c].district_code],
         "street_id": street_ids[(district_ids[first[c].district_code], first[c].street)],
         "company_id": company.id, "created_at": now} for c in new])))
    result.new["estates"] += len(new)
    return ids


def _utcnow():
    from pms.core.db import utcnow

    return utcnow()


def _natural(code: str):
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


def _batches(by_estate: dict[str, list[RegistryRow]], size: int = BATCH_ROWS):
    """Groups of whole estates of about `size` rows: a few round trips per group, not per estate."""
    batch: list[str] = []
    count = 0
    for code, estate_rows in by_estate.items():
        batch.append(code)
        count += len(estate_rows)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def _select_in(session, stmt, column, values: list[int]) -> list:
    """Rows of `stmt` whose `column` is among `values` (only real ids: a dry run's are negative)."""
    values = sorted(v for v in values if v > 0)
    found = []
    for start in range(0, len(values), 500):
        found.extend(session.execute(stmt.where(column.in_(values[start:start + 500]))).all())
    return found


def _import_batch(session, writer: _Writer, estate_ids: list[int], rows: list[RegistryRow],
                  result: ImportResult) -> None:
    """Some estates: load what exists into dicts, diff, then a few bulk statements per table."""
    # Buildings and entrances: create the missing ones, then read all ids back.
    def load_buildings():
        return {(e, code): i for i, e, code in _select_in(
            session, select(Building.id, Building.estate_id, Building.code), Building.estate_id, estate_ids)}

    def load_entrances():
        return {(b, code): i for i, b, code in _select_in(
            session, select(Entrance.id, Entrance.building_id, Entrance.code), Entrance.estate_id, estate_ids)}

    buildings = load_buildings()
    new_b = sorted({(r.estate_id, r.building) for r in rows} - buildings.keys(),
                   key=lambda k: (k[0], _natural(k[1])))
    writer.insert_many(Building, [{"estate_id": e, "code": c} for e, c in new_b])
    buildings = writer.reload(load_buildings, buildings, new_b)
    entrances = load_entrances()
    new_e = sorted({(buildings[(r.estate_id, r.building)], r.entrance) for r in rows} - entrances.keys(),
                   key=lambda k: (k[0], _natural(k[1])))
    building_estate = {i: e for (e, _c), i in buildings.items()}
    writer.insert_many(Entrance, [{"estate_id": building_estate[b], "building_id": b, "code": c} for b, c in new_e])
    entrances = writer.reload(load_entrances, entrances, new_e)
    result.new["buildings"] += len(new_b)
    result.new["entrances"] += len(new_e)

    # Rooms, people and who owns what, as they are now.
    rooms = {code: (i, floor, area, usage) for i, code, floor, area, usage in _select_in(
        session, select(Room.id, Room.code, Room.floor, Room.area_centi_m2, Room.usage),
        Room.estate_id, estate_ids)}
    people: dict[object, tuple[str, str, Optional[str]]] = {}
    by_id_number: dict[tuple[int, str], object] = {}
    by_name_phone: dict[tuple[int, str, str], object] = {}
    # Ordered by id: when two people match, the older record is used (each estate is in one chunk).
    for pid, estate_id, name, phone, id_number in _select_in(
            session, select(Person.id, Person.estate_id, Person.name, Person.phone, Person.id_number)
            .order_by(Person.id), Person.estate_id, estate_ids):
        people[pid] = (name, phone or "", id_number)
        if id_number:
            by_id_number.setdefault((estate_id, id_number), pid)
        if phone:
            by_name_phone.setdefault((estate_id, name, phone), pid)
    known_people = set(people)
    owners: dict[int, list[object]] = {}
    for room_id, person_id in _select_in(session, select(Ownership.room_id, Ownership.person_id)
                                         .order_by(Ownership.person_id), Ownership.estate_id, estate_ids):
        owners.setdefault(room_id, []).append(person_id)

    claimed: dict[object, tuple] = {}  # person → the attributes this import gives them
    new_people: list[tuple] = []       # (estate id, name, phone, id_number) of people to create
    person_updates: dict[int, tuple] = {}
    room_inserts, room_updates, replaced_rooms, ownership_rows = [], [], [], []
    new_room_owner: list[object] = []

    def desired_for(pid, r):
        return (r.owner_name, r.owner_phone, r.owner_id_number or people[pid][2])

    def usable(pid, r) -> bool:
        """`pid` may be this row's owner: no contradicting ID, not claimed with other data."""
        id_number = people[pid][2]
        if r.owner_id_number and id_number and id_number != r.owner_id_number:
            return False
        want = desired_for(pid, r)
        return claimed.get(pid, want) == want

    for r in rows:
        estate_id = r.estate_id
        current = rooms.get(r.code)
        pid = by_id_number.get((estate_id, r.owner_id_number)) if r.owner_id_number else None
        if pid is not None and not usable(pid, r):
            pid = None
        if pid is None and current is not None:
            previous = owners.get(current[0], [])
            if len(previous) == 1 and people[previous[0]][0] == r.owner_name and usable(previous[0], r):
                pid = previous[0]
        if pid is None and r.owner_phone:
            candidate = by_name_phone.get((estate_id, r.owner_name, r.owner_phone))
            if candidate is not None and usable(candidate, r):
                pid = candidate
        owner_changed = False
        if pid is None:
            pid = ("new", len(new_people))
            attrs = (r.owner_name, r.owner_phone, r.owner_id_number)
            new_people.append((estate_id, *attrs))
            people[pid] = attrs
        else:
            attrs = desired_for(pid, r)
            if attrs != people[pid]:
                owner_changed = True
                if not isinstance(pid, tuple):
                    person_updates[pid] = attrs
                people[pid] = attrs
        claimed[pid] = attrs
        if attrs[2]:
            by_id_number.setdefault((estate_id, attrs[2]), pid)
        if attrs[1]:
            by_name_phone.setdefault((estate_id, attrs[0], attrs[1]), pid)

        if current is None:
            building_id = buildings[(estate_id, r.building)]
            room_inserts.append({
                "estate_id": estate_id, "building_id": building_id,
                "entrance_id": entrances[(building_id, r.entrance)], "code": r.code,
                "number": r.room, "floor": r.floor, "area_centi_m2": r.area_centi_m2, "usage": r.usage})
            new_room_owner.append(pid)
            result.created += 1
            continue
        room_id, floor, area, usage = current
        room_changed = (floor, area, usage) != (r.floor, r.area_centi_m2, r.usage)
        if room_changed:
            room_updates.append({"id": room_id, "floor": r.floor, "area_centi_m2": r.area_centi_m2,
                                 "usage": r.usage})
        if owners.get(room_id, []) != [pid]:
            owner_changed = True
            if owners.get(room_id):
                replaced_rooms.append(room_id)
            ownership_rows.append((r.estate_id, room_id, pid))
            owners[room_id] = [pid]
        if room_changed or owner_changed:
            result.updated += 1
        else:
            result.unchanged += 1

    # Write: people first (rooms' ownerships need their ids), then rooms, then ownerships.
    writer.insert_many(Person, [{"estate_id": e, "name": n, "phone": p, "id_number": i}
                                for e, n, p, i in new_people])
    result.new["persons"] += len(new_people)
    writer.update(Person, [{"id": pid, "name": n, "phone": p, "id_number": i}
                           for pid, (n, p, i) in person_updates.items()])
    writer.insert_many(Room, room_inserts)
    writer.update(Room, room_updates)
    writer.delete_ownerships(replaced_rooms)
    if writer.dry_run:
        return
    # Ids of what was just inserted, by natural key: rooms by code; new people by their
    # attributes (people with identical attributes are interchangeable).
    person_ids: list[int] = []
    if new_people:
        fresh: dict[tuple, list[int]] = {}
        for pid, estate_id, name, phone, id_number in _select_in(
                session, select(Person.id, Person.estate_id, Person.name, Person.phone, Person.id_number)
                .order_by(Person.id.desc()), Person.estate_id, estate_ids):
            if pid not in known_people:
                fresh.setdefault((estate_id, name, phone or "", id_number), []).append(pid)
        person_ids = [fresh[attrs].pop() for attrs in new_people]

    def real(pid):
        return person_ids[pid[1]] if isinstance(pid, tuple) else pid

    if room_inserts:
        room_ids = dict(_select_in(session, select(Room.code, Room.id), Room.estate_id, estate_ids))
        ownership_rows += [(r["estate_id"], room_ids[r["code"]], pid) for r, pid in zip(room_inserts, new_room_owner)]
    writer.insert_many(Ownership, [{"estate_id": e, "room_id": room_id, "person_id": real(pid)}
                                   for e, room_id, pid in ownership_rows])


# ---- everything together -----------------------------------------------------------------

def import_file(session, company: Company, data: bytes, *, dry_run: bool = False, actor: str = "system",
                source: str = "", max_bytes: Optional[int] = None) -> ImportResult:
    """Read, check and import a registry file; raises RegistryInvalid with every error found."""
    sheet = read_registry(data, max_bytes=max_bytes)
    rows, errors = parse_rows(sheet.index, sheet.records, header_width=sheet.width)
    errors = sheet.problems + errors
    if errors:
        # Report the cross-row and database problems of the good rows in the same list.
        more, warns = check_rows(rows)
        raise RegistryInvalid(errors + more + check_database(session, company, rows), warns)
    if not rows:
        raise RegistryInvalid([Problem(None, "", _("The file has a header but no rooms."))])
    return import_rows(session, company, rows, dry_run=dry_run, actor=actor, source=source)


def import_for_principal(session, principal, data: bytes, *, company_code: Optional[str] = None,
                         dry_run: bool = False, source: str = "") -> ImportResult:
    """The web upload: a manager imports for their own company, an admin names the company."""
    from pms.core.auth import ADMIN, MANAGER, ensure_role
    from pms.estates.services import find_company

    ensure_role(principal, MANAGER)
    if principal.role == ADMIN:
        company = find_company(session, company_code or "")
        if company is None:
            raise Invalid(_("Choose the company the estates belong to."),
                          fields={"company": [_("Unknown company.")]})
    else:
        company = session.get(Company, principal.company_id)
    return import_file(session, company, data, dry_run=dry_run, actor=principal.username, source=source)
