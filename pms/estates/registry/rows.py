"""What the registry import works with: the columns, a checked row, a problem, the result."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from flask_babel import gettext as _

from pms.core.errors import Invalid

COLUMNS = ("district_code", "district_name", "street", "estate_code", "estate_name", "building",
           "entrance", "floor", "room", "area_m2", "usage", "owner_name", "owner_phone",
           "owner_id_number")
OPTIONAL_COLUMNS = frozenset({"owner_phone", "owner_id_number"})

COLUMN_ORDER = {c: i for i, c in enumerate(COLUMNS)}


@dataclass(frozen=True)
class Problem:
    """An error or a warning about a place in the file (row None: the file as a whole)."""

    row: Optional[int]
    column: str
    message: str

    def __str__(self) -> str:
        from pms.core.cli import row_line  # 'row N, column: message' in the terminal's language

        return row_line(self.row, self.column or None, self.message)

    @property
    def sort_key(self):
        position = -1 if not self.column else COLUMN_ORDER.get(self.column, len(COLUMNS))
        return (self.row or 0, position, self.column, self.message)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems without repeats, by row, then column as in the file."""
    return sorted(set(problems), key=lambda p: p.sort_key)


class RegistryInvalid(Invalid):
    """The file cannot be imported; `errors` lists every problem found, nothing was written."""

    def __init__(self, errors: Iterable[Problem], warnings: Iterable[Problem] = ()):
        self.errors = sorted_problems(errors)
        self.warnings = sorted_problems(warnings)
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
    estate_id: int = 0  # set by importing.import_rows once the estate is known

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

