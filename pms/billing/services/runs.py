"""Billing runs: one estate's bills for one period, set-based, in the caller's transaction.

A run (1) claims the UNIQUE (estate, period) run row with INSERT … ON CONFLICT DO NOTHING — a
second run, or the loser of a race, creates nothing; (2) computes every line of every item into a
temporary staging table (`staging`: one INSERT … SELECT per item — area; elevator share by the
largest remainder method with window functions; fixed — subsidies included), then the lines of other
domains' registered line sources (`line_sources`: elder-care visits); (3) reserves a gap-free range
of bill numbers under the counter row's lock; (4) stages one row per bill with its number and the
ids of the bill and its journal entry; (5) inserts the bills (numbered in room-code order), their
lines, one journal entry per bill and its lines, all with INSERT … SELECT, and lets the line
sources record what the lines charged; (6) lets the payments service apply prepayments. Nothing
is committed here: the caller's unit of work (one per estate) commits or rolls everything back,
so a run killed half-way leaves nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import Date, Integer, String, bindparam, func, select, text, update

from pms.billing import permissions
from pms.billing.models import BillingRun, FeePlan, NumberCounter
from pms.billing.services import line_sources, staging
from pms.billing.services.staging import STAGE
from pms.billing.services.plans import plan_in_force
from pms.core import audit
from pms.core import clock, periods
from pms.core.auth import Principal
from pms.core.db import UTCDateTime, insert_ignoring_conflicts, lock_row, new_ids_sql, utcnow
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
    today = today or clock.today()
    check_period(period, today)
    session.flush()
    # The estate's billing lock (see plans.apply_fee_plan): the plan read below stays in force.
    lock_row(session, Estate, estate.id)
    existing = _existing_run(session, estate.id, period)
    if existing is not None:
        return _nothing_created(existing, estate)
    plan = _plan_or_refuse(session, estate, period)
    started = utcnow()
    run_id = _claim_run(session, estate.id, period, plan.id, triggered_by, started)
    if run_id is None:  # another process billed this estate and period first
        return _nothing_created(_existing_run(session, estate.id, period), estate)

    pg = session.get_bind().dialect.name == "postgresql"
    bills, total, subsidy = staging.stage_period(session, pg, estate, plan, period)
    if bills:
        issued_at = issue_instant(today)
        first_seq = reserve_numbers(session, estate.company_id, today.year, bills)
        company_code = session.scalar(select(Company.code).where(Company.id == estate.company_id))
        _stage_bills(session, pg, first_seq)
        number_params = dict(prefix=f"{company_code}-{today.year}-")
        _insert_bills(session, pg, estate, plan, run_id, period, today.year, issued_at, number_params)
        _insert_lines(session, estate.id)
        _post_ledger(session, pg, estate.id, today, issued_at, number_params)
        session.execute(text(f"DROP TABLE {BILL_STAGE}"))
    for source in line_sources.sources():  # what the lines charged (also settled at no charge)
        source.record(session, pg, run_id)
    session.execute(text(f"DROP TABLE {STAGE}"))
    session.execute(update(BillingRun.__table__).where(BillingRun.__table__.c.id == run_id).values(
        bills_created=bills, total_fen=total, subsidy_fen=subsidy, payable_fen=total - subsidy,
        finished_at=utcnow()))
    applied = apply_prepayments(session, estate.id, business_date=today) if bills else 0
    audit.record(session, actor=triggered_by, action="billing.run", object_type="billing_run",
                 object_id=run_id, estate_id=estate.id,
                 payload={"period": period, "bills": bills, "total_fen": total, "subsidy_fen": subsidy,
                          "prepayment_applied_fen": applied})
    log.info("billed %s %s: %d bills, %d fen", estate.code, period, bills, total)
    return RunResult(run_id=run_id, estate=estate.code, period=period, bills_created=bills,
                     total_fen=total, subsidy_fen=subsidy, payable_fen=total - subsidy, created=True,
                     prepayment_applied_fen=applied)


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
    if _existing_run(session, estate.id, period) is not None:
        return RunPreview(estate.code, estate.name, period, 0, 0, 0, 0, None, already_billed=True)
    plan = _plan_or_refuse(session, estate, period)
    bills, total, subsidy = staging.stage_period(session, session.get_bind().dialect.name == "postgresql",
                                          estate, plan, period)
    for source in line_sources.sources():
        source.discard(session)
    session.execute(text(f"DROP TABLE {STAGE}"))
    return RunPreview(estate.code, estate.name, period, bills, total, subsidy, total - subsidy,
                      periods.day_in_period(period, plan.due_day), already_billed=False)


def _plan_or_refuse(session, estate: Estate, period: str) -> FeePlan:
    plan = plan_in_force(session, estate.id, period)
    if plan is None:
        raise Invalid(_("No fee plan is in force for this period."),
                      fields={"period": [_("Estate %(estate)s has no fee plan in force in %(period)s.",
                                           estate=estate.code, period=period)]})
    return plan


def apply_prepayments(session, estate_id: int, *, business_date: date) -> int:
    """The payments service uses the estate's prepayments for the new bills (same transaction)."""
    from pms.billing.services import payments

    return payments.apply_prepayments(session, estate_id, business_date=business_date)


def _existing_run(session, estate_id: int, period: str) -> Optional[BillingRun]:
    return session.scalar(select(BillingRun).where(BillingRun.estate_id == estate_id,
                                                   BillingRun.period == period))


def _nothing_created(run: BillingRun, estate: Estate) -> RunResult:
    return RunResult(run_id=run.id, estate=estate.code, period=run.period, bills_created=0,
                     total_fen=0, subsidy_fen=0, payable_fen=0, created=False)


def _claim_run(session, estate_id: int, period: str, plan_id: int, triggered_by: str,
               started: datetime) -> Optional[int]:
    """Insert the run row; None when it exists (a concurrent insert waits for the other's commit)."""
    ids = insert_ignoring_conflicts(
        session, BillingRun.__table__,
        [dict(estate_id=estate_id, period=period, fee_plan_id=plan_id, bills_created=0, total_fen=0,
              subsidy_fen=0, payable_fen=0, triggered_by=triggered_by[:64], started_at=started, finished_at=None)],
        ["estate_id", "period"], returning=BillingRun.__table__.c.id)
    return ids[0] if ids else None


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


def _number_sql(pg: bool) -> str:
    if pg:
        return ("CAST(:prefix AS TEXT) || CASE WHEN seq < 1000000 THEN LPAD(CAST(seq AS TEXT), 6, '0') "
                "ELSE CAST(seq AS TEXT) END")
    return "CAST(:prefix AS TEXT) || printf('%06d', seq)"


def _stage_bills(session, pg: bool, first_seq: int) -> None:
    """One row per bill: its room, totals, number sequence, and the ids of the bill and its entry.

    With the ids known up front, lines and journal lines are written by joining two staging
    tables (hash joins) instead of looking up each bill and entry by index, row by row.
    """
    session.execute(text(f"DROP TABLE IF EXISTS {BILL_STAGE}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {BILL_STAGE} (room_id INTEGER NOT NULL, bill_id INTEGER NOT NULL,"
        " entry_id INTEGER NOT NULL, seq INTEGER NOT NULL, total BIGINT NOT NULL, subsidy BIGINT NOT NULL)"
        + (" ON COMMIT DROP" if pg else "")))
    session.execute(text(
        f"INSERT INTO {BILL_STAGE} (room_id, bill_id, entry_id, seq, total, subsidy)"
        f" SELECT room_id, {new_ids_sql(session, 'bill', 'rn')}, {new_ids_sql(session, 'journal_entry', 'rn')},"
        " :first_seq - 1 + rn, total, subsidy FROM ("
        "  SELECT room_id, SUM(amount_fen) AS total, SUM(subsidy_fen) AS subsidy,"
        f"  ROW_NUMBER() OVER (ORDER BY {staging.code_order(pg)}) AS rn"
        f"  FROM {STAGE} GROUP BY room_id, room_code) s ORDER BY rn"
    ).bindparams(bindparam("first_seq", type_=Integer())), dict(first_seq=first_seq))
    if pg:  # temporary tables are never analysed automatically
        session.execute(text(f"ANALYZE {BILL_STAGE}"))


def _insert_bills(session, pg: bool, estate: Estate, plan: FeePlan, run_id: int, period: str, year: int,
                  issued_at: datetime, number_params: dict) -> None:
    stmt = text(
        "INSERT INTO bill (id, number, company_id, year, seq, estate_id, room_id, billing_run_id, period,"
        " due_date, total_fen, subsidy_fen, payable_fen, paid_fen, waived_fen, status, issued_at) "
        f"SELECT bill_id, {_number_sql(pg)}, :company_id, :year, seq, :estate_id, room_id, :run_id, :period,"
        " :due_date, total, subsidy, total - subsidy, 0, 0,"
        f" CASE WHEN total = subsidy THEN 'paid' ELSE 'open' END, :issued_at FROM {BILL_STAGE} ORDER BY seq"
    ).bindparams(bindparam("due_date", type_=Date()), bindparam("issued_at", type_=UTCDateTime()),
                 bindparam("prefix", type_=String()))
    session.execute(stmt, dict(number_params, company_id=estate.company_id, year=year, estate_id=estate.id,
                               run_id=run_id, period=period,
                               due_date=periods.day_in_period(period, plan.due_day), issued_at=issued_at))


def _insert_lines(session, estate_id: int) -> None:
    # Line ids follow the item order within each bill; readers list a bill's lines by id.
    session.execute(text(
        "INSERT INTO bill_line (bill_id, estate_id, room_id, item_code, item_name, kind,"
        " amount_fen, subsidy_fen, program_id, basis) "
        "SELECT bb.bill_id, :estate_id, s.room_id, s.item_code, s.item_name, s.kind,"
        " s.amount_fen, s.subsidy_fen, s.program_id, s.basis"
        f" FROM {STAGE} s JOIN {BILL_STAGE} bb ON bb.room_id = s.room_id"
        " ORDER BY bb.bill_id, s.position"), dict(estate_id=estate_id))


def _post_ledger(session, pg: bool, estate_id: int, today: date, issued_at: datetime,
                 number_params: dict) -> None:
    """One entry per bill: Dr receivable (room) the payable part, Dr subsidy_receivable (programme)
    per subsidised line, Cr revenue per line (zero amounts are not written)."""
    session.execute(text(
        "INSERT INTO journal_entry (id, estate_id, kind, source_type, source_id, business_date, memo, created_at)"
        f" SELECT entry_id, :estate_id, 'bill', 'bill', bill_id, :business_date, {_number_sql(pg)}, :created_at"
        f" FROM {BILL_STAGE} ORDER BY entry_id"
    ).bindparams(bindparam("business_date", type_=Date()), bindparam("created_at", type_=UTCDateTime()),
                 bindparam("prefix", type_=String())),
        dict(number_params, estate_id=estate_id, business_date=today, created_at=issued_at))
    session.execute(text(
        "INSERT INTO journal_line (entry_id, estate_id, account, room_id, program_id, item_code, amount_fen)"
        " SELECT entry_id, :estate_id, 'receivable', room_id, NULL, NULL, total - subsidy"
        f" FROM {BILL_STAGE} WHERE total <> subsidy"
        " UNION ALL"
        " SELECT bb.entry_id, :estate_id, 'subsidy_receivable', NULL, s.program_id, s.item_code, s.subsidy_fen"
        f" FROM {STAGE} s JOIN {BILL_STAGE} bb ON bb.room_id = s.room_id WHERE s.subsidy_fen > 0"
        " UNION ALL"
        " SELECT bb.entry_id, :estate_id, 'revenue', NULL, NULL, s.item_code, -s.amount_fen"
        f" FROM {STAGE} s JOIN {BILL_STAGE} bb ON bb.room_id = s.room_id"), dict(estate_id=estate_id))


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
