"""Building registry files for tests: CSV text/bytes and XLSX workbooks from rows of values."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from pms.core.models import AuditEntry
from pms.estates.models import Building, District, Entrance, Estate, Ownership, Person, Room, Street
from pms.estates.registry.rows import COLUMNS

# A small estate NEW of company ACME in district 110112 (the world fixture's district).
# The last row is a ground-floor shop; 302 on floor 3 etc. all match their room numbers.
BASE = [
    dict(district_code="110112", district_name="通州区", street="中仓街道", estate_code="NEW",
         estate_name="新华里", building="1", entrance="1", floor="1", room="101", area_m2="45.00",
         usage="商业", owner_name="王小明", owner_phone="13900000001", owner_id_number=""),
    dict(district_code="110112", district_name="通州区", street="中仓街道", estate_code="NEW",
         estate_name="新华里", building="1", entrance="1", floor="3", room="302", area_m2="72.35",
         usage="住宅", owner_name="李秀英", owner_phone="", owner_id_number="11010519491231002X"),
    dict(district_code="110112", district_name="通州区", street="中仓街道", estate_code="NEW",
         estate_name="新华里", building="1", entrance="2", floor="6", room="601", area_m2="86.5",
         usage="residential", owner_name="张伟", owner_phone="13800000002", owner_id_number=""),
    dict(district_code="110112", district_name="通州区", street="中仓街道", estate_code="NEW",
         estate_name="新华里", building="2", entrance="1", floor="2", room="201", area_m2="58",
         usage="commercial", owner_name="赵敏", owner_phone="010-69541234", owner_id_number=""),
]
BASE_CODES = ["NEW-1-1-101", "NEW-1-1-302", "NEW-1-2-601", "NEW-2-1-201"]


def rows(**changes_by_index) -> list[dict]:
    """A copy of BASE with changes, e.g. rows(r1={"area_m2": "0"}) changes the 2nd data row."""
    out = [dict(r) for r in BASE]
    for key, changes in changes_by_index.items():
        out[int(key[1:])].update(changes)
    return out


def csv_bytes(data: list[dict], columns=COLUMNS, *, bom: bool = False, encoding: str = "utf-8") -> bytes:
    """CSV of the rows with a header of `columns` (any order; unknown names are allowed)."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for r in data:
        writer.writerow([r.get(c, "") for c in columns])
    text = buffer.getvalue()
    return (("\ufeff" if bom else "") + text).encode(encoding)


def xlsx_bytes(data: list[list], header=COLUMNS) -> bytes:
    """An XLSX workbook whose first sheet holds the header and the given cell values."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "登记表"
    sheet.append(list(header))
    for values in data:
        sheet.append(values)
    other = workbook.create_sheet("notes")
    other.append(["this sheet is ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TABLES = (District, Street, Estate, Building, Entrance, Room, Person, Ownership, AuditEntry)


def counts(session) -> dict[str, int]:
    """Rows in every table an import may touch."""
    session.flush()
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in TABLES}
