"""Many whole-bill payments at once (imports, the demo): the rows `payments.record_payment` writes,
its receipt included."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import bindparam, column, insert, select, table, text

from pms.billing.models.payments import CHANNELS
from pms.billing.services import receipts
from pms.billing.services.payments import request_hash
from pms.billing.services.runs import reserve_numbers
from pms.core.db import UTCDateTime, is_sqlite, reserve_ids, utcnow
from pms.core.errors import Conflict
from pms.core.i18n import translate as _
from pms.estates.models import Company, Estate


@dataclass(frozen=True)
class Settlement:
    """A payment of exactly one open, unpaid bill's payable amount (bulk recording)."""

    bill_id: int
    room_id: int
    room_code: str
    estate_id: int
    amount_fen: int
    received_at: datetime
    business_date: date
    channel: str
    reference: str = ""


SETTLEMENT_STAGE = "payment_settlement_stage"
RECEIPT_SERIES_STAGE = "payment_settlement_receipt_series"


def record_settlements(session, settlements: list[Settlement], *, recorded_by: str) -> int:
    """Record many whole-bill payments at once: the rows `record_payment` writes for each.

    For imports and bulk back-office work (the demo's 100,000 households): payment, allocation,
    bill paid, one balanced `payment` entry (Dr cash, Cr receivable) and one receipt per
    settlement. Ids are reserved first and every table is written by one INSERT … SELECT from a
    staging table. All or nothing: a bill that is not open and unpaid for exactly that amount fails
    the whole batch, and the receipt numbers it reserved go back with the rollback.

    Receipts: `issue_receipt`'s fields, but dated when the money was received (`issued_at` =
    `received_at`, the year that of the business date) since the batch records money taken
    earlier. Each company and year's numbers are reserved in one call, after the bills' locks
    (bills → counter, the order `record_payment` takes them in), and given out in the order
    company, year, received_at, room code, bill id.
    """
    if not settlements:
        return 0
    session.flush()
    bad = [s for s in settlements if s.amount_fen <= 0 or s.channel not in CHANNELS or s.received_at.tzinfo is None]
    if bad:
        raise ValueError(f"invalid settlement for bill id={bad[0].bill_id}")
    ranks, series = _receipt_ranks(session, settlements)
    payment_ids = reserve_ids(session, "payment", len(settlements))
    entry_ids = reserve_ids(session, "journal_entry", len(settlements))
    sqlite = is_sqlite(session)
    session.execute(text(f"DROP TABLE IF EXISTS {SETTLEMENT_STAGE}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {SETTLEMENT_STAGE} (payment_id INTEGER NOT NULL, entry_id INTEGER NOT NULL,"
        " bill_id INTEGER NOT NULL, room_id INTEGER NOT NULL, estate_id INTEGER NOT NULL,"
        " amount_fen INTEGER NOT NULL, channel VARCHAR(8) NOT NULL, reference VARCHAR(128) NOT NULL,"
        " request_hash VARCHAR(64) NOT NULL, received_at " + ("VARCHAR(26)" if sqlite else "TIMESTAMPTZ") +
        " NOT NULL, business_date " + ("VARCHAR(10)" if sqlite else "DATE") + " NOT NULL,"
        " memo VARCHAR(255) NOT NULL, company_id INTEGER NOT NULL, receipt_year INTEGER NOT NULL,"
        " receipt_rank INTEGER NOT NULL)"))
    stage = table(SETTLEMENT_STAGE, *(column(c) for c in (
        "payment_id", "entry_id", "bill_id", "room_id", "estate_id", "amount_fen", "channel", "reference",
        "request_hash", "received_at", "business_date", "memo", "company_id", "receipt_year", "receipt_rank")))
    # SQLite keeps timestamps and dates as text in SQLAlchemy's formats (UTC, no zone).
    session.execute(insert(stage), [
        dict(payment_id=pid, entry_id=eid, bill_id=s.bill_id, room_id=s.room_id, estate_id=s.estate_id,
             amount_fen=s.amount_fen, channel=s.channel, reference=s.reference,
             request_hash=request_hash(s.room_code, s.amount_fen, s.channel, s.reference),
             received_at=(s.received_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite
                          else s.received_at),
             business_date=s.business_date.isoformat() if sqlite else s.business_date,
             memo=f"{s.channel} {s.reference}".strip()[:255],
             company_id=company_id, receipt_year=year, receipt_rank=rank)
        for pid, eid, s, (company_id, year, rank) in zip(payment_ids, entry_ids, settlements, ranks)])
    # Each bill must be open, unpaid, and owe exactly the settlement's amount; the UPDATE's row
    # count then proves no other writer paid one of them in between.
    matching = session.scalar(text(
        f"SELECT COUNT(DISTINCT b.id) FROM {SETTLEMENT_STAGE} st JOIN bill b ON b.id = st.bill_id"
        " WHERE b.status = 'open' AND b.paid_fen = 0 AND st.amount_fen = b.payable_fen - b.waived_fen"))
    settled = session.execute(text(
        "UPDATE bill SET paid_fen = payable_fen - waived_fen, status = 'paid'"
        f" WHERE id IN (SELECT bill_id FROM {SETTLEMENT_STAGE}) AND status = 'open' AND paid_fen = 0")).rowcount
    if not matching == settled == len(settlements):
        raise Conflict(_("A bill in the batch is not open and unpaid for that amount."))
    _stage_receipt_series(session, series)
    statements = (
        "INSERT INTO payment (id, estate_id, room_id, amount_fen, channel, reference, idempotency_key,"
        " request_hash, received_at, recorded_by) SELECT payment_id, estate_id, room_id, amount_fen, channel,"
        f" reference, NULL, request_hash, received_at, :recorded_by FROM {SETTLEMENT_STAGE}",
        "INSERT INTO payment_allocation (payment_id, bill_id, estate_id, room_id, amount_fen, from_prepayment,"
        f" allocated_at) SELECT payment_id, bill_id, estate_id, room_id, amount_fen, :false, received_at"
        f" FROM {SETTLEMENT_STAGE}",
        "INSERT INTO journal_entry (id, estate_id, kind, source_type, source_id, business_date, memo, created_at)"
        " SELECT entry_id, estate_id, 'payment', 'payment', payment_id, business_date, memo, :created_at"
        f" FROM {SETTLEMENT_STAGE}",
        "INSERT INTO journal_line (entry_id, estate_id, account, room_id, program_id, item_code, amount_fen)"
        " SELECT entry_id, estate_id, 'cash', CAST(NULL AS INTEGER), CAST(NULL AS INTEGER),"
        f" CAST(NULL AS VARCHAR(32)), amount_fen FROM {SETTLEMENT_STAGE} UNION ALL"
        " SELECT entry_id, estate_id, 'receivable', room_id, CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(32)),"
        f" -amount_fen FROM {SETTLEMENT_STAGE}",
        "INSERT INTO receipt (company_id, year, seq, number, kind, payment_id, settlement_id, reverses_id,"
        " estate_id, room_id, amount_fen, reason, issued_at, issued_by, void_at)"
        f" SELECT company_id, year, seq, {receipts.receipt_number_sql(not sqlite, 'prefix', 'seq')}, 'payment',"
        " payment_id, CAST(NULL AS INTEGER), CAST(NULL AS INTEGER), estate_id, room_id, amount_fen, '',"
        " received_at, :recorded_by, NULL FROM ("
        "  SELECT st.company_id, st.receipt_year AS year, se.first_seq - 1 + st.receipt_rank AS seq, se.prefix,"
        "  st.payment_id, st.estate_id, st.room_id, st.amount_fen, st.received_at"
        f"  FROM {SETTLEMENT_STAGE} st JOIN {RECEIPT_SERIES_STAGE} se"
        "  ON se.company_id = st.company_id AND se.year = st.receipt_year) r ORDER BY company_id, year, seq",
        f"DROP TABLE {SETTLEMENT_STAGE}",
        f"DROP TABLE {RECEIPT_SERIES_STAGE}",
    )
    params = dict(recorded_by=recorded_by, created_at=utcnow(), false=False)
    for statement in statements:
        stmt = text(statement)
        if ":created_at" in statement:
            stmt = stmt.bindparams(bindparam("created_at", type_=UTCDateTime()))
        session.execute(stmt, {k: v for k, v in params.items() if f":{k}" in statement})
    return len(settlements)


def _receipt_ranks(session, settlements: list[Settlement]):
    """Per settlement (company id, year, its place among that company and year's receipts in the
    batch, from 1), and per company and year (code, how many)."""
    estate_ids = sorted({s.estate_id for s in settlements})
    companies = {row.estate_id: (row.company_id, row.code) for row in session.execute(
        select(Estate.id.label("estate_id"), Company.id.label("company_id"), Company.code)
        .join(Company, Company.id == Estate.company_id).where(Estate.id.in_(estate_ids)))}
    unknown = [s for s in settlements if s.estate_id not in companies]
    if unknown:
        raise ValueError(f"invalid settlement for bill id={unknown[0].bill_id}: no estate {unknown[0].estate_id}")
    keys = [(companies[s.estate_id][0], s.business_date.year) for s in settlements]
    order = sorted(range(len(settlements)), key=lambda i: (
        keys[i], settlements[i].received_at.astimezone(timezone.utc), settlements[i].room_code,
        settlements[i].bill_id))
    ranks: list[tuple[int, int, int]] = [(0, 0, 0)] * len(settlements)
    series: dict[tuple[int, int], list] = {}  # (company id, year) → [company code, count]
    for i in order:
        entry = series.setdefault(keys[i], [companies[settlements[i].estate_id][1], 0])
        entry[1] += 1
        ranks[i] = (*keys[i], entry[1])
    return ranks, series


def _stage_receipt_series(session, series: dict) -> None:
    """Reserve each company and year's receipt numbers (in that order: concurrent batches lock the
    counters alike) and stage where each series starts."""
    session.execute(text(f"DROP TABLE IF EXISTS {RECEIPT_SERIES_STAGE}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {RECEIPT_SERIES_STAGE} (company_id INTEGER NOT NULL, year INTEGER NOT NULL,"
        " first_seq INTEGER NOT NULL, prefix VARCHAR(64) NOT NULL)"))
    rows = [dict(company_id=company_id, year=year,
                 first_seq=reserve_numbers(session, company_id, year, count, series=receipts.SERIES),
                 prefix=receipts.receipt_number(code, year, 0).removesuffix("000000"))  # ACME-R2026-
            for (company_id, year), (code, count) in sorted(series.items())]
    session.execute(insert(table(RECEIPT_SERIES_STAGE, *(column(c) for c in (
        "company_id", "year", "first_seq", "prefix")))), rows)
