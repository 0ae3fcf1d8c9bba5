"""Billing runs: a batch of estates' bills for one period, set-based, in the caller's transaction.

A run (1) locks the batch's estates and claims each estate's UNIQUE (estate, period) run row with
INSERT … ON CONFLICT DO NOTHING — an estate already billed, or billed by the winner of a race, gets
nothing; (2) computes every line of every estate into a temporary staging table (`staging`: one
INSERT … SELECT per kind of fee item for the whole batch, then the lines of other domains'
registered line sources); (3) reserves a gap-free range of bill numbers per company under the
counter row's lock; (4) stages one row per bill with its number and id; (5) inserts the bills
(numbered in estate-code, then room-code order), their lines, and one journal entry per estate
(the bills are its sub-ledger: receivable per bill, subsidy and revenue per item), all with
INSERT … SELECT, and lets the line sources record what the lines charged; (6) lets the payments
service apply prepayments. The statements are the same for one estate or fifty, so an estate of 500
rooms no longer pays a dozen round trips of its own. Nothing is committed here: the caller's unit of work (one per batch) commits or rolls
everything back, so a run killed half-way leaves no estate half-billed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Optional, Sequence

from flask_babel import gettext as _
from sqlalchemy import Date, Integer, String, bindparam, func, select, text, update

from pms.billing import permissions
from pms.billing.models import BillingRun, FeePlan, NumberCounter
from pms.billing.services import line_sources, overview, staging
from pms.billing.services.plans import plans_in_force
from pms.billing.services.staging import ESTATES, STAGE, BatchEstate
from pms.core import audit
from pms.core import clock, periods
from pms.core.auth import Principal
from pms.core.db import UTCDateTime, insert_ignoring_conflicts, lock_rows, new_ids_sql, utcnow
from pms.core.errors import Invalid
from pms.estates.models import Company, Estate

log = logging.getLogger("pms.billing")

BILL_STAGE = "billing_stage_bills"  # one row per bill


@dataclass
class RunResult:
    """What one call did: bills_created 0 and zero totals when the period was already billed."""

    run_id: int
    estate: str
    period: str
    bills_created: int
    total_fen: int
    subsidy_fen: int
    payable_fen: int
    created: bool
    prepayment_applied_fen: int = 0


def check_period(period: str, today: date) -> None:
    """Current, next and past periods may be billed; later ones are refused (422)."""
    if not periods.is_period(period):
        raise Invalid(_("Not a period."), fields={"period": [_("Not a period (YYYY-MM).")]})
    latest = periods.add_months(periods.period_of(today), 1)
    if period > latest:
        raise Invalid(_("This period cannot be billed yet."),
                      fields={"period": [_("Periods after %(latest)s cannot be billed yet.", latest=latest)]})


def issue_instant(today: date) -> datetime:
    """When bills issued on business day `today` say they were issued."""
    if today == clock.today():
        return utcnow()
    # Back-dated runs (demo history, catching up): 01:10 local time of that day.
    return datetime.combine(today, time(1, 10), tzinfo=clock.timezone()).astimezone(timezone.utc)


def may_run(principal: Principal) -> bool:
    """Whether the caller may bill an estate (the runs page shows the form)."""
    return permissions.may(principal, "run.create")


def ensure_may_run(principal: Principal) -> None:
    """403 unless the caller may bill an estate."""
    permissions.ensure(principal, "run.create")


def run_billing(session, estate: Estate, period: str, *, triggered_by: str = "system",
                today: Optional[date] = None) -> RunResult:
    """Issue the estate's bills for `period` (flush only; idempotent per estate and period)."""
    return run_billing_batch(session, [estate], period, triggered_by=triggered_by, today=today)[0]


def run_billing_batch(session, estates: Sequence[Estate], period: str, *, triggered_by: str = "system",
                      today: Optional[date] = None) -> list[RunResult]:
    """Issue the bills of several estates for `period` together (flush only; idempotent per estate
    and period); one result per estate, in the order given. 422 when one has no plan in force."""
    today = today or clock.today()
    check_period(period, today)
    given = [e.id for e in estates]
    estates = sorted({e.id: e for e in estates}.values(), key=lambda e: e.code)
    session.flush()
    # The estates' billing locks (see plans.apply_fee_plan): the plans read below stay in force.
    lock_rows(session, Estate, [e.id for e in estates])
    existing = _existing_runs(session, [e.id for e in estates], period)
    todo = [e for e in estates if e.id not in existing]
    plans = plans_in_force(session, [e.id for e in todo], period)
    for estate in todo:
        if estate.id not in plans:
            raise _no_plan(estate, period)
    started = utcnow()
    claimed = _claim_runs(session, {e.id: plans[e.id].id for e in todo}, period, triggered_by, started)
    if len(claimed) < len(todo):  # another process billed some of them first
        existing.update(_existing_runs(session, [e.id for e in todo if e.id not in claimed], period))
    batch = [BatchEstate(e.id, e.code, e.company_id, plans[e.id].id,
                         periods.day_in_period(period, plans[e.id].due_day), claimed[e.id])
             for e in todo if e.id in claimed]
    staged = _issue(session, batch, period, today) if batch else {}
    if batch:
        _finish_runs(session, batch, staged)
    applied = apply_prepayments(session, sorted(staged), business_date=today) if staged else {}
    if batch:  # the homes show the new month at once, not at the next refresh
        overview.refresh_run_snapshots(session, period, {b.estate_id: b.due_date for b in batch}, now=started)
    results, entries = {}, []
    for estate in estates:
        if estate.id not in claimed:
            run = existing[estate.id]
            results[estate.id] = (RunResult(run_id=run.id, estate=estate.code, period=run.period, bills_created=0,
                                     total_fen=0, subsidy_fen=0, payable_fen=0, created=False))
            continue
        lines = staged.get(estate.id, staging.Staged(0, 0, 0))
        result = RunResult(run_id=claimed[estate.id], estate=estate.code, period=period,
                           bills_created=lines.bills, total_fen=lines.total_fen, subsidy_fen=lines.subsidy_fen,
                           payable_fen=lines.total_fen - lines.subsidy_fen, created=True,
                           prepayment_applied_fen=applied.get(estate.id, 0))
        results[estate.id] = result
        entries.append(audit.Entry(actor=triggered_by, action="billing.run", object_type="billing_run",
                                   object_id=result.run_id, estate_id=estate.id,
                                   payload={"period": period, "bills": result.bills_created,
                                            "total_fen": result.total_fen, "subsidy_fen": result.subsidy_fen,
                                            "prepayment_applied_fen": result.prepayment_applied_fen}))
        log.info("billed %s %s: %d bills, %d fen", estate.code, period, result.bills_created, result.total_fen)
    audit.record_many(session, entries)
    return [results[estate_id] for estate_id in given]


def _finish_runs(session, batch: list[BatchEstate], staged: dict[int, staging.Staged]) -> None:
    """The run rows' totals and finish time, one executemany for the batch."""
    table = BillingRun.__table__
    finished = utcnow()
    rows = []
    for estate in batch:
        lines = staged.get(estate.estate_id, staging.Staged(0, 0, 0))
        rows.append(dict(run_id=estate.run_id, bills=lines.bills, total=lines.total_fen, subsidy=lines.subsidy_fen,
                         payable=lines.total_fen - lines.subsidy_fen, finished=finished))
    session.execute(update(table).where(table.c.id == bindparam("run_id")).values(
        bills_created=bindparam("bills"), total_fen=bindparam("total"), subsidy_fen=bindparam("subsidy"),
        payable_fen=bindparam("payable"), finished_at=bindparam("finished")), rows)


def _issue(session, batch: list[BatchEstate], period: str, today: date) -> dict[int, staging.Staged]:
    """Stage, number and write the batch's bills, lines and journal entries; what each estate got."""
    pg = session.get_bind().dialect.name == "postgresql"
    staged = staging.stage_batch(session, pg, batch, period)
    if staged:
        _number(session, batch, staged, today.year)
        _stage_bills(session, pg)
        issued_at = issue_instant(today)
        _insert_bills(session, pg, period, today.year, issued_at)
        _insert_lines(session)
        _post_ledger(session, period, today, issued_at)
        session.execute(text(f"DROP TABLE {BILL_STAGE}"))
    run_ids = [b.run_id for b in batch]
    for source in line_sources.sources():  # what the lines charged (also settled at no charge)
        source.record(session, pg, run_ids)
    staging.drop(session)
    return staged


@dataclass
class RunPreview:
    """What a billing run would issue now (nothing written): shown before the person confirms."""

    estate: str
    estate_name: str
    period: str
    bills: int
    total_fen: int
    subsidy_fen: int
    payable_fen: int
    due_date: Optional[date]
    already_billed: bool


def preview_billing(session, estate: Estate, period: str, *, today: Optional[date] = None) -> RunPreview:
    """The bills `run_billing` would issue for `period`, by the very same staging queries, then
    dropped: the count and totals a person confirms are the run's own (422 as the run would)."""
    today = today or clock.today()
    check_period(period, today)
    if _existing_runs(session, [estate.id], period):
        return RunPreview(estate.code, estate.name, period, 0, 0, 0, 0, None, already_billed=True)
    plan = plans_in_force(session, [estate.id], period).get(estate.id)
    if plan is None:
        raise _no_plan(estate, period)
    due = periods.day_in_period(period, plan.due_day)
    pg = session.get_bind().dialect.name == "postgresql"
    lines = staging.stage_batch(session, pg, [BatchEstate(estate.id, estate.code, estate.company_id, plan.id, due)],
                                period).get(estate.id, staging.Staged(0, 0, 0))
    for source in line_sources.sources():
        source.discard(session)
    staging.drop(session)
    return RunPreview(estate.code, estate.name, period, lines.bills, lines.total_fen, lines.subsidy_fen,
                      lines.total_fen - lines.subsidy_fen, due, already_billed=False)


def _no_plan(estate: Estate, period: str) -> Invalid:
    return Invalid(_("No fee plan is in force for this period."),
                   fields={"period": [_("Estate %(estate)s has no fee plan in force in %(period)s.",
                                        estate=estate.code, period=period)]})


def apply_prepayments(session, estate_ids: Sequence[int], *, business_date: date) -> dict[int, int]:
    """The payments service uses the estates' prepayments for the new bills (same transaction)."""
    from pms.billing.services import payments

    return payments.apply_prepayments_of_estates(session, estate_ids, business_date=business_date)


def _existing_runs(session, estate_ids: Sequence[int], period: str) -> dict[int, BillingRun]:
    return {run.estate_id: run for run in session.scalars(
        select(BillingRun).where(BillingRun.estate_id.in_(list(estate_ids)), BillingRun.period == period))}


def _claim_runs(session, plan_of: dict[int, int], period: str, triggered_by: str,
                started: datetime) -> dict[int, int]:
    """Insert the run rows; estate id → run id of those inserted (a concurrent insert waits for the
    other's commit, then inserts nothing)."""
    table = BillingRun.__table__
    rows = insert_ignoring_conflicts(
        session, table,
        [dict(estate_id=estate_id, period=period, fee_plan_id=plan_id, bills_created=0, total_fen=0,
              subsidy_fen=0, payable_fen=0, triggered_by=triggered_by[:64], started_at=started, finished_at=None)
         for estate_id, plan_id in sorted(plan_of.items())],
        ["estate_id", "period"], returning=(table.c.estate_id, table.c.id))
    return {estate_id: run_id for estate_id, run_id in rows}


def reserve_numbers(session, company_id: int, year: int, count: int, *, series: str = "bill") -> int:
    """Reserve `count` consecutive numbers of a company's series and year; the first one's seq.

    The UPDATE takes the counter row's lock until the unit of work ends, so concurrent runs of one
    company number one after the other, and a rolled-back run gives its range back (no gaps).
    Bills and credit notes are separate series.
    """
    table = NumberCounter.__table__
    key = (table.c.company_id == company_id, table.c.year == year, table.c.series == series)
    insert_ignoring_conflicts(session, table, [dict(company_id=company_id, year=year, series=series, last_seq=0)],
                              ["company_id", "year", "series"])
    last = session.scalar(update(table).where(*key).values(last_seq=table.c.last_seq + count)
                          .returning(table.c.last_seq))
    return last - count + 1


def _number(session, batch: list[BatchEstate], staged: dict[int, staging.Staged], year: int) -> None:
    """Reserve each company's numbers for its bills of the batch (companies in id order, so two
    runs never wait for each other's counters crosswise) and note the prefix and first seq."""
    counts: dict[int, int] = {}
    for estate in batch:
        if estate.estate_id in staged:
            counts[estate.company_id] = counts.get(estate.company_id, 0) + staged[estate.estate_id].bills
    codes = dict(session.execute(select(Company.id, Company.code).where(Company.id.in_(list(counts)))).all())
    session.execute(text(f"UPDATE {ESTATES} SET prefix = :prefix, first_seq = :first_seq"
                         " WHERE company_id = :company_id"),
                    [dict(company_id=company_id, prefix=f"{codes[company_id]}-{year}-",
                          first_seq=reserve_numbers(session, company_id, year, count))
                     for company_id, count in sorted(counts.items())])


def _number_sql(pg: bool) -> str:
    if pg:
        return ("b.prefix || CASE WHEN bb.seq < 1000000 THEN LPAD(CAST(bb.seq AS TEXT), 6, '0') "
                "ELSE CAST(bb.seq AS TEXT) END")
    return "b.prefix || printf('%06d', bb.seq)"


def _stage_bills(session, pg: bool) -> None:
    """One row per bill: its estate, room, totals, number sequence and id.

    With the ids known up front, lines and journal lines are written by joining two staging
    tables (hash joins) instead of looking up each bill by index, row by row. Each
    company's bills are numbered in estate-code, then room-code order.
    """
    session.execute(text(f"DROP TABLE IF EXISTS {BILL_STAGE}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {BILL_STAGE} (estate_id INTEGER NOT NULL, room_id INTEGER NOT NULL,"
        " bill_id INTEGER NOT NULL, seq INTEGER NOT NULL, total BIGINT NOT NULL,"
        " subsidy BIGINT NOT NULL)" + staging.temporary(pg)))
    order = f"{staging.code_order(pg, 'b.estate_code')}, {staging.code_order(pg, 's.room_code')}"
    session.execute(text(
        f"INSERT INTO {BILL_STAGE} (estate_id, room_id, bill_id, seq, total, subsidy)"
        f" SELECT estate_id, room_id, {new_ids_sql(session, 'bill', 'rn')},"
        " first_seq - 1 + company_rn, total, subsidy FROM ("
        "  SELECT s.estate_id, s.room_id, b.first_seq, SUM(s.amount_fen) AS total, SUM(s.subsidy_fen) AS subsidy,"
        f"   ROW_NUMBER() OVER (PARTITION BY b.company_id ORDER BY {order}) AS company_rn,"
        f"   ROW_NUMBER() OVER (ORDER BY b.company_id, {order}) AS rn"
        f"  FROM {STAGE} s JOIN {ESTATES} b ON b.estate_id = s.estate_id"
        "  GROUP BY s.estate_id, s.room_id, s.room_code, b.estate_code, b.company_id, b.first_seq) x ORDER BY rn"))
    if pg:  # temporary tables are never analysed automatically
        session.execute(text(f"ANALYZE {BILL_STAGE}"))


def _insert_bills(session, pg: bool, period: str, year: int, issued_at: datetime) -> None:
    stmt = text(
        "INSERT INTO bill (id, number, company_id, year, seq, estate_id, room_id, billing_run_id, period,"
        " due_date, total_fen, subsidy_fen, payable_fen, paid_fen, waived_fen, status, issued_at) "
        f"SELECT bb.bill_id, {_number_sql(pg)}, b.company_id, :year, bb.seq, bb.estate_id, bb.room_id, b.run_id,"
        " :period, b.due_date, bb.total, bb.subsidy, bb.total - bb.subsidy, 0, 0,"
        " CASE WHEN bb.total = bb.subsidy THEN 'paid' ELSE 'open' END, :issued_at"
        f" FROM {BILL_STAGE} bb JOIN {ESTATES} b ON b.estate_id = bb.estate_id ORDER BY bb.bill_id"
    ).bindparams(bindparam("issued_at", type_=UTCDateTime()), bindparam("period", type_=String()),
                 bindparam("year", type_=Integer()))
    session.execute(stmt, dict(year=year, period=period, issued_at=issued_at))


def _insert_lines(session) -> None:
    # Line ids follow the item order within each bill; readers list a bill's lines by id.
    session.execute(text(
        "INSERT INTO bill_line (bill_id, estate_id, room_id, item_code, item_name, kind,"
        " amount_fen, subsidy_fen, program_id, basis) "
        "SELECT bb.bill_id, s.estate_id, s.room_id, s.item_code, s.item_name, s.kind,"
        " s.amount_fen, s.subsidy_fen, s.program_id, s.basis"
        f" FROM {STAGE} s JOIN {BILL_STAGE} bb ON bb.room_id = s.room_id"
        " ORDER BY bb.bill_id, s.position"))


def _post_ledger(session, period: str, today: date, issued_at: datetime) -> None:
    """One entry per estate's run (the bills are its sub-ledger, as the late charges' entry per
    estate and day): Dr receivable per bill (its room) the payable part, Dr subsidy_receivable per
    programme and item, Cr revenue per item (zero amounts are not written). A summary entry keeps
    the ledger's rows proportional to rooms, not to rooms × items."""
    session.execute(text(
        "INSERT INTO journal_entry (estate_id, kind, source_type, source_id, business_date, memo, created_at)"
        " SELECT b.estate_id, 'bill', 'billing_run', b.run_id, :business_date, 'bills ' || :period, :created_at"
        f" FROM {ESTATES} b WHERE b.estate_id IN (SELECT estate_id FROM {BILL_STAGE}) ORDER BY b.estate_code"
    ).bindparams(bindparam("business_date", type_=Date()), bindparam("created_at", type_=UTCDateTime()),
                 bindparam("period", type_=String())),
        dict(business_date=today, created_at=issued_at, period=period))
    entry = (f" JOIN {ESTATES} b ON b.estate_id = {{alias}}.estate_id JOIN journal_entry je"
             " ON je.kind = 'bill' AND je.source_type = 'billing_run' AND je.source_id = b.run_id")
    session.execute(text(
        "INSERT INTO journal_line (entry_id, estate_id, account, room_id, program_id, item_code, amount_fen)"
        " SELECT je.id, bb.estate_id, 'receivable', bb.room_id, NULL, NULL, bb.total - bb.subsidy"
        f" FROM {BILL_STAGE} bb{entry.format(alias='bb')} WHERE bb.total <> bb.subsidy"
        " UNION ALL"
        " SELECT je.id, s.estate_id, 'subsidy_receivable', NULL, s.program_id, s.item_code, SUM(s.subsidy_fen)"
        f" FROM {STAGE} s{entry.format(alias='s')} WHERE s.subsidy_fen > 0"
        " GROUP BY je.id, s.estate_id, s.program_id, s.item_code"
        " UNION ALL"
        " SELECT je.id, s.estate_id, 'revenue', NULL, NULL, s.item_code, -SUM(s.amount_fen)"
        f" FROM {STAGE} s{entry.format(alias='s')} GROUP BY je.id, s.estate_id, s.item_code"))


# ---- which estates are due (the scheduler) ---------------------------------------------------

MAX_CATCH_UP_MONTHS = 12


def due_runs(session, today: date) -> list[tuple[int, str]]:
    """(estate id, period) pairs the daily job should bill, oldest period first.

    An estate is due for the current period when a plan is in force and it has no run yet; an
    estate that was billed before also gets every missed period since its last run (a scheduler
    that was down for weeks catches up), at most MAX_CATCH_UP_MONTHS back.
    """
    current = periods.period_of(today)
    first_plan = (select(FeePlan.estate_id, func.min(FeePlan.effective_from).label("first"))
                  .group_by(FeePlan.estate_id).subquery())
    last_run = (select(BillingRun.estate_id, func.max(BillingRun.period).label("last"))
                .group_by(BillingRun.estate_id).subquery())
    rows = session.execute(select(Estate.id, first_plan.c.first, last_run.c.last)
                           .join(first_plan, first_plan.c.estate_id == Estate.id)
                           .outerjoin(last_run, last_run.c.estate_id == Estate.id)
                           .order_by(Estate.code)).all()
    due = []
    for estate_id, first, last in rows:
        if last is None:
            start = current
        else:
            start = max(periods.add_months(last, 1), periods.add_months(current, -MAX_CATCH_UP_MONTHS + 1))
        period = max(start, first)
        while period <= current:
            due.append((estate_id, period))
            period = periods.add_months(period, 1)
    return sorted(due, key=lambda pair: (pair[1], pair[0]))
