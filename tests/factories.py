"""Factories: small, explicit builders of test data (commit is the caller's choice)."""
from __future__ import annotations

from pms.accounts import services as accounts
from pms.estates.models import (Building, Company, District, Entrance, Estate, Ownership, Person,
                                Room, Street)

PASSWORD = "correct-horse-9"


def make_company(session, code="ACME", name="安居物业"):
    company = Company(code=code, name=name)
    session.add(company)
    session.flush()
    return company


def make_district(session, code="110112", name="通州区"):
    district = District(code=code, name=name)
    session.add(district)
    session.flush()
    return district


def make_estate(session, code="YJL", name="云景里", company=None, district=None):
    company = company or make_company(session)
    district = district or make_district(session)
    street = Street(district_id=district.id, name=f"{name}街道")
    session.add(street)
    session.flush()
    estate = Estate(code=code, name=name, company_id=company.id, district_id=district.id,
                    street_id=street.id)
    session.add(estate)
    session.flush()
    return estate


def make_room(session, estate, building="3", entrance="2", number="501", floor=None,
              area_centi_m2=8655, usage="residential", owner=("张三", "13912345678", None)):
    from sqlalchemy import select

    b = session.scalar(select(Building).where(Building.estate_id == estate.id, Building.code == building))
    if b is None:
        b = Building(estate_id=estate.id, code=building)
        session.add(b)
        session.flush()
    e = session.scalar(select(Entrance).where(Entrance.building_id == b.id, Entrance.code == entrance))
    if e is None:
        e = Entrance(estate_id=estate.id, building_id=b.id, code=entrance)
        session.add(e)
        session.flush()
    room = Room(estate_id=estate.id, building_id=b.id, entrance_id=e.id,
                code=f"{estate.code}-{building}-{entrance}-{number}", number=number,
                floor=floor if floor is not None else int(number[:-2] or 1),
                area_centi_m2=area_centi_m2, usage=usage)
    session.add(room)
    session.flush()
    if owner:
        name, phone, id_number = owner
        person = Person(estate_id=estate.id, name=name, phone=phone, id_number=id_number)
        session.add(person)
        session.flush()
        session.add(Ownership(estate_id=estate.id, room_id=room.id, person_id=person.id))
        session.flush()
    return room


def make_user(session, username, role, *, company=None, rooms=(), district=None, password=PASSWORD):
    return accounts.create_user(session, username=username, password=password, role=role,
                                company_code=company.code if company else None,
                                room_codes=[r.code for r in rooms],
                                district_code=district.code if district else None)


def bearer(client, username, password=PASSWORD) -> dict:
    """Authorization headers for `username` (through the real token endpoint)."""
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def number(seq: int, company: str = "ACME", series: str = "") -> str:
    """The number of a company's `seq`-th bill (series "C": credit note) issued this year, by the
    business clock: numbers carry the year they were issued in, not the period's."""
    from pms.core import periods

    return f"{company}-{periods.today().year}-{series}{seq:06d}"


def period(months: int = 0) -> str:
    """This business period (YYYY-MM, by the business clock), or the one `months` away."""
    from pms.core import periods

    return periods.add_months(periods.period_of(periods.today()), months)


def make_bill(session, room, period: str, lines: list[dict], *, items: dict, year: int, due_date,
              issued_at, paid_fen: int = 0):
    """One bill of `room` as a billing run writes it (run, gap-free number, lines), no ledger entry.

    `lines` are dicts {code, amount_fen, subsidy_fen, program, basis}; `items` maps a code to its
    FeeItem. The ledger entry is the caller's (billing tests post one; statement tests need none).
    """
    import json

    from sqlalchemy import select

    from pms.billing.models import Bill, BillingRun, BillLine, NumberCounter

    estate = session.get(Estate, room.estate_id)
    company = session.get(Company, estate.company_id)
    plan_id = next(iter(items.values())).fee_plan_id
    run = session.scalar(select(BillingRun).where(BillingRun.estate_id == estate.id,
                                                  BillingRun.period == period))
    if run is None:
        run = BillingRun(estate_id=estate.id, period=period, fee_plan_id=plan_id)
        session.add(run)
        session.flush()
    counter = session.get(NumberCounter, (company.id, year, "bill"))
    if counter is None:
        counter = NumberCounter(company_id=company.id, year=year, series="bill", last_seq=0)
        session.add(counter)
    counter.last_seq += 1
    total = sum(line["amount_fen"] for line in lines)
    subsidy = sum(line.get("subsidy_fen", 0) for line in lines)
    payable = total - subsidy
    bill = Bill(number=f"{company.code}-{year}-{counter.last_seq:06d}", company_id=company.id, year=year,
                seq=counter.last_seq, estate_id=estate.id, room_id=room.id, billing_run_id=run.id,
                period=period, due_date=due_date, total_fen=total, subsidy_fen=subsidy,
                payable_fen=payable, paid_fen=paid_fen, status="paid" if paid_fen == payable else "open",
                issued_at=issued_at)
    session.add(bill)
    session.flush()
    for line in lines:
        item = items[line["code"]]
        program = line.get("program")
        session.add(BillLine(bill_id=bill.id, estate_id=estate.id, room_id=room.id, item_code=item.code,
                             item_name=item.name, kind=item.kind, amount_fen=line["amount_fen"],
                             subsidy_fen=line.get("subsidy_fen", 0),
                             program_id=program.id if program else None,
                             basis=json.dumps(line.get("basis", {}), sort_keys=True)))
    run.bills_created += 1
    run.total_fen += total
    run.payable_fen += payable
    session.flush()
    return bill
