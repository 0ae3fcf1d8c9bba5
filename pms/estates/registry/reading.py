"""Step 1 of an import: the bytes of a file (CSV UTF-8 with or without BOM, or the first sheet of an
XLSX) become a header and raw rows. A file above the size limit, a file that is neither UTF-8 nor
XLSX, or a header with missing columns is refused here."""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from datetime import date, datetime
from typing import NamedTuple, Optional

from flask import current_app, has_app_context
from flask_babel import gettext as _

from pms.estates.registry.rows import COLUMN_ORDER, COLUMNS, Problem, RegistryInvalid

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


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
        elif name not in COLUMN_ORDER:
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

