"""The demo seed on a small estate built with the factories."""
import random
from datetime import date
from types import SimpleNamespace

from sqlalchemy import select

from pms.billing.services.plans import apply_fee_plan
from pms.maintenance import demo
from pms.maintenance.models import Equipment, PlannedWork, Ticket, WarrantyComponent
from pms.maintenance.services import equipment
from pms.core.auth import system_principal
from tests import factories as f


def _world(db):
    company, district = f.make_company(db, "DEMO", "示范物业"), f.make_district(db, "110101", "东城区")
    estate = f.make_estate(db, "SFY", "示范园", company, district)
    rooms = [f.make_room(db, estate, b, e, f"{fl}0{n}", owner=(f"业主{b}{e}{fl}{n}", f"1390000{b}{e}{fl}{n}", None))
             for b in ("1", "2") for e in ("1", "2") for fl in (1, 2, 3) for n in (1, 2)]
    users = {"manager": f.make_user(db, "demo_manager", "manager", company=company),
             "technician": f.make_user(db, "demo_tech", "technician", company=company),
             "resident": f.make_user(db, "demo_resident", "resident", rooms=[rooms[0], rooms[5]])}
    # three entrances are billed for a retrofitted elevator: the demo registers exactly those
    apply_fee_plan(db, estate, {"estate": "SFY", "effective_from": "2026-01", "due_day": 15, "items": [
        {"code": "ELEVATOR", "name": "电梯运行费", "kind": "elevator_share", "entrances": ["1-1", "1-2", "2-1"],
         "monthly_cost_fen": 150000, "floor_weights": {"1": 0, "2": 10, "3": 20}}]}, actor="test")
    db.commit()
    return SimpleNamespace(rng=random.Random(20260302), today=date(2026, 3, 2), company=company,
                           estates=[estate], users=users)


def _snapshot(db):
    rows = db.scalars(select(Ticket).order_by(Ticket.id)).all()
    return [(t.location_label, t.category, t.urgency, t.status, t.payer, t.amount_fen, t.rating, t.in_warranty,
             t.submitted_at, t.resolved_at) for t in rows]


def test_seed_covers_every_state_and_is_deterministic(app, db):
    with app.test_request_context():
        ctx = _world(db)
        demo.seed(db, ctx)
        db.flush()
        first = _snapshot(db)
        statuses = {row[3] for row in first}
        assert statuses == {"submitted", "accepted", "assigned", "in_progress", "resolved", "closed",
                            "reopened", "cancelled"}
        ends = [c.warranty_ends_on for c in db.scalars(select(WarrantyComponent))]
        assert any(d < ctx.today for d in ends) and any(d >= ctx.today for d in ends)
        views = equipment.list_elevators(db, system_principal(), today=ctx.today)
        assert sorted((v.place, v.status) for v in views) == [("SFY-1-1", "in_service"), ("SFY-1-2", "in_service"),
                                                              ("SFY-2-1", "stopped")]
        assert db.scalars(select(PlannedWork.service)).all() == ["water_kitchen", "water_bathroom"]
        assert any(row[7] for row in first)  # some request fell under warranty
        assert db.scalar(select(Equipment.id).limit(1)) is not None
        db.rollback()
        ctx.rng = random.Random(20260302)  # the estate and users were committed; the seed was rolled back
        demo.seed(db, ctx)
        db.flush()
        assert _snapshot(db) == first
        db.rollback()
