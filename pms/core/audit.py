"""The tamper-evident audit log: each entry hashes its content and the previous hash."""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from sqlalchemy import select, text

from pms.core.db import utcnow
from pms.core.models import AuditEntry, AuditSeal

GENESIS = "0" * 64


def _digest(entry: AuditEntry) -> str:
    canonical = json.dumps(
        [entry.seq, entry.at.isoformat(timespec="microseconds"), entry.actor, entry.action,
         entry.object_type, entry.object_id, entry.estate_id, entry.payload, entry.prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Entry:
    """What one audit entry says (record_many chains several in one go)."""

    actor: str
    action: str
    object_type: str = ""
    object_id: object = ""
    estate_id: Optional[int] = None
    payload: Optional[dict] = None


def record(session, *, actor: str, action: str, object_type: str = "", object_id="",
           estate_id: Optional[int] = None, payload: Optional[dict] = None) -> AuditEntry:
    """Append one entry to the chain (flush only; it commits with the unit of work)."""
    return record_many(session, [Entry(actor, action, object_type, object_id, estate_id, payload)])[0]


def record_many(session, entries: list[Entry]) -> list[AuditEntry]:
    """Append entries to the chain in order, under one lock and one read of the head (flush only)."""
    if not entries:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never chain onto the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(770101)"))
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    rows = []
    for entry in entries:
        row = AuditEntry(
            seq=seq, at=at, actor=entry.actor, action=entry.action,
            object_type=entry.object_type, object_id=str(entry.object_id), estate_id=entry.estate_id,
            payload=json.dumps(entry.payload or {}, ensure_ascii=False, sort_keys=True, default=str),
            prev_hash=prev_hash, hash="",
        )
        row.hash = _digest(row)
        rows.append(row)
        seq, prev_hash = seq + 1, row.hash
    session.add_all(rows)
    session.flush()
    return rows


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


def _seal_mac(key: str, seq: int, head_hash: str, sealed_at, reason: str, prev_mac: str = "") -> str:
    """The seal's HMAC; it signs the previous seal's MAC too (seals from before 0024 have none), so
    a seal deleted from the middle breaks the next one's link."""
    message = f"{seq}:{head_hash}:{sealed_at.isoformat(timespec='microseconds')}:{reason}"
    if prev_mac:
        message += f":{prev_mac}"
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def _audit_key() -> str:
    from flask import current_app

    return current_app.config["AUDIT_KEY"]


def seal(session, reason: str = "manual") -> Optional[AuditSeal]:
    """Seal the chain's head: its seq and hash with an HMAC under PMS_AUDIT_KEY (nightly, and at
    every report, which prints it). None while the chain is empty; the same head already sealed
    for the same reason is not sealed again."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(770101)"))  # the head cannot move meanwhile
    head = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    if head is None:
        return None
    last = session.scalars(select(AuditSeal).order_by(AuditSeal.id.desc()).limit(1)).first()
    if last is not None and last.seq == head.seq and last.reason == reason:
        return last  # a rerun (a second scheduler, a retry) seals nothing twice
    sealed_at = utcnow()
    prev_mac = last.mac if last is not None else ""
    found = AuditSeal(seq=head.seq, head_hash=head.hash, sealed_at=sealed_at, reason=reason, prev_mac=prev_mac,
                      mac=_seal_mac(_audit_key(), head.seq, head.hash, sealed_at, reason, prev_mac))
    session.add(found)
    session.flush()
    return found


def _check_seal(session, key: str, found: AuditSeal, heads: dict) -> Optional[Breach]:
    """A seal's MAC is genuine and the chain's entry at its seq is still the one it sealed."""
    label = f"audit_seal id={found.id} seq={found.seq}"
    if not hmac.compare_digest(found.mac, _seal_mac(key, found.seq, found.head_hash, found.sealed_at,
                                                    found.reason, found.prev_mac)):
        return Breach("audit_seal", label, "the seal's MAC does not match (forged, or another PMS_AUDIT_KEY)")
    if found.seq not in heads:
        heads[found.seq] = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == found.seq))
    if heads[found.seq] != found.head_hash:
        return Breach("audit_seal", label, "the chain's entry at the sealed head differs: the chain was rewritten")
    return None


def verify_seals(session) -> Optional[Breach]:
    """The first seal whose MAC is wrong (forged without the key), whose sealed head is no longer
    the chain's entry at that seq (the chain was rewritten, however consistently), or whose link
    names another seal than the one before it (a seal was deleted)."""
    key = _audit_key()
    heads: dict[int, Optional[str]] = {}
    previous: Optional[AuditSeal] = None
    linked = False  # once a seal carries a link, every later one must
    for found in session.scalars(select(AuditSeal).order_by(AuditSeal.id)).yield_per(1000):
        breach = _check_seal(session, key, found, heads)
        if breach is not None:
            return breach
        expected = previous.mac if previous is not None else ""
        if (found.prev_mac or linked) and found.prev_mac != expected:
            return Breach("audit_seal", f"audit_seal id={found.id} seq={found.seq}",
                          "the seal before this one is missing: a seal was deleted")
        linked = linked or bool(found.prev_mac)
        previous = found
    return None


def check_printed_seal(session, mac: str) -> tuple[Optional[AuditSeal], Optional[Breach]]:
    """A seal as printed on a report: still in the database, genuine, and its head unchanged.
    Not found → a breach (seals were deleted, or the paper is not one of ours)."""
    mac = (mac or "").strip().lower()
    found = session.scalar(select(AuditSeal).where(AuditSeal.mac == mac)) if mac else None
    if found is None:
        return None, Breach("audit_seal", f"mac={mac[:16]}", "no seal with this MAC: seals were deleted, "
                                                          "or the document is not one this service printed")
    return found, _check_seal(session, _audit_key(), found, {})


# Domains add their own integrity checks (e.g. every journal entry balances).
_checks: dict[str, Callable[[object], Optional[Breach]]] = {"audit_chain": verify_chain, "audit_seal": verify_seals}


def register_check(name: str, check: Callable[[object], Optional[Breach]]) -> None:
    """Add an integrity check run by `pms audit verify`."""
    _checks[name] = check


def run_checks(session) -> Iterator[tuple[str, Optional[Breach]]]:
    """Run every registered check, yielding (name, first breach or None)."""
    for name, check in _checks.items():
        yield name, check(session)
