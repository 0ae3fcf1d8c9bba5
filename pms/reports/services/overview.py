"""A district's figures for the auditor's portal: subsidy money per programme and estate, and per
estate its collection, repairs, elder care and open anomalies.

Definitions (the span is one month `YYYY-MM` or one year `YYYY`; see `Span`):
- money per programme (and per programme × estate): *budget* and *allocated* as registered;
  *claimed* the totals of the span's claims once submitted (drafts are not claimed yet);
  *approved* what the officers approved of them; *disbursed* and *clawed back* what was paid on
  them and recovered; *remaining* the budget (an estate: its allocation) less everything paid to
  date net of clawbacks, whatever the period (None without a budget);
- collection: the span's bills not void — receivable = payable − waived, received = paid;
  by household = bills fully paid ÷ bills (for one month: households);
- repairs: requests submitted in the span, not cancelled; SLA compliance and ratings exactly as
  the estate's KPI page (`maintenance.services.kpis.estate_kpis`), as of now; complaints per 100
  households = complaints × 100 ÷ rooms;
- elder care: visits dated in the span — planned (not cancelled), delivered (checked out or
  confirmed), verified (delivered and checked in with the home code), missed check-ins (their
  safety alerts);
- open anomalies: findings neither cleared nor dismissed, now (not by period).
Percentages have one decimal, half-up, in integer arithmetic (`billing.rules.percent_one_decimal`).
Every figure is one grouped query for the whole district, whatever its number of estates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, not_, or_, select

from pms.billing.services.overview import collection_of_estates
from pms.billing.rules import percent_one_decimal
from pms.core import clock, periods
from pms.core.codes import natural_key
from pms.core.auth import DISTRICT_ROLES, Principal
from pms.core.errors import Invalid, NotFound
from pms.eldercare.models import Visit, VisitAlert
from pms.estates.models import District, Estate, Room
from pms.maintenance.models import Ticket
from pms.reports import permissions
from pms.subsidies.models import Claim, ClaimFinding, Clawback, Disbursement, Program, ProgramAllocation

DELIVERED = ("checked_out", "confirmed")  # as eldercare.services.kpis
TREND_MONTHS = 12
_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class Span:
    """The months a report covers: one month (`2026-03`) or one calendar year (`2026`)."""

    text: str
    first: str  # YYYY-MM
    last: str  # YYYY-MM

    @property
    def first_day(self) -> date:
        return periods.first_day(self.first)

    @property
    def last_day(self) -> date:
        return periods.last_day(self.last)

    @property
    def months(self) -> list[str]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = periods.add_months(month, 1)
        return out

    def instants(self) -> tuple[datetime, datetime]:
        """[start, end) of the span in the business timezone, as UTC instants."""
        tz = clock.timezone()
        start = datetime.combine(self.first_day, time(0), tzinfo=tz)
        following = datetime.combine(periods.first_day(periods.add_months(self.last, 1)), time(0), tzinfo=tz)
        return start.astimezone(timezone.utc), following.astimezone(timezone.utc)


def parse_span(text: Optional[str], today: Optional[date] = None) -> Span:
    """'2026-03' → that month; '2026' → its twelve months; empty → last month (business clock), the
    month most recently billed in full, as the homes show."""
    text = (text or "").strip()
    if not text:
        text = periods.add_months(periods.period_of(today or clock.today()), -1)
    if _YEAR.match(text) and periods.is_period(f"{text}-01"):
        return Span(text, f"{text}-01", f"{text}-12")
    if periods.is_period(text):
        return Span(text, text, text)
    raise Invalid(_("The period must be a month (YYYY-MM) or a year (YYYY)."),
                  fields={"period": [_("Use YYYY-MM or YYYY.")]})


def district_for(session, principal: Principal, code: Optional[str] = None) -> District:
    """The district whose portal the caller reads: an auditor's or officer's own (another one: 404),
    the platform's choice (default: the first district with estates)."""
    permissions.ensure(principal, "portal.read")
    code = (code or "").strip()
    if principal.role in DISTRICT_ROLES:
        district = session.get(District, principal.district_id) if principal.district_id else None
        if district is None or (code and code != district.code):
            raise NotFound("district not found")
        return district
    if code:
        district = session.scalar(select(District).where(District.code == code))
    else:
        district = session.scalar(select(District).where(District.id.in_(select(Estate.district_id)))
                                  .order_by(District.code).limit(1))
    if district is None:
        raise NotFound("district not found")
    return district


# ---- money -----------------------------------------------------------------------------------------

@dataclass
class Money:
    """One row of the money table: a programme, or a programme's estate."""

    program: str
    program_name: str
    kind: str
    estate: Optional[str] = None
    estate_name: Optional[str] = None
    budget_fen: Optional[int] = None  # a programme's; an estate row: its allocation
    allocated_fen: int = 0
    claimed_fen: int = 0
    approved_fen: int = 0
    disbursed_fen: int = 0
    clawed_back_fen: int = 0
    paid_to_date_fen: int = 0  # net of clawbacks, every period
    claims: int = 0

    @property
    def remaining_fen(self) -> Optional[int]:
        """Budget (an estate: its allocation) less what was paid to date net of clawbacks."""
        ceiling = self.budget_fen if self.estate is None else self.allocated_fen
        return None if ceiling is None else ceiling - self.paid_to_date_fen

    @property
    def idle_fen(self) -> int:
        """Approved in the span but not (yet) paid."""
        return max(0, self.approved_fen - self.disbursed_fen)

    @property
    def used_percent(self) -> Optional[str]:
        """Paid to date ÷ budget (an estate: allocation)."""
        ceiling = self.budget_fen if self.estate is None else self.allocated_fen
        return percent_one_decimal(self.paid_to_date_fen, ceiling) if ceiling else None


def _sums_by(session, model, span: Span, program_ids: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """(program, estate) → (sum of `model.amount_fen` on the span's claims, on every claim): one query."""
    in_span = and_(Claim.period >= span.first, Claim.period <= span.last)
    return {(p, e): (int(of_span), int(ever)) for p, e, of_span, ever in session.execute(
        select(Claim.program_id, Claim.estate_id,
               func.coalesce(func.sum(case((in_span, model.amount_fen), else_=0)), 0), func.sum(model.amount_fen))
        .join(Claim, and_(Claim.id == model.claim_id, Claim.estate_id == model.estate_id))
        .where(Claim.program_id.in_(program_ids)).group_by(Claim.program_id, Claim.estate_id))}


def money(session, district: District, span: Span, *, program_code: Optional[str] = None) -> list[Money]:
    """Per programme of the district (code order), followed by its estates: budget, allocated,
    claimed, approved, disbursed, clawed back, remaining. Five grouped queries in all."""
    stmt = select(Program).where(Program.district_id == district.id).order_by(Program.code)
    if program_code is not None:
        stmt = stmt.where(Program.code == program_code)
    programs = list(session.scalars(stmt))
    if not programs:
        return []
    ids = [p.id for p in programs]
    estates = {e.id: e for e in session.scalars(select(Estate).where(Estate.district_id == district.id))}
    allocated = {(p, e): int(n) for p, e, n in session.execute(
        select(ProgramAllocation.program_id, ProgramAllocation.estate_id, func.sum(ProgramAllocation.amount_fen))
        .where(ProgramAllocation.program_id.in_(ids))
        .group_by(ProgramAllocation.program_id, ProgramAllocation.estate_id))}
    claimed: dict[tuple[int, int], tuple[int, int, int]] = {}
    for p, e, total, approved, n in session.execute(
            select(Claim.program_id, Claim.estate_id, func.sum(Claim.total_fen),
                   func.coalesce(func.sum(Claim.approved_fen), 0), func.count(Claim.id))
            .where(Claim.program_id.in_(ids), Claim.status != "draft",
                   Claim.period >= span.first, Claim.period <= span.last)
            .group_by(Claim.program_id, Claim.estate_id)):
        claimed[(p, e)] = (int(total), int(approved), int(n))
    paid, back = _sums_by(session, Disbursement, span, ids), _sums_by(session, Clawback, span, ids)
    out: list[Money] = []
    for program in programs:
        keys = sorted({e for (p, e) in (*allocated, *claimed, *paid, *back) if p == program.id},
                      key=lambda e: estates[e].code if e in estates else "")
        rows = []
        for estate_id in keys:
            key, estate = (program.id, estate_id), estates.get(estate_id)
            total, approved, n = claimed.get(key, (0, 0, 0))
            rows.append(Money(program.code, program.name, program.kind,
                              estate=estate.code if estate else str(estate_id),
                              estate_name=estate.name if estate else "", allocated_fen=allocated.get(key, 0),
                              claimed_fen=total, approved_fen=approved, disbursed_fen=paid.get(key, (0, 0))[0],
                              clawed_back_fen=back.get(key, (0, 0))[0], claims=n,
                              paid_to_date_fen=paid.get(key, (0, 0))[1] - back.get(key, (0, 0))[1]))
        head = Money(program.code, program.name, program.kind, budget_fen=program.budget_fen,
                     **{name: sum(getattr(r, name) for r in rows)
                        for name in ("allocated_fen", "claimed_fen", "approved_fen", "disbursed_fen",
                                     "clawed_back_fen", "paid_to_date_fen", "claims")})
        out.append(head)
        out.extend(rows)
    return out


# ---- estates -----------------------------------------------------------------------------------------

@dataclass
class EstateFigures:
    """One estate's row: collection, repairs, elder care and open anomalies in the span."""

    estate: str
    name: str
    households: int = 0
    bills: int = 0
    bills_paid: int = 0
    receivable_fen: int = 0
    received_fen: int = 0
    requests: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    ratings: int = 0
    rating_sum: int = 0
    complaints: int = 0
    visits_planned: int = 0
    visits_delivered: int = 0
    visits_verified: int = 0
    missed_check_ins: int = 0
    open_anomalies: int = 0

    @property
    def collection_by_amount(self) -> Optional[str]:
        return percent_one_decimal(self.received_fen, self.receivable_fen)

    @property
    def collection_by_household(self) -> Optional[str]:
        return percent_one_decimal(self.bills_paid, self.bills)

    @property
    def sla_percent(self) -> Optional[str]:
        return percent_one_decimal(self.sla_met, self.sla_met + self.sla_breached)

    @property
    def average_rating(self) -> Optional[str]:
        """Mean stars with two decimals, half-up in integers (412 of 100 ratings → '4.12')."""
        if not self.ratings:
            return None
        hundredths = (200 * self.rating_sum + self.ratings) // (2 * self.ratings)
        return f"{hundredths // 100}.{hundredths % 100:02d}"

    @property
    def complaints_per_100(self) -> Optional[str]:
        return percent_one_decimal(self.complaints, self.households)  # × 100 ÷ households

    @property
    def delivery_percent(self) -> Optional[str]:
        return percent_one_decimal(self.visits_delivered, self.visits_planned)

    @property
    def verified_percent(self) -> Optional[str]:
        return percent_one_decimal(self.visits_verified, self.visits_delivered)


COUNTED = ("households", "bills", "bills_paid", "receivable_fen", "received_fen", "requests", "sla_met",
           "sla_breached", "ratings", "rating_sum", "complaints", "visits_planned", "visits_delivered",
           "visits_verified", "missed_check_ins", "open_anomalies")


def total_of(rows: list[EstateFigures], name: str) -> EstateFigures:
    """The district's row: every count summed (rates recomputed from the sums, never averaged)."""
    return EstateFigures(estate="", name=name, **{k: sum(getattr(r, k) for r in rows) for k in COUNTED})


def sla_outcome(now: datetime):
    """(met, breached) as SQL conditions over Ticket, as `maintenance.services.kpis.estate_kpis`."""
    finished = and_(Ticket.status.in_(("resolved", "closed")), Ticket.resolved_at.is_not(None))
    resp_ok = and_(Ticket.responded_at.is_not(None), Ticket.responded_at <= Ticket.respond_by)
    resp_bad = or_(and_(Ticket.responded_at.is_not(None), Ticket.responded_at > Ticket.respond_by),
                   and_(Ticket.responded_at.is_(None), Ticket.respond_by < now))
    res_ok = and_(finished, Ticket.resolved_at <= Ticket.resolve_by)
    res_bad = or_(and_(finished, Ticket.resolved_at > Ticket.resolve_by), and_(not_(finished), Ticket.resolve_by < now))
    breached = or_(resp_bad, res_bad)
    return and_(not_(breached), resp_ok, res_ok), breached


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


BillSums = dict[tuple[int, str], tuple[int, int, int, int]]


def bill_sums(session, estate_ids: list[int], months: list[str]) -> BillSums:
    """(estate, period) → (bills, paid in full, receivable, received) of the bills not void.

    Computed as the homes' collection is (`billing.services.overview.collection_of_estates`), from
    the runs' totals less what credit notes waived and what the open bills still owe, so the bills
    paid long ago are not read: every bill belongs to a run, a run's totals are its bills' amounts
    at issue, and paid + waived never passes payable, hence bills = the runs' bills − void ones,
    received = Σ paid and "paid in full" = not open. Summing a year of a district's bills was a
    scan of all of them (479 ms of the page's 888 ms at 400,000 households); the open ones are
    about a month's.
    """
    return {(estate_id, period): (c.households, c.households_paid, c.receivable_fen, c.received_fen)
            for (period, estate_id), c in collection_of_estates(session, months, estate_ids).items()}


def estate_figures(session, district: District, span: Span, *, estate_code: Optional[str] = None,
                   now: Optional[datetime] = None, bills: Optional[BillSums] = None) -> list[EstateFigures]:
    """Each estate of the district (natural code order, 2 before 10, as the auditor's home) with its
    figures in the span: six grouped queries (five when the bills' sums are given: `overview` reads
    them once for the figures and the trend)."""
    now = now or clock.now()
    stmt = select(Estate).where(Estate.district_id == district.id)
    if estate_code is not None:
        stmt = stmt.where(Estate.code == estate_code)
    estates = {e.id: EstateFigures(e.code, e.name)
               for e in sorted(session.scalars(stmt), key=lambda e: natural_key(e.code))}
    if not estates:
        return []
    ids = list(estates)

    def fill(query, *names):
        for estate_id, *values in session.execute(query):
            row = estates[estate_id]
            for name, value in zip(names, values):
                setattr(row, name, int(value or 0))

    fill(select(Room.estate_id, func.count(Room.id)).where(Room.estate_id.in_(ids)).group_by(Room.estate_id),
         "households")
    if bills is None:
        bills = bill_sums(session, ids, span.months)
    for (estate_id, period), sums in bills.items():
        if span.first <= period <= span.last and estate_id in estates:
            row = estates[estate_id]
            row.bills, row.bills_paid = row.bills + sums[0], row.bills_paid + sums[1]
            row.receivable_fen, row.received_fen = row.receivable_fen + sums[2], row.received_fen + sums[3]
    start, end = span.instants()
    met, breached = sla_outcome(now)
    fill(select(Ticket.estate_id, func.count(Ticket.id), _count(met), _count(breached), func.count(Ticket.rating),
                func.sum(Ticket.rating), _count(Ticket.is_complaint.is_(True)))
         .where(Ticket.estate_id.in_(ids), Ticket.submitted_at >= start, Ticket.submitted_at < end,
                Ticket.status != "cancelled").group_by(Ticket.estate_id),
         "requests", "sla_met", "sla_breached", "ratings", "rating_sum", "complaints")
    of_span = (Visit.estate_id.in_(ids), Visit.date >= span.first_day, Visit.date <= span.last_day)
    fill(select(Visit.estate_id, _count(Visit.status != "cancelled"), _count(Visit.status.in_(DELIVERED)),
                _count(and_(Visit.status.in_(DELIVERED), Visit.verified.is_(True))))
         .where(*of_span).group_by(Visit.estate_id), "visits_planned", "visits_delivered", "visits_verified")
    fill(select(Visit.estate_id, func.count(VisitAlert.id)).join(Visit, Visit.id == VisitAlert.visit_id)
         .where(*of_span).group_by(Visit.estate_id), "missed_check_ins")
    fill(select(ClaimFinding.estate_id, func.count(ClaimFinding.id))
         .where(ClaimFinding.estate_id.in_(ids), ClaimFinding.cleared_at.is_(None),
                ClaimFinding.dismissed_at.is_(None)).group_by(ClaimFinding.estate_id), "open_anomalies")
    return list(estates.values())


# ---- trend ---------------------------------------------------------------------------------------------

@dataclass
class Trend:
    """The district's collection rate by amount per month, the 12 months ending with the span."""

    months: list[str] = field(default_factory=list)
    rates: list[Optional[float]] = field(default_factory=list)  # per cent, for the chart only


def trend_months(span: Span) -> list[str]:
    """The 12 months ending with the span's last."""
    return [periods.add_months(span.last, k) for k in range(1 - TREND_MONTHS, 1)]


def collection_trend(sums: BillSums, span: Span) -> Trend:
    """The district's collection rate by amount per month, from the bills' sums per estate and month."""
    months = trend_months(span)
    due, got = dict.fromkeys(months, 0), dict.fromkeys(months, 0)
    for (_estate, period), (_n, _full, owed, paid) in sums.items():
        if period in due:
            due[period] += owed
            got[period] += paid
    rates = []
    for month in months:
        text = percent_one_decimal(got[month], due[month])
        rates.append(float(text) if text is not None else None)
    return Trend(months, rates)


@dataclass
class Overview:
    district: District
    span: Span
    money: list[Money]
    estates: list[EstateFigures]
    total: EstateFigures
    trend: Trend
    as_of: datetime


def overview(session, principal: Principal, *, district: Optional[str] = None,
             period: Optional[str] = None) -> Overview:
    """The district's portal: money per programme and estate, figures per estate, the trend."""
    found = district_for(session, principal, district)
    span = parse_span(period)
    ids = list(session.scalars(select(Estate.id).where(Estate.district_id == found.id)))
    # One read of the trend's 12 months (they include the span's: its last month, or its year) for both.
    sums = bill_sums(session, ids, trend_months(span)) if ids else {}
    rows = estate_figures(session, found, span, bills=sums)
    return Overview(found, span, money(session, found, span), rows, total_of(rows, found.name),
                    collection_trend(sums, span), clock.now())


@dataclass
class MonthMoney:
    month: str
    claimed_fen: int = 0
    approved_fen: int = 0
    disbursed_fen: int = 0

    @property
    def approved_percent(self) -> Optional[str]:
        return percent_one_decimal(self.approved_fen, self.claimed_fen)

    @property
    def disbursed_percent(self) -> Optional[str]:
        return percent_one_decimal(self.disbursed_fen, self.approved_fen)


def money_by_month(session, district: District, span: Span, program_code: str) -> list[MonthMoney]:
    """A programme's submitted claims per claim month of the span: claimed, approved, disbursed."""
    months = {m: MonthMoney(m) for m in span.months}
    of_program = (Program.district_id == district.id, Program.code == program_code, Claim.status != "draft",
                  Claim.period >= span.first, Claim.period <= span.last)
    for period, total, approved in session.execute(
            select(Claim.period, func.sum(Claim.total_fen), func.coalesce(func.sum(Claim.approved_fen), 0))
            .join(Program, Program.id == Claim.program_id).where(*of_program).group_by(Claim.period)):
        months[period].claimed_fen, months[period].approved_fen = int(total), int(approved)
    for period, paid in session.execute(
            select(Claim.period, func.sum(Disbursement.amount_fen))
            .join(Claim, and_(Claim.id == Disbursement.claim_id, Claim.estate_id == Disbursement.estate_id))
            .join(Program, Program.id == Claim.program_id).where(*of_program).group_by(Claim.period)):
        months[period].disbursed_fen = int(paid)
    return list(months.values())

