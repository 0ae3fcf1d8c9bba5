"""The elder-care demo step through `pms demo load`: elders of every kind, a catalogue, plans,
four weeks of visits with their evidence (an unverified check-in, missed check-ins with alerts)
and the coming week; loading again adds nothing."""
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from pms.core.db import get_session
from pms.eldercare import rules
from pms.eldercare.demo import HISTORY_DAYS
from pms.eldercare.models import CarePlan, CareService, Elder, EmergencyCall, Visit, VisitAlert


def test_the_demo_tells_the_whole_story(app, runner, clock):
    result = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        s = get_session()
        today = clock.today()
        elders = s.scalars(select(Elder)).all()
        ages = [rules.age_on(e.birth_date, today) for e in elders]
        assert len(elders) == 12 and sum(e.lives_alone for e in elders) == 6
        assert max(ages) >= 100 and any(90 <= a < 100 for a in ages) and any(80 <= a < 90 for a in ages)
        assert any(a < 60 and e.disability_tier for a, e in zip(ages, elders))
        assert {e.hardship for e in elders} >= {"dibao", "low_income", "family_planning"}
        assert s.scalar(select(func.count(CareService.id))) == 7 and s.scalar(select(func.count(CarePlan.id))) >= 5
        # Meals are billed with their subsidy part to the district's elder-care programme.
        funded = s.execute(select(CareService.kind, CareService.program_id)
                           .where(CareService.program_id.is_not(None))).all()
        assert [kind for kind, _program in funded] == ["meal"]
        visits = s.scalars(select(Visit)).all()
        past = [v for v in visits if v.date < today]
        assert min(v.date for v in visits) == today - timedelta(days=HISTORY_DAYS)
        statuses = Counter(v.status for v in past)
        assert statuses["confirmed"] > statuses["checked_out"] > 0 and statuses["missed"] > 0
        assert sum(v.verified is False for v in past) == 1
        assert s.scalar(select(func.count(VisitAlert.id))) >= statuses["missed"]
        assert {v.date for v in visits if v.date >= today} == {today + timedelta(days=d) for d in range(7)}
        past_alerts = s.scalars(select(VisitAlert).join(Visit, Visit.id == VisitAlert.visit_id)
                                .where(Visit.date < today)).all()
        assert [a.acknowledged_at is None for a in past_alerts].count(True) == 1
        assert [a.escalated_at is not None for a in past_alerts].count(True) == 1
        assert all(a.escalated_at is None for a in past_alerts if a.acknowledged_at is not None)
        demo_calls = s.scalars(select(EmergencyCall).order_by(EmergencyCall.received_at)).all()
        assert [(c.responded_at - c.received_at) if c.responded_at else None for c in demo_calls] == [
            timedelta(minutes=8), None]
        before = (len(visits), s.scalar(select(func.count(VisitAlert.id))))
    again = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "3"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        s = get_session()
        assert (s.scalar(select(func.count(Visit.id))), s.scalar(select(func.count(VisitAlert.id)))) == before
        assert s.scalar(select(func.count(EmergencyCall.id))) == 2
