"""`pms eldercare generate-visits` and `pms eldercare sweep`: the jobs' services on demand, in
the terminal's language; the scheduler runs both jobs."""
from datetime import datetime, timezone

from jobs.scheduler import all_jobs


def test_generate_and_sweep_from_the_command_line(api, runner, clock):
    api.service("VISIT", kind="visit", name="探访", unit="visit", price_fen=0)
    api.register()
    first = runner.invoke(args=["eldercare", "generate-visits", "--days", "2"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "2 new visit(s)"
    again = runner.invoke(args=["eldercare", "generate-visits", "--today", "2026-03-02", "--days", "2"], lang="zh_CN")
    assert again.exit_code == 0 and again.output.strip() == "新增 0 次上门服务"
    clock.set(datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc))
    swept = runner.invoke(args=["eldercare", "sweep"])
    assert swept.exit_code == 0 and swept.output.splitlines() == ["1 new missed check-in alert(s)",
                                                                  "0 alert(s) escalated"]
    clock.set(datetime(2026, 3, 2, 4, 30, tzinfo=timezone.utc))  # raised 12:00, nobody acknowledged by 12:30
    swept = runner.invoke(args=["eldercare", "sweep"])
    assert swept.output.splitlines() == ["0 new missed check-in alert(s)", "1 alert(s) escalated"]
    bad = runner.invoke(args=["eldercare", "generate-visits", "--today", "2026-13-01"])
    assert bad.exit_code == 2


def test_the_scheduler_runs_both_jobs_the_sweep_every_five_minutes():
    jobs = {job.id: job for job in all_jobs()}
    assert jobs["eldercare.sweep_missed"].cron == {"minute": "*/5"}
    assert "eldercare.generate_visits" in jobs
