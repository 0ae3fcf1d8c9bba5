"""The loaded demo tells one story: what billing charges for, the register has; what a page says,
no other page contradicts."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pms.accounts.models import User, UserRoom
from pms.billing.models import BillLine, FeeItem, FeeItemEntrance
from pms.core import clock
from pms.core.auth import system_principal
from pms.core.db import get_session
from pms.demo.loader import RESIDENT_OWNER
from pms.estates.models import Room
from pms.estates.services import room_view
from pms.maintenance import rules
from pms.maintenance.models import Equipment, MaintenancePlan, Ticket, WorkOrder
from pms.maintenance.services import equipment
from tests.web import text, web_login

HOUSEHOLDS = 150  # one small estate of three or four buildings: quick, and still has elevators


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo", "load", "--households", str(HOUSEHOLDS), "--seed", "11"])
    assert result.exit_code == 0, result.output
    return app


def test_every_entrance_billed_for_an_elevator_has_it_registered(demo):
    with demo.app_context():
        s = get_session()
        today = clock.today()
        billed = set(s.scalars(select(FeeItemEntrance.entrance_id).join(FeeItem, FeeItem.id == FeeItemEntrance.fee_item_id)
                               .where(FeeItem.kind == "elevator_share")))
        lines = set(s.scalars(select(Room.entrance_id).join(BillLine, BillLine.room_id == Room.id)
                              .where(BillLine.kind == "elevator_share")))
        elevators = {e.entrance_id: e for e in s.scalars(select(Equipment).where(Equipment.kind == "elevator"))}
        assert billed and lines <= billed
        assert set(elevators) == billed  # no entrance billed without an elevator, no elevator unbilled
        for elevator in elevators.values():
            plans = {p.kind: p for p in s.scalars(select(MaintenancePlan).where(
                MaintenancePlan.equipment_id == elevator.id))}
            assert set(plans) == {"maintenance", "inspection"}
            owed = [d for d in rules.inspection_due_dates(elevator.accepted_on, today) if d < today]
            recorded = s.scalars(select(WorkOrder.due_on).where(WorkOrder.plan_id == plans["inspection"].id,
                                                                 WorkOrder.due_on < today)).all()
            assert sorted(recorded) == owed  # every inspection that fell due has its record
            assert s.scalar(select(WorkOrder.id).where(WorkOrder.plan_id == plans["maintenance"].id,
                                                       WorkOrder.due_on >= today)) is not None
        # an elevator repair request is only ever filed where there is an elevator
        places = s.execute(select(Ticket.entrance_id).where(Ticket.category == "elevator")).scalars().all()
        assert set(places) <= set(elevators)
        # a leak "on the top floor" comes from a top-floor flat, one "from upstairs" from a flat below another
        top = dict(s.execute(select(Room.entrance_id, func.max(Room.floor)).group_by(Room.entrance_id)).all())
        for description, floor, entrance_id in s.execute(
                select(Ticket.description, Room.floor, Room.entrance_id).join(Room, Room.id == Ticket.room_id)):
            if "顶楼" in description:
                assert floor == top[entrance_id], description
            if "楼上" in description:
                assert floor < top[entrance_id], description


def test_a_lapsed_elevator_shows_its_real_next_due_date(demo):
    with demo.app_context():
        s = get_session()
        today = clock.today()
        views = equipment.list_elevators(s, system_principal(), today=today)
        stopped = [v for v in views if v.status == "stopped"]
        assert stopped and len(stopped) < len(views)
        for v in views:
            if v.status == "stopped":
                # the lapsed inspection is owed now: the page shows its date, overdue, and its work order
                assert v.next_inspection_due == v.last_inspection_due < today
                assert v.overdue_orders >= 1
                order = s.scalar(select(WorkOrder).join(Equipment, Equipment.id == WorkOrder.equipment_id)
                                 .where(Equipment.registration_number == v.registration_number,
                                        WorkOrder.kind == "inspection", WorkOrder.due_on == v.next_inspection_due))
                assert (order.status, order.overdue) == ("open", True)
            else:
                assert today <= v.next_inspection_due <= today + timedelta(days=4 * 366)


def test_the_demo_residents_room_lists_its_residents(demo):
    with demo.app_context():
        s = get_session()
        user = s.scalar(select(User).where(User.username == "resident"))
        [room_id] = s.scalars(select(UserRoom.room_id).where(UserRoom.user_id == user.id)).all()
        view = room_view(s, system_principal(), s.get(Room, room_id))
        name, phone, id_number = RESIDENT_OWNER
        assert [o.name for o in view.owners] == [name]
        assert sorted((p.name, p.relation) for p in view.residents) == sorted([(name, "owner"), ("李秀兰", "family")])
        assert int(id_number[6:10]) == 1948 and int(id_number[16]) % 2 == 1  # an elderly man: 张大爷
        code = view.code
    client = demo.test_client()
    assert web_login(client, "resident", "demo-resident-2026").status_code == 302
    page = text(client.get(f"/rooms/{code}?lang=zh_CN"))
    assert name in page and "李秀兰" in page
    # the planned water works are in his entrance: his inbox has the notices, in his language
    _estate, building, entrance, _number = code.split("-")
    inbox = text(client.get("/maintenance/notifications?lang=zh_CN"))
    assert f"{_estate}-{building}-{entrance} 暂停厨房用水" in inbox
    assert f"Kitchen water off at {_estate}-{building}-{entrance}" in text(
        client.get("/maintenance/notifications?lang=en"))


def test_the_elevator_page_agrees_with_the_register(demo):
    with demo.app_context():
        s = get_session()
        views = equipment.list_elevators(s, system_principal(), today=clock.today())
        estate_code = views[0].estate_code
    client = demo.test_client()
    assert web_login(client, "manager", "demo-manager-2026").status_code == 302
    page = text(client.get("/maintenance/elevators?lang=en"))
    for v in views:
        assert v.registration_number in page
        assert v.next_inspection_due.isoformat() in page
    assert page.count("Out of service (inspection)") == sum(v.status == "stopped" for v in views)
    # the estate page lists every entrance that has an elevator
    estate_page = client.get(f"/estates/{estate_code}?lang=en").get_data(as_text=True)
    for v in views:
        _estate, building, entrance = v.place.split("-")
        assert f"building={building}&amp;entrance={entrance}\"" in estate_page
