"""Benchmark: subsidy claims at district scale (issue 13).

On the lived-in demo (`pms demo load --households N`, 100,000 by default: 200 estates of ~500
households, three billed months with the 先尝后买 subsidy), for the oldest closed month:

  build     one claim per estate for the programme and month (every subsidised bill line becomes a
            claim line; each estate's claim is one unit of work, as the one button builds it) —
            the sum over the district (target: a month's 100,000 lines ≤ 5 s);
  check     every anomaly rule over those claims, as the nightly job runs them (`check_claims`,
            jobs.subsidies.CHUNK claims a transaction), summed (target ≤ 5 s);
and the median per estate of each. The claims are deleted again afterwards, so it can be rerun.

    .venv/bin/python benchmarks/claims.py [--households 100000] [--database-url URL]
        (URL: an already loaded demo, migrated to head; otherwise a fresh PostgreSQL demo is loaded)
"""
from __future__ import annotations

import argparse
import time

from _common import fresh_postgres, median  # noqa: E402  (sets sys.path)
from concurrent_payments import load_demo  # noqa: E402
from jobs.subsidies import CHUNK  # noqa: E402


def run(url: str) -> None:
    from sqlalchemy import delete, select, text

    from pms import create_app
    from pms.core import periods
    from pms.core.auth import system_principal
    from pms.core.db import unit_of_work
    from pms.core.migrate import upgrade
    from pms.estates.models import Estate
    from pms.subsidies.models import Claim, ClaimFinding, ClaimLine, Program
    from pms.subsidies.services import claims, findings

    upgrade(url)
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        with unit_of_work(write=False) as session:
            program = session.scalar(select(Program).where(Program.kind == "property_service").order_by(Program.id))
            period = session.scalar(text("SELECT min(period) FROM bill"))
            estates = session.execute(select(Estate.id, Estate.code).order_by(Estate.code)).all()
        assert program is not None and period is not None
        with unit_of_work() as session:  # earlier runs' claims
            ids = select(Claim.id).where(Claim.program_id == program.id, Claim.period == period)
            session.execute(delete(ClaimFinding).where(ClaimFinding.claim_id.in_(ids)))
            session.execute(delete(ClaimLine).where(ClaimLine.claim_id.in_(ids)))
            session.execute(delete(Claim).where(Claim.id.in_(ids)))
        principal = system_principal()
        build_times, check_times, built, lines = [], [], [], 0
        for _estate_id, code in estates:
            started = time.perf_counter()
            with unit_of_work() as session:
                claim = claims.build_claim(session, principal, program=program.code, estate=code, period=period)
                built.append(claim.id)
                lines += session.scalar(select(text("count(*)")).select_from(ClaimLine.__table__)
                                        .where(ClaimLine.claim_id == claim.id))
            build_times.append(time.perf_counter() - started)
        with unit_of_work() as session:  # by night autovacuum has analysed the day's 100,000 new lines
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("ANALYZE claim, claim_line"))
        for start in range(0, len(built), CHUNK):  # as the nightly job does
            started = time.perf_counter()
            with unit_of_work() as session:
                chunk = list(session.scalars(select(Claim).where(Claim.id.in_(built[start:start + CHUNK]))
                                             .with_for_update()))
                findings.check_claims(session, chunk)
            check_times.append(time.perf_counter() - started)
        with unit_of_work(write=False) as session:
            found = session.scalar(select(text("count(*)")).select_from(ClaimFinding.__table__)
                                   .where(ClaimFinding.claim_id.in_(built)))
    app.extensions["pms_engine"].dispose()
    print(f"{len(estates)} estates, {program.code} {period} ({periods.first_day(period)}): {lines} claim lines")
    print(f"  build: {sum(build_times):.2f} s in all (target ≤ 5 s for the month's lines), "
          f"median {median(build_times) * 1000:.0f} ms an estate (build includes the checks at build)")
    print(f"  check: {sum(check_times):.2f} s in all (target ≤ 5 s), {len(check_times)} transactions of "
          f"≤ {CHUNK} claims; {found} findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.database_url:
        run(args.database_url)
        return
    with fresh_postgres() as url:
        if url is None:
            raise SystemExit("PostgreSQL is not reachable")
        load_demo(url, args.households)
        run(url)


if __name__ == "__main__":
    main()
