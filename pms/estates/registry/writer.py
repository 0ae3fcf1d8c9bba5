"""The import's writer: bulk statements (`core.bulk`), or placeholder ids when nothing may be
written (a dry run computes the same result through the same code and writes nothing)."""
from __future__ import annotations

import itertools
from typing import Callable

from sqlalchemy import delete, insert

from pms.core import bulk
from pms.estates.models import Ownership


class Writer:
    """Bulk statements, or placeholder ids when nothing may be written (a dry run)."""

    def __init__(self, session, dry_run: bool):
        self.session, self.dry_run = session, dry_run
        self._placeholders = itertools.count(-1, -1)

    def insert(self, model, rows: list[dict]) -> list[int]:
        """Insert and return the new ids in the rows' order (for the few rows that need them)."""
        if not rows:
            return []
        if self.dry_run:
            return [next(self._placeholders) for _row in rows]
        table = model.__table__
        result = self.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        return [row[0] for row in result]

    def insert_many(self, model, rows: list[dict]) -> None:
        """Many rows in bulk, without asking for their ids (`core.bulk.insert_rows`)."""
        if not self.dry_run:
            bulk.insert_rows(self.session, model, rows)

    def reload(self, load: Callable[[], dict], known: dict, new_keys: list) -> dict:
        """Ids after inserting `new_keys`: read back, or placeholders in a dry run."""
        if not new_keys:
            return known
        if self.dry_run:
            return {**known, **{k: next(self._placeholders) for k in new_keys}}
        return load()

    def update(self, model, rows: list[dict]) -> None:
        """Rows by id (`core.bulk.update_rows`)."""
        if not self.dry_run:
            bulk.update_rows(self.session, model, rows)

    def delete_ownerships(self, room_ids: list[int]) -> None:
        if not room_ids or self.dry_run:
            return
        table = Ownership.__table__
        for start in range(0, len(room_ids), 500):
            self.session.execute(delete(table).where(table.c.room_id.in_(room_ids[start:start + 500])))
