"""Posting balanced journal entries, and the check that every entry balances."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

from sqlalchemy import func, insert, select

from pms.billing.models import JournalEntry, JournalLine
from pms.core.audit import Breach
from pms.core.db import utcnow


@dataclass(frozen=True)
class Line:
    """One side of an entry: debit positive, credit negative."""

    account: str
    amount_fen: int
    room_id: Optional[int] = None
    program_id: Optional[int] = None
    item_code: Optional[str] = None


class UnbalancedEntry(ValueError):
    """An entry whose lines do not sum to zero was about to be posted."""


def post_entry(session, *, estate_id: int, kind: str, source_type: str, source_id: int,
               business_date: date, lines: Iterable[Line], memo: str = "") -> int:
    """Post one balanced entry; its id. Zero lines are dropped.

    Two Core INSERTs (the entry, then its lines in one batch) rather than ORM objects: every
    money movement posts one, so this sits on the front desk's hot path.
    """
    lines = [line for line in lines if line.amount_fen != 0]
    if sum(line.amount_fen for line in lines) != 0:
        raise UnbalancedEntry(f"{kind} {source_type}:{source_id} does not balance")
    entries = JournalEntry.__table__
    entry_id = session.scalar(insert(entries).values(
        estate_id=estate_id, kind=kind, source_type=source_type, source_id=source_id,
        business_date=business_date, memo=memo, created_at=utcnow()).returning(entries.c.id))
    if lines:
        session.execute(insert(JournalLine.__table__), [
            dict(entry_id=entry_id, estate_id=estate_id, account=line.account, room_id=line.room_id,
                 program_id=line.program_id, item_code=line.item_code, amount_fen=line.amount_fen)
            for line in lines])
    return entry_id


def first_unbalanced_entry(session) -> Optional[Breach]:
    """The first journal entry whose lines do not sum to zero (or that has no lines)."""
    sums = (select(JournalEntry.id, func.coalesce(func.sum(JournalLine.amount_fen), 0),
                   func.count(JournalLine.id))
            .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .group_by(JournalEntry.id)
            .having((func.coalesce(func.sum(JournalLine.amount_fen), 0) != 0) | (func.count(JournalLine.id) == 0))
            .order_by(JournalEntry.id).limit(1))
    row = session.execute(sums).first()
    if row is None:
        return None
    return Breach("journal_balanced", f"journal_entry id={row[0]}",
                  f"lines sum to {row[1]} fen over {row[2]} lines")
