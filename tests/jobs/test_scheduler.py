"""The one scheduler process: explicit ids, the business timezone, safe defaults."""
from jobs.scheduler import all_jobs, build_scheduler


def test_every_job_registered_with_safe_options(app):
    scheduler = build_scheduler(app)
    jobs = scheduler.get_jobs() if scheduler.running else [j for j, *_ in scheduler._pending_jobs]
    assert [j.id for j in jobs] == [j.id for j in all_jobs()]
    for job in jobs:
        assert job.coalesce is True
        assert job.misfire_grace_time >= 3600
        assert job.max_instances == 1
        assert str(job.trigger.timezone) == "Asia/Shanghai"


def test_job_ids_are_unique():
    ids = [job.id for job in all_jobs()]
    assert len(ids) == len(set(ids))


def test_scheduler_is_not_started_by_the_web_app(app):
    # The web factory never starts a scheduler (N workers would run every job N times).
    import threading

    names = [t.name for t in threading.enumerate()]
    assert not any("APScheduler" in n for n in names)
