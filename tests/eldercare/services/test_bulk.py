"""The bulk insert-or-ignore of elder care on both engines: every value arrives as given (texts
with quotes and backslashes, NULLs, aware timestamps), conflicts are skipped and counted out."""
from datetime import date, datetime, timezone

from sqlalchemy import select

from pms.core.db import unit_of_work
from pms.eldercare.models import CareService, Elder, Visit
from pms.core.bulk import _array_literal, insert_rows_ignoring_conflicts
from pms.core.sql import InIds


def test_array_literals():
    assert _array_literal([1, None, 3]) == "{1,NULL,3}"
    assert _array_literal([True, False, None]) == "{t,f,NULL}"
    assert _array_literal([date(2026, 3, 2), None]) == "{2026-03-02,NULL}"
    assert _array_literal([datetime(2026, 3, 2, 1, tzinfo=timezone.utc)]) == "{2026-03-02T01:00:00+00:00}"
    assert _array_literal(['a"b\\c', "", None]) == '{"a\\"b\\\\c","",NULL}'
    assert _array_literal([None, None]) == "{NULL,NULL}"


def test_rows_arrive_as_given_and_conflicts_are_skipped(app, api):
    api.service("VISIT", kind="visit", name="探访", unit="visit", price_fen=0)
    elder = api.register()
    with app.app_context(), unit_of_work() as session:
        service_id = session.scalar(select(CareService.id))
        e = session.get(Elder, elder["id"])
        start = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
        rows = [dict(elder_id=e.id, date=date(2026, 3, d), slot=f"t-{d}", estate_id=e.estate_id, room_id=e.room_id,
                     service_id=service_id, starts_at=start, ends_at=start.replace(hour=2), worker_id=None,
                     plan_id=None, status="planned", outcome="", note='说"明"\\ 1, {2}', pin_failures=0,
                     created_at=start) for d in (2, 3)]
        key = ("elder_id", "date", "slot", "estate_id")
        assert insert_rows_ignoring_conflicts(session, Visit.__table__, rows, key) == 2
        assert insert_rows_ignoring_conflicts(session, Visit.__table__, rows, key) == 0
        assert insert_rows_ignoring_conflicts(session, Visit.__table__, rows[:1], key, returning="id") == []
        stored = session.execute(select(Visit.note, Visit.starts_at, Visit.worker_id, Visit.id)
                                 .order_by(Visit.date)).all()
        assert [(n, s, w) for n, s, w, _i in stored] == [('说"明"\\ 1, {2}', start, None)] * 2
        ids = [i for *_rest, i in stored]
        assert session.scalars(select(Visit.id).where(InIds(Visit.id, ids[:1]))).all() == ids[:1]
