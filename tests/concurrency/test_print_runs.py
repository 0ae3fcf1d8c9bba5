"""Print runs claimed by racing schedulers (each its own connection, SQLite and PostgreSQL): one
run is printed once, by one of them; a claim is one conditional UPDATE only one claimant wins."""
from __future__ import annotations

import threading

from pms.statements import printing
from pms.statements.models import PrintRun
from tests.concurrency.conftest import race
from tests.statements import helpers as h


def queued_run(app, world) -> int:
    from pms.core.db import unit_of_work

    with app.app_context(), unit_of_work() as s:
        for room in (world.r501, world.r502):
            h.make_bill(s, s.merge(room), "2026-01")
        run = PrintRun(company_id=world.acme.id, estate_id=world.yjl.id, kind="statements", period="2026-01",
                       requested_by="finance", buildings_total=1, documents=2)
        s.add(run)
        s.flush()
        return run.id


def test_two_schedulers_print_a_run_once(app, world, monkeypatch):
    from jobs.print_runs import work_print_runs

    run_id = queued_run(app, world)
    real, rendered, lock = printing.render_job, [], threading.Lock()

    def counted(job):
        with lock:
            rendered.append(job.building)
        return real(job)

    monkeypatch.setattr(printing, "render_job", counted)
    worked = race(2, lambda _i: work_print_runs(app, workers=1))
    assert sorted(worked) == [[], [run_id]]
    assert rendered == ["3"]
    with app.app_context():
        from pms.core.db import unit_of_work

        with unit_of_work() as s:
            run = s.get(PrintRun, run_id)
            assert (run.status, run.buildings_done) == ("done", 1)


def test_many_claimants_one_claim(app, world):
    from pms.core.db import unit_of_work
    from pms.statements import print_runs

    run_id = queued_run(app, world)

    def claim(_i):
        with app.app_context(), unit_of_work() as session:
            return print_runs.claim_next(session)

    assert [c for c in race(6, claim) if c is not None] == [run_id]
