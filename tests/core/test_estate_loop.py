"""The loop over estates (pms.core.estate_loop): one unit of work each, a failure logged and the
others still run."""
import logging

from sqlalchemy import select

from pms.core.errors import Conflict
from pms.core.estate_loop import for_each_estate
from pms.core.models import AuditEntry


def _record(session, key):
    from pms.core import audit

    if key == "bad":
        raise RuntimeError("disk full")
    if key == "refused":
        raise Conflict("already running")
    audit.record(session, actor="test", action="loop.step", object_id=key)
    return key.upper()


def test_every_estate_runs_and_each_failure_is_kept(app, caplog):
    done = []
    with app.app_context(), caplog.at_level(logging.INFO):
        loop = for_each_estate(["a", "bad", "b", "refused", "c"], _record, what="test run",
                               on_done=done.append)
    assert loop.results == [("a", "A"), ("b", "B"), ("c", "C")]
    assert [(f.key, type(f.error).__name__) for f in loop.failures] == [("bad", "RuntimeError"),
                                                                        ("refused", "Conflict")]
    assert done == ["a", "bad", "b", "refused", "c"]
    assert not loop.ok and loop.exit_code == 1
    failed = [r for r in caplog.records if "estate=bad" in r.getMessage()]
    assert failed and failed[0].levelno == logging.ERROR and failed[0].exc_info
    refused = [r for r in caplog.records if "estate=refused" in r.getMessage()]
    assert refused[0].levelno == logging.WARNING and "already running" in refused[0].getMessage()


def test_a_failed_estate_writes_nothing_and_the_others_are_committed(app):
    def half_then_fail(session, key):
        _record(session, key + "-first")
        if key == "x":
            raise RuntimeError("crash half-way")
        return 1

    with app.app_context():
        loop = for_each_estate(["w", "x", "y"], half_then_fail, what="test run")
        from pms.core.db import unit_of_work
        with unit_of_work(write=False) as session:
            written = sorted(session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "loop.step")))
    assert written == ["w-first", "y-first"]  # x's first step was rolled back with it
    assert [f.key for f in loop.failures] == ["x"]


def test_no_estate_no_failure(app):
    with app.app_context():
        loop = for_each_estate([], _record, what="test run")
    assert loop.ok and loop.exit_code == 0 and loop.results == []
