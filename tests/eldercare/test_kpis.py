"""An estate's monthly figures (services/kpis.py) with hand-computed numbers: visits planned,
delivered, verified, confirmed, elders served, missed check-ins, median and P90 minutes from alert
to acknowledgement and from emergency call to response, the 12 months' trend; who may read them."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from pms.eldercare.models import CareService, EmergencyCall, Visit, VisitAlert
from pms.eldercare.services.kpis import median, percentile

BEIJING = timezone(timedelta(hours=8))


def test_median_and_nearest_rank_percentile():
    assert median([]) is None and percentile([], 90) is None
    assert median([40, 1, 10, 2]) == 6.0 and median([3, 1, 2]) == 2.0
    assert percentile(range(1, 11), 90) == 9.0      # ⌈0.9 × 10⌉ = 9th
    assert percentile(range(1, 12), 90) == 10.0     # ⌈0.9 × 11⌉ = ⌈9.9⌉ = 10th
    assert percentile([7], 90) == 7.0 and percentile([10, 40, 25], 90) == 40.0  # ⌈2.7⌉ = 3rd


@pytest.fixture
def month(api, db, world):
    """March 2026 in YJL (see the comments for each row); a February and an April visit, a visit
    of the other company's estate and a call of 28 February 23:59 in Beijing lie outside it."""
    api.service("CLEAN", kind="cleaning", name="助洁", unit="hour", price_fen=4000, min_minutes=30)
    a = api.register()["id"]
    b = api.register(room="YJL-3-2-502", name="李四")["id"]
    service = db.scalar(select(CareService.id).where(CareService.code == "CLEAN"))
    carer = world.users["carer"].id
    rooms = {a: world.r501.id, b: world.r502.id}

    def visit(elder, day, status, verified=None, estate=None):
        starts = datetime.combine(day, time(10), tzinfo=BEIJING)
        v = Visit(estate_id=estate or world.yjl.id, room_id=rooms[elder], elder_id=elder, service_id=service,
                  date=day, starts_at=starts, ends_at=starts + timedelta(hours=1), status=status, verified=verified,
                  worker_id=carer)
        db.add(v)
        db.flush()
        return v

    def alert(v, ack_after_minutes):
        raised = v.ends_at + timedelta(minutes=31)
        db.add(VisitAlert(visit_id=v.id, estate_id=v.estate_id, kind="missed_check_in", created_at=raised,
                          acknowledged_at=None if ack_after_minutes is None else raised + timedelta(
                              minutes=ack_after_minutes), acknowledged_by_id=None if ack_after_minutes is None
                          else carer, finding=""))

    def call(received_beijing, answered_after_minutes, estate=None):
        received = received_beijing.replace(tzinfo=BEIJING)
        db.add(EmergencyCall(estate_id=estate or world.yjl.id, room_id=world.r501.id, elder_id=a,
                             received_at=received, received_by_id=carer,
                             responded_at=None if answered_after_minutes is None else received + timedelta(
                                 minutes=answered_after_minutes),
                             responder_id=None if answered_after_minutes is None else carer))

    visit(a, date(2026, 3, 2), "confirmed", True)      # delivered, verified, confirmed
    visit(a, date(2026, 3, 3), "checked_out", False)   # delivered, unverified
    visit(b, date(2026, 3, 4), "checked_out", True)    # delivered, verified
    visit(b, date(2026, 3, 5), "checked_in", True)     # verified, not (yet) delivered
    alert(visit(a, date(2026, 3, 6), "missed"), 10)
    alert(visit(b, date(2026, 3, 7), "missed"), 40)
    alert(visit(a, date(2026, 3, 8), "missed"), 25)
    alert(visit(b, date(2026, 3, 9), "missed"), None)  # still open
    visit(a, date(2026, 3, 10), "cancelled")           # not planned any more
    visit(a, date(2026, 3, 31), "planned")
    visit(a, date(2026, 2, 28), "checked_out", True)   # February
    visit(a, date(2026, 4, 1), "planned")              # April
    call(datetime(2026, 3, 1, 0, 10), 5)               # 28 Feb 16:10 UTC: still March in Beijing
    call(datetime(2026, 3, 10, 9, 0), 3)
    call(datetime(2026, 3, 11, 22, 0), 30)
    call(datetime(2026, 3, 15, 8, 0), None)            # not answered
    call(datetime(2026, 3, 31, 23, 50), 12)
    call(datetime(2026, 2, 28, 23, 59), 100)           # February in Beijing
    db.commit()


def test_a_month_of_an_estate(api, month):
    r = api.get("manager", "/api/v1/eldercare/kpis", query_string={"estate": "YJL", "month": "2026-03"})
    assert r.status_code == 200, r.get_json()
    k = r.get_json()
    trend = k.pop("trend")
    assert k == {
        "estate": "YJL", "month": "2026-03", "elders_served": 2,
        "visits_planned": 9, "visits_delivered": 3, "visits_verified": 3, "visits_confirmed": 1,
        "missed_check_ins": 4, "alerts_open": 1,
        "ack_minutes_median": 25.0, "ack_minutes_p90": 40.0,           # [10, 25, 40]: middle; ⌈2.7⌉ = 3rd
        "calls": 5, "calls_answered": 4,
        "call_response_minutes_median": 8.5, "call_response_minutes_p90": 30.0,  # [3, 5, 12, 30]: (5+12)/2; 4th
    }
    assert [t["month"] for t in trend] == [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    assert trend[-2:] == [{"month": "2026-02", "planned": 1, "delivered": 1},
                          {"month": "2026-03", "planned": 9, "delivered": 3}]
    assert all(t["planned"] == 0 for t in trend[:-2])


def test_this_month_by_default_and_an_empty_month(api, month, clock):
    clock.set_today(date(2026, 5, 20))  # a user without a token yet (tokens expire by the clock)
    k = api.get("auditor", "/api/v1/eldercare/kpis", query_string={"estate": "YJL"}).get_json()
    assert k["month"] == "2026-05" and k["visits_planned"] == 0 and k["ack_minutes_median"] is None
    assert k["calls"] == 0 and k["call_response_minutes_p90"] is None
    assert [(t["month"], t["planned"]) for t in k["trend"][-3:]] == [("2026-03", 9), ("2026-04", 1), ("2026-05", 0)]


@pytest.mark.parametrize("user, status", [
    ("manager", 200), ("carer", 200), ("auditor", 200), ("admin", 200),
    ("finance", 403), ("tech", 403), ("resident", 403),
    ("other_manager", 404), ("other_auditor", 404), ("other_resident", 404),
    ("officer", 200), ("other_officer", 404),
])
def test_who_may_read_the_figures(api, world, user, status):
    r = api.get(user, "/api/v1/eldercare/kpis", query_string={"estate": "YJL", "month": "2026-03"})
    assert r.status_code == status


def test_bad_month_and_missing_estate_are_422(api, world):
    assert api.get("manager", "/api/v1/eldercare/kpis", query_string={"estate": "YJL", "month": "2026-13"}
                   ).status_code == 422
    assert api.get("manager", "/api/v1/eldercare/kpis", query_string={"month": "2026-03"}).status_code == 422
