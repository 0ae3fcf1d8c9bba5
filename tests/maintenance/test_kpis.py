"""KPIs per estate and month, every number computed by hand below."""
from datetime import datetime, timedelta, timezone

import pytest

from pms.accounts.services import build_principal, find_user
from pms.maintenance.services import kpis, tickets
from tests import factories as f


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def march(app, world, db):
    """Eight households in YJL and these requests (times UTC; March is a Beijing month):

    T1 normal    03-02 01:00 accepted +30 min, resolved +10 h, closed, rating 5      → SLA met
    T2 urgent    03-03 00:00 accepted +3 h (late: 2 h), resolved +20 h, rating 3, complaint → breached
    T3 emergency 03-04 00:00 accepted +10 min, resolved +30 h (late: 24 h), reopened,
                             resolved again +40 h, closed, rating 4                  → breached
    T4 normal    03-05 00:00 accepted +60 min, still in progress                     → pending
    T6 normal    02-28 16:30 (= 03-01 00:30 Beijing) accepted +120 min, in progress  → pending
    T5 normal    03-31 16:00 (= 04-01 00:00 Beijing): April, not counted
    T7 normal    03-02 05:00 cancelled: not counted
    """
    for n in range(601, 607):
        f.make_room(db, world.yjl, "3", "2", str(n), owner=None)
    db.commit()
    with app.test_request_context():
        p = {u: build_principal(db, find_user(db, u)) for u in ("resident", "manager", "tech")}

        def new(urgency, when, **kw):
            return tickets.create_ticket(db, p["resident"], room="YJL-3-2-501", category="plumbing",
                                         description="x", urgency=urgency, now=when, **kw)

        def run(ticket, start, steps):
            for user, to, minutes, extra in steps:
                tickets.transition(db, p[user], ticket, to, now=start + timedelta(minutes=minutes), **extra)

        def worked(accept_after, resolve_after):
            return [("manager", "accepted", accept_after, {}),
                    ("manager", "assigned", accept_after + 1, {"technician": "tech"}),
                    ("tech", "in_progress", accept_after + 2, {}),
                    ("tech", "resolved", resolve_after, {})]

        t1 = new("normal", at(2, 1))
        run(t1, at(2, 1), worked(30, 600) + [("resident", "closed", 700, {"rating": 5})])
        t2 = new("urgent", at(3, 0), complaint=True)
        run(t2, at(3, 0), worked(180, 1200) + [("resident", "closed", 1300, {"rating": 3})])
        t3 = new("emergency", at(4, 0))
        run(t3, at(4, 0), worked(10, 1800) + [("resident", "reopened", 1900, {}),
                                              ("tech", "in_progress", 1950, {}),
                                              ("tech", "resolved", 2400, {}),
                                              ("resident", "closed", 2450, {"rating": 4})])
        t4 = new("normal", at(5, 0))
        run(t4, at(5, 0), worked(60, 0)[:3])
        t6 = new("normal", datetime(2026, 2, 28, 16, 30, tzinfo=timezone.utc))
        run(t6, datetime(2026, 2, 28, 16, 30, tzinfo=timezone.utc), worked(120, 0)[:3])
        new("normal", at(31, 16))
        t7 = new("normal", at(2, 5))
        run(t7, at(2, 5), [("resident", "cancelled", 5, {})])
    db.commit()


def test_march_kpis(app, db, march):
    with app.test_request_context():
        result = kpis.estate_kpis(db, _yjl(db), "2026-03", now=at(6, 0))
    assert result.households == 8 and result.requests == 5
    assert result.requests_per_100_households == 62.5                   # 5 × 100 / 8
    # response minutes 30, 180, 10, 60, 120 → sorted 10 30 60 120 180
    assert (result.response_minutes_median, result.response_minutes_p90) == (60, 180)
    # resolution hours of finished requests: 10, 20, 40 (T3's last resolution)
    assert (result.resolution_hours_median, result.resolution_hours_p90) == (20, 40)
    assert (result.sla_met, result.sla_breached, result.sla_compliance_percent) == (1, 2, 33.3)
    assert (result.average_rating, result.ratings) == (4.0, 3)           # (5 + 3 + 4) / 3
    assert result.reopen_rate_percent == 33.3                           # 1 of 3 resolved at least once
    assert result.complaints == 1


def test_pending_turns_into_breached_as_time_passes(app, db, march):
    with app.test_request_context():
        # T6 must be resolved by 03-07 16:30, T4 by 03-12 00:00
        later = kpis.estate_kpis(db, _yjl(db), "2026-03", now=at(8, 0))
        assert (later.sla_met, later.sla_breached, later.sla_compliance_percent) == (1, 3, 25.0)
        april = kpis.estate_kpis(db, _yjl(db), "2026-04", now=at(8, 0))
        assert april.requests == 1 and april.response_minutes_median is None and april.sla_compliance_percent is None


def _yjl(db):
    from sqlalchemy import select

    from pms.estates.models import Estate

    return db.scalar(select(Estate).where(Estate.code == "YJL"))


KPI_ACCESS = [("manager", 200), ("auditor", 200), ("admin", 200), ("finance", 403), ("tech", 403),
              ("carer", 403), ("resident", 403), ("other_manager", 404), ("other_auditor", 404),
              ("other_resident", 404), ("officer", 200), ("other_officer", 404)]


def test_kpi_api_roles(api):
    for user, status in KPI_ACCESS:
        r = api.get(user, "/api/v1/estates/YJL/maintenance/kpis?period=2026-03")
        assert r.status_code == status, (user, r.get_json())


def test_kpi_api_values_and_bad_period(api, march):
    body = api.get("auditor", "/api/v1/estates/YJL/maintenance/kpis?period=2026-03").get_json()
    assert body["requests"] == 5 and body["requests_per_100_households"] == 62.5
    assert body["complaints"] == 1 and body["average_rating"] == 4.0
    assert api.get("manager", "/api/v1/estates/YJL/maintenance/kpis?period=2026-13").status_code == 422
    assert api.get("manager", "/api/v1/estates/YJL/maintenance/kpis").status_code == 422
