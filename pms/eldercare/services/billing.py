"""Delivered, confirmed visits on the room's bill: the elder-care lines of the billing run.

A line source of the billing run (`pms.billing.services.line_sources`), registered by
`services.init_app`. In the run's transaction, for an estate and period P:

1. the visits to bill: the estate's visits `confirmed` (checked in, checked out and confirmed, the
   CHECK constraints of `visit` make the three timestamps follow from each other) dated on or
   before P's last day and not yet settled (`price_fen IS NULL`) — so a visit confirmed after its
   month's run goes on the next run's bill, and none is billed twice;
2. the subsidy each elder was eligible for: per (elder, service kind) the day ranges in which the
   per-day service subsidy of `rules.py` is constant (a birthday or a rule's start date cuts a
   range), computed by the rules themselves and inserted into a small staging table;
3. one row per visit into `billing_stage_care` (INSERT … SELECT): the catalogue's price now and
   the visit's subsidy — the day's subsidy of its kind, spent on that day's verified visits in id
   order (what earlier runs already spent on that day counts), never more than the visit's price;
   0 for a visit checked in without the home code (unverified) and for a service that names no
   programme (the resident pays all);
4. one bill line per (room, service) into the run's staging table: quantity = count, amount =
   count × price (whole fen), subsidy = Σ the visits' subsidies, billed to the service's programme;
5. after the run wrote its bill lines (`record`): each visit gets its bill line, price and
   subsidy. Visits of a free service (price 0) get price 0 and no bill line: settled, not billed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Iterator, Optional

from sqlalchemy import Date, bindparam, func, literal_column, select, text

from pms.core import periods
from pms.eldercare import rules
from pms.eldercare.models import CareService, Elder, Visit

NAME = "eldercare"
CARE_STAGE = "billing_stage_care"  # one row per visit the run settles
SUBSIDY_STAGE = "billing_stage_care_subsidy"  # (elder, kind, first day, last day, fen a day)
CODE_PREFIX = "care:"  # bill line codes: "care:" + the service's code (fee item codes have no ':')
POSITION = 1000  # care lines come after the fee plan's items on a bill

# The visits a run of period P settles (v = visit, s = care_service).
CANDIDATES = ("v.estate_id IN :estate_ids AND v.status = 'confirmed' AND v.price_fen IS NULL"
              " AND v.confirmed_at IS NOT NULL AND v.date <= :last_day")


# ---- the subsidy a day: pure, from the rules kept as data ---------------------------------------

@dataclass(frozen=True)
class Segment:
    """From `first` to `last` (inclusive) the elder's programme pays `fen_per_day` for `kind`."""

    elder_id: int
    kind: str
    first: date
    last: date
    fen_per_day: int


def birthday_in(birth: date, year: int) -> date:
    """The day the elder's age changes in `year` (29 February → 1 March in common years, as
    `rules.age_on` counts)."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def subsidy_segments(elder_id: int, birth_date: date, hardship: Optional[str], disability_tier: Optional[int],
                     kind: str, first: date, last: date, allowance_rules: Iterable[rules.Rule],
                     service_subsidies: Iterable[rules.ServiceSubsidy]) -> list[Segment]:
    """The day ranges of [first, last] in which the elder's per-day subsidy for `kind` is constant
    and positive. The amount can change only on a birthday or on a rule's start date."""
    allowance_rules, service_subsidies = list(allowance_rules), list(service_subsidies)
    cuts = {first}
    cuts |= {r.starts for r in allowance_rules if first < r.starts <= last}
    cuts |= {s.starts for s in service_subsidies if first < s.starts <= last}
    cuts |= {b for b in (birthday_in(birth_date, y) for y in range(first.year, last.year + 1)) if first < b <= last}
    days = sorted(cuts)
    found: list[Segment] = []
    for i, day in enumerate(days):
        end = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else last
        codes = [a.code for a in rules.allowances_on(day, birth_date=birth_date, hardship=hardship,
                                                      disability_tier=disability_tier, rules=allowance_rules)]
        fen = rules.service_subsidy_on(service_subsidies, kind, day, codes)
        if fen <= 0:
            continue
        if found and found[-1].fen_per_day == fen and found[-1].last == day - timedelta(days=1):
            found[-1] = Segment(elder_id, kind, found[-1].first, end, fen)
        else:
            found.append(Segment(elder_id, kind, day, end, fen))
    return found


# ---- the line source --------------------------------------------------------------------------

def _temporary(pg: bool) -> str:
    return " ON COMMIT DROP" if pg else ""


def _estates(stmt):
    return stmt.bindparams(bindparam("estate_ids", expanding=True))


def _dates(stmt, *names):
    return stmt.bindparams(*(bindparam(n, type_=Date()) for n in names))


def _eligible_ranges(session, estate_ids: list[int], last: date) -> Iterator[Segment]:
    """The subsidy segments of the elders whose verified visits of subsidised services are due."""
    allowance_rules, service_subsidies = rules.shipped_rules()
    kinds = sorted({s.kind for s in service_subsidies})
    if not kinds:
        return
    rows = session.execute(
        select(Visit.elder_id, Elder.birth_date, Elder.hardship, Elder.disability_tier, CareService.kind,
               func.min(Visit.date), func.max(Visit.date))
        .join(CareService, CareService.id == Visit.service_id).join(Elder, Elder.id == Visit.elder_id)
        # The status as a literal, so that the partial index ix_visit_unbilled applies.
        .where(Visit.estate_id.in_(estate_ids), Visit.status == literal_column("'confirmed'"), Visit.price_fen.is_(None),
               Visit.confirmed_at.is_not(None), Visit.date <= last, Visit.verified.is_(True),
               CareService.program_id.is_not(None), CareService.price_fen > 0, CareService.kind.in_(kinds))
        .group_by(Visit.elder_id, Elder.birth_date, Elder.hardship, Elder.disability_tier, CareService.kind))
    for elder_id, birth, hardship, tier, kind, first, final in rows:
        yield from subsidy_segments(elder_id, birth, hardship, tier, kind, first, final,
                                    allowance_rules, service_subsidies)


def stage(session, pg: bool, estate_ids: list[int], period: str, stage_table: str) -> None:
    """Stage the period's care lines of the estates into the run's staging table (see the module
    docstring)."""
    last = periods.last_day(period)
    for table in (CARE_STAGE, SUBSIDY_STAGE):
        session.execute(text(f"DROP TABLE IF EXISTS {table}"))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {SUBSIDY_STAGE} (elder_id INTEGER NOT NULL, kind VARCHAR(16) NOT NULL,"
        " first_day DATE NOT NULL, last_day DATE NOT NULL, fen BIGINT NOT NULL)" + _temporary(pg)))
    segments = [dict(elder_id=s.elder_id, kind=s.kind, first_day=s.first, last_day=s.last, fen=s.fen_per_day)
                for s in _eligible_ranges(session, estate_ids, last)]
    if segments:
        session.execute(_dates(text(
            f"INSERT INTO {SUBSIDY_STAGE} (elder_id, kind, first_day, last_day, fen)"
            " VALUES (:elder_id, :kind, :first_day, :last_day, :fen)"), "first_day", "last_day"), segments)
    session.execute(text(
        f"CREATE TEMPORARY TABLE {CARE_STAGE} (visit_id INTEGER PRIMARY KEY, room_id INTEGER NOT NULL,"
        " service_id INTEGER NOT NULL, item_code VARCHAR(32) NOT NULL, price BIGINT NOT NULL,"
        " subsidy BIGINT NOT NULL, bill_line_id INTEGER)" + _temporary(pg)))
    # The day's subsidy of a kind is spent on that day's verified visits in id order: `spent`
    # what earlier runs put on that day, `prior` the prices of the earlier visits in this run.
    session.execute(_estates(_dates(text(
        f"INSERT INTO {CARE_STAGE} (visit_id, room_id, service_id, item_code, price, subsidy)"
        " SELECT visit_id, room_id, service_id, item_code, price,"
        "  CASE WHEN eligible = 0 OR day_fen <= spent + prior THEN 0"
        "   WHEN day_fen - spent - prior >= price THEN price ELSE day_fen - spent - prior END"
        " FROM (SELECT v.id AS visit_id, v.room_id, v.service_id, s.price_fen AS price,"
        f"  SUBSTR('{CODE_PREFIX}' || s.code, 1, 32) AS item_code,"
        "  CASE WHEN v.verified AND s.program_id IS NOT NULL AND ss.fen IS NOT NULL THEN 1 ELSE 0 END AS eligible,"
        "  COALESCE(ss.fen, 0) AS day_fen, COALESCE(u.spent, 0) AS spent,"
        "  COALESCE(SUM(s.price_fen) OVER (PARTITION BY v.elder_id, v.date, s.kind,"
        "   CASE WHEN v.verified AND s.program_id IS NOT NULL THEN 1 ELSE 0 END"
        "   ORDER BY v.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS prior"
        "  FROM visit v JOIN care_service s ON s.id = v.service_id"
        f"  LEFT JOIN {SUBSIDY_STAGE} ss ON ss.elder_id = v.elder_id AND ss.kind = s.kind"
        "   AND v.date BETWEEN ss.first_day AND ss.last_day"
        "  LEFT JOIN (SELECT pv.elder_id, pv.date, ps.kind, SUM(pv.subsidy_fen) AS spent"
        "   FROM visit pv JOIN care_service ps ON ps.id = pv.service_id"
        "   WHERE pv.estate_id IN :estate_ids AND pv.subsidy_fen > 0"
        f"    AND pv.elder_id IN (SELECT elder_id FROM {SUBSIDY_STAGE})"
        "   GROUP BY pv.elder_id, pv.date, ps.kind) u"
        "   ON u.elder_id = v.elder_id AND u.date = v.date AND u.kind = s.kind"
        f"  WHERE {CANDIDATES}) x"), "last_day")), dict(estate_ids=list(estate_ids), last_day=last))
    # One line per (room, service): count × the price, the visits' subsidies, the words "助餐 ×22".
    session.execute(text(
        f"INSERT INTO {stage_table} (estate_id, room_id, room_code, item_code, item_name, kind, position, amount_fen,"
        " subsidy_fen, program_id, basis)"
        " SELECT r.estate_id, c.room_id, r.code, c.item_code,"
        "  SUBSTR(s.name, 1, 62 - LENGTH(CAST(COUNT(*) AS TEXT))) || ' ×' || CAST(COUNT(*) AS TEXT),"
        f"  'care', {POSITION} + DENSE_RANK() OVER (PARTITION BY r.estate_id ORDER BY c.item_code),"
        "  COUNT(*) * CAST(s.price_fen AS BIGINT), SUM(c.subsidy),"
        "  CASE WHEN SUM(c.subsidy) > 0 THEN s.program_id END,"
        "  '{\"count\":' || CAST(COUNT(*) AS TEXT) || ',\"price_fen\":' || CAST(s.price_fen AS TEXT)"
        "  || ',\"unit\":\"' || s.unit || '\"}'"
        f" FROM {CARE_STAGE} c JOIN care_service s ON s.id = c.service_id JOIN room r ON r.id = c.room_id"
        " WHERE c.price > 0"
        " GROUP BY r.estate_id, c.room_id, r.code, c.item_code, s.id, s.name, s.price_fen, s.program_id, s.unit"))


def record(session, pg: bool, run_ids: list[int]) -> None:
    """Each staged visit gets its bill line (of these runs), price and subsidy; then the staging goes."""
    session.execute(text(
        f"UPDATE {CARE_STAGE} SET bill_line_id = (SELECT bl.id FROM bill b"
        " JOIN bill_line bl ON bl.bill_id = b.id AND bl.item_code = "
        f"{CARE_STAGE}.item_code WHERE b.room_id = {CARE_STAGE}.room_id AND b.billing_run_id IN :run_ids)"
        " WHERE price > 0").bindparams(bindparam("run_ids", expanding=True)), dict(run_ids=list(run_ids)))
    session.execute(text(
        f"UPDATE visit SET bill_line_id = (SELECT c.bill_line_id FROM {CARE_STAGE} c WHERE c.visit_id = visit.id),"
        f" price_fen = (SELECT c.price FROM {CARE_STAGE} c WHERE c.visit_id = visit.id),"
        f" subsidy_fen = (SELECT c.subsidy FROM {CARE_STAGE} c WHERE c.visit_id = visit.id)"
        f" WHERE id IN (SELECT visit_id FROM {CARE_STAGE}) AND price_fen IS NULL"))
    discard(session)


def discard(session) -> None:
    """Drop the care staging (a preview, or after `record`)."""
    for table in (CARE_STAGE, SUBSIDY_STAGE):
        session.execute(text(f"DROP TABLE IF EXISTS {table}"))


class CareLines:
    """The elder-care line source of the billing run."""

    name = NAME

    def stage(self, session, pg: bool, estate_ids: list[int], period: str) -> None:
        from pms.billing.services.staging import STAGE

        stage(session, pg, estate_ids, period, STAGE)

    def record(self, session, pg: bool, run_ids: list[int]) -> None:
        record(session, pg, run_ids)

    def discard(self, session) -> None:
        discard(session)


def init_app(_app=None) -> None:
    """Put delivered, confirmed visits on the billing run's bills."""
    from pms.billing.services import line_sources

    line_sources.register(CareLines())
