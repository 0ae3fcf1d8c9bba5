"""The tamper-evident audit log: each entry hashes its content and the previous hash."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from sqlalchemy import select, text

from pms.core.db import utcnow
from pms.core.models import AuditEntry

GENESIS = "0" * 64


def _digest(entry: AuditEntry) -> str:
    canonical = json.dumps(
        [entry.seq, entry.at.isoformat(timespec="microseconds"), entry.actor, entry.action,
         entry.object_type, entry.object_id, entry.estate_id, entry.payload, entry.prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(session, *, actor: str, action: str, object_type: str = "", object_id="",
           estate_id: Optional[int] = None, payload: Optional[dict] = None) -> AuditEntry:
    """Append one entry to the chain (flush only; it commits with the unit of work)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never chain onto the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(770101)"))
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry = AuditEntry(
        seq=seq, at=utcnow(), actor=actor, action=action,
        object_type=object_type, object_id=str(object_id), estate_id=estate_id,
        payload=json.dumps(payload or {}, ensure_ascii=False, sort_keys=True, default=str),
        prev_hash=prev_hash, hash="",
    )
    entry.hash = _digest(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass
class Breach:
    """The first record that fails a check."""

    check: str
    record: str
    detail: str


def verify_chain(session) -> Optional[Breach]:
    """The first audit entry whose hash or link is wrong, or None."""
    prev_hash, expected_seq = GENESIS, 1
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        label = f"audit_entry seq={entry.seq}"
        if entry.seq != expected_seq:
            return Breach("audit_chain", label, f"expected seq {expected_seq}")
        if entry.prev_hash != prev_hash:
            return Breach("audit_chain", label, "previous hash does not match")
        if _digest(entry) != entry.hash:
            return Breach("audit_chain", label, "content does not match its hash")
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    return None


# Domains add their own integrity checks (e.g. every journal entry balances).
_checks: dict[str, Callable[[object], Optional[Breach]]] = {"audit_chain": verify_chain}


def register_check(name: str, check: Callable[[object], Optional[Breach]]) -> None:
    """Add an integrity check run by `pms audit verify`."""
    _checks[name] = check


def run_checks(session) -> Iterator[tuple[str, Optional[Breach]]]:
    """Run every registered check, yielding (name, first breach or None)."""
    for name, check in _checks.items():
        yield name, check(session)
