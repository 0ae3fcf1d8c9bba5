"""Benchmark: subsidy claims at district scale (issue 13).

On the lived-in demo (`pms demo load --households N`, 100,000 by default: 200 estates of ~500
households, months of bills with the 先尝后买 subsidy), for the oldest billed month, medians of 3:

  floor     a bare INSERT … SELECT of the month's subsidised bill lines into a temporary table;
  build     the district's claims at once (`claims.build_claims`, the "every estate" button, one
            unit of work: totals, claims, every line by INSERT … SELECT, the anomaly checks at
            build, the audit) — target: a month's 100,000 lines ≤ 5 s;
  check     every anomaly rule over those claims, as the nightly job runs them (`check_claims`,
            jobs.subsidies.CHUNK claims a transaction), summed (target ≤ 5 s);
  per estate (`--per-estate`) the same claims built estate by estate, 200 units of work.
The month's claims are deleted before each round, so it can be rerun. The synthetic shape beside
it: one estate of as many rooms in an empty database, one month billed with the subsidy
(billing_run.py's estate and fee plan), the same steps; its rooms have no owners, so every line
is a `vacant_room` finding (the checks' writing at its largest).

    .venv/bin/python benchmarks/claims.py [--shape synthetic|lived-in|both] [--households 100000]
        [--database-url URL] [--per-estate]
        (URL: an already loaded demo, migrated to head; otherwise a fresh PostgreSQL demo is loaded)
"""
from __future__ import annotations

import argparse
import time

from _common import fresh_postgres, median  # noqa: E402  (sets sys.path)
from concurrent_payments import load_demo  # noqa: E402
from jobs.subsidies import CHUNK  # noqa: E402


def _clear(session, program_id: int, period: str) -> None:
    """Earlier runs' draft claims of the programme and month with their lines and findings (their
    audit rows stay: the log is append-only). The demo's own claims are submitted: they stay, and
    the builds skip the evidence they hold."""
    from sqlalchemy import delete, select

    from pms.subsidies.models import Claim, ClaimFinding, ClaimLine

    ids = select(Claim.id).where(Claim.program_id == program_id, Claim.period == period, Claim.status == "draft")
    session.execute(delete(ClaimFinding).where(ClaimFinding.claim_id.in_(ids)))
    session.execute(delete(ClaimLine).where(ClaimLine.claim_id.in_(ids)))
    session.execute(delete(Claim).where(Claim.id.in_(ids)))


def _floor(session, program_id: int, period: str) -> float:
    """A bare INSERT … SELECT of the same lines into a temporary table (no checks, no claims)."""
    from sqlalchemy import text

    session.execute(text("CREATE TEMP TABLE bench_lines (estate_id int, evidence_id int, room_id int, "
                         "amount_fen int) ON COMMIT DROP"))
    started = time.perf_counter()
    session.execute(text(
        "INSERT INTO bench_lines SELECT bl.estate_id, bl.id, bl.room_id, bl.subsidy_fen FROM bill_line bl "
        "JOIN bill b ON b.id = bl.bill_id WHERE bl.program_id = :p AND bl.subsidy_fen > 0 AND b.period = :m "
        "AND b.status <> 'void'"), {"p": program_id, "m": period})
    return time.perf_counter() - started


def run(url: str, per_estate: bool) -> None:
    from sqlalchemy import select, text

    from pms import create_app
    from pms.core import periods
    from pms.core.auth import system_principal
    from pms.core.db import unit_of_work
    from pms.core.migrate import upgrade
    from pms.estates.models import Estate
    from pms.subsidies.models import Claim, ClaimFinding, ClaimLine, Program
    from pms.subsidies.services import claims, findings

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    principal = system_principal()
    with app.app_context():
        with unit_of_work(write=False) as session:
            program = session.scalar(select(Program).where(Program.kind == "property_service").order_by(Program.id))
            period = session.scalar(text("SELECT min(period) FROM bill"))
            estates = session.execute(select(Estate.id, Estate.code).order_by(Estate.code)).all()
        assert program is not None and period is not None
        # How much of the build is the anomaly checks it runs at build (timed around the same call).
        checking = []
        check_claims = findings.check_claims

        def timed_check(session, found):
            started = time.perf_counter()
            try:
                return check_claims(session, found)
            finally:
                checking.append(time.perf_counter() - started)

        findings.check_claims = timed_check
        floors, districts, lines = [], [], 0
        for _round in range(3):
            with unit_of_work() as session:
                _clear(session, program.id, period)
            with unit_of_work() as session:
                floors.append(_floor(session, program.id, period))
            started = time.perf_counter()
            with unit_of_work() as session:  # the district's one button: one unit of work
                built = claims.build_claims(session, principal, program=program.code, period=period)
                lines = session.scalar(select(text("count(*)")).select_from(ClaimLine.__table__)
                                       .where(ClaimLine.claim_id.in_([c.id for c in built])))
                ids = [c.id for c in built]
            districts.append(time.perf_counter() - started)
        findings.check_claims = check_claims
        with unit_of_work() as session:  # by night autovacuum has analysed the day's new lines
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("ANALYZE claim, claim_line"))
        check_times = []
        for start in range(0, len(ids), CHUNK):  # as the nightly job does
            started = time.perf_counter()
            with unit_of_work() as session:
                chunk = list(session.scalars(select(Claim).where(Claim.id.in_(ids[start:start + CHUNK]))
                                             .with_for_update()))
                findings.check_claims(session, chunk)
            check_times.append(time.perf_counter() - started)
        with unit_of_work(write=False) as session:
            found = session.scalar(select(text("count(*)")).select_from(ClaimFinding.__table__)
                                   .where(ClaimFinding.claim_id.in_(ids)))
        estate_times = []
        if per_estate:
            with unit_of_work() as session:
                _clear(session, program.id, period)
            for _estate_id, code in estates:
                started = time.perf_counter()
                with unit_of_work() as session:
                    claims.build_claim(session, principal, program=program.code, estate=code, period=period)
                estate_times.append(time.perf_counter() - started)
    app.extensions["pms_engine"].dispose()
    floor, district = median(floors), median(districts)
    print(f"{len(estates)} estates, {program.code} {period} ({periods.first_day(period)}): {lines} claim lines, "
          f"{len(ids)} claims; medians of 3")
    print(f"  floor: bare INSERT … SELECT of the lines   {floor:6.2f} s")
    at_build = median(checking)
    print(f"  build, the district at once (one unit)     {district:6.2f} s  ({district / floor:.1f}× the floor), "
          f"of which")
    print(f"    the lines from the evidence              {district - at_build:6.2f} s  "
          f"({(district - at_build) / floor:.1f}× the floor; target ≤ 5 s)")
    print(f"    the anomaly checks at build              {at_build:6.2f} s  (target ≤ 5 s)")
    print(f"  check, as the nightly job                  {sum(check_times):6.2f} s  (target ≤ 5 s; "
          f"{len(check_times)} transactions of ≤ {CHUNK} claims; {found} findings)")
    if estate_times:
        print(f"  build, estate by estate (200 units)        {sum(estate_times):6.2f} s  (median "
              f"{median(estate_times) * 1000:.0f} ms an estate)")


def load_synthetic(url: str, rooms: int) -> None:
    """One estate of `rooms` rooms in an empty database with one month billed (billing_run.py's)."""
    from datetime import date

    from billing_run import PERIODS, build_rooms, plan_document
    from pms import create_app
    from pms.billing.services import runs
    from pms.billing.services.plans import apply_fee_plan
    from pms.core.db import unit_of_work
    from pms.subsidies.services import create_program

    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context(), app.test_request_context():
        with unit_of_work() as session:
            estate, entrances = build_rooms(session, rooms)
            create_program(session, "TBB-2026", "先尝后买", district_code="110112", kind="property_service")
            apply_fee_plan(session, estate, plan_document(entrances))
            runs.run_billing(session, estate, PERIODS[0], triggered_by="bench", today=date(2026, 11, 23))
    app.extensions["pms_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("synthetic", "lived-in", "both"), default="both")
    parser.add_argument("--households", type=int, default=100_000, help="the demo's, and the synthetic estate's rooms")
    parser.add_argument("--database-url")
    parser.add_argument("--per-estate", action="store_true", help="also build estate by estate (slow)")
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url, args.per_estate)
        return
    for shape in ("synthetic", "lived-in"):
        if args.shape not in (shape, "both"):
            continue
        with fresh_postgres() as url:
            if url is None:
                raise SystemExit("PostgreSQL is not reachable")
            if shape == "synthetic":
                load_synthetic(url, args.households)
                print(f"synthetic: one estate of {args.households:,} rooms in an empty database")
            else:
                load_demo(url, args.households)
                print(f"lived-in: the demo, --households {args.households:,}")
            run(url, args.per_estate)


if __name__ == "__main__":
    main()
