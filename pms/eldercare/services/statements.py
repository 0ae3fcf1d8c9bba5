"""The elder's monthly service statement: every visit delivered in the month (checked out,
confirmed or not) with its evidence, its price, the programme's subsidy part and the household's.

The figures follow the billing run (`services/billing.py`), so the statement and the bill never
disagree: a visit already billed shows what its bill line charged (`visit.price_fen`,
`visit.subsidy_fen`); one not billed yet shows what the run will charge — the catalogue price once
per visit, and a subsidy only for a verified visit (checked in with the home code) of a service
with a programme, from the per-day amount of its kind (`rules.service_subsidy_on` for the
allowances the elder holds that day) spent on the day's visits in id order, never more than a
visit's price. The household pays price − subsidy. A visit checked out but not confirmed is never
billed: it is listed with its figures marked "not billed" until it is confirmed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from sqlalchemy import select

from pms.accounts.models import User
from pms.accounts.services import display_names
from pms.core import periods
from pms.core.auth import Principal, scoped
from pms.eldercare import permissions, rules
from pms.eldercare.models import CareService, Elder, Visit
from pms.eldercare.services.elders import allowance_codes_on
from pms.estates.models import Company, Estate, Room

DELIVERED = ("checked_out", "confirmed")


@dataclass
class StatementLine:
    visit: int
    date: date
    service: str
    worker: str
    checked_in_at: Optional[datetime]
    checked_out_at: Optional[datetime]
    verified: bool
    confirmed: bool
    price_fen: int
    subsidy_fen: int
    resident_fen: int
    billed: bool


def statement(session, principal: Principal, elder: Elder, month: str) -> dict:
    """The statement of `elder` (read in scope by the caller) for `month` (YYYY-MM)."""
    permissions.ensure(principal, "visit.read")
    first = periods.first_day(month)
    after = periods.first_day(periods.add_months(month, 1))
    found = list(session.scalars(scoped(select(Visit).where(
        Visit.elder_id == elder.id, Visit.date >= first, Visit.date < after, Visit.status.in_(DELIVERED)),
        Visit, principal).order_by(Visit.date, Visit.starts_at, Visit.id)))
    services = {s.id: s for s in session.scalars(select(CareService).where(
        CareService.id.in_(sorted({v.service_id for v in found}))))}
    workers = dict(session.execute(select(User.id, User.username).where(
        User.id.in_(sorted({v.worker_id for v in found if v.worker_id})))).all())
    names = display_names(session, workers.values())
    _allowances, subsidies = rules.shipped_rules()
    codes_of_day: dict[date, list[str]] = {}
    left: dict[tuple[date, str], int] = {}  # the day's subsidy of a kind not yet used
    lines = []
    for v in sorted(found, key=lambda visit: visit.id):  # the run spends a day's subsidy in id order
        service = services[v.service_id]
        key = (v.date, service.kind)
        if key not in left:
            if v.date not in codes_of_day:
                codes_of_day[v.date] = allowance_codes_on(elder, v.date)
            left[key] = rules.service_subsidy_on(subsidies, service.kind, v.date, codes_of_day[v.date])
        if v.price_fen is not None:
            price, subsidy = v.price_fen, v.subsidy_fen or 0
        else:
            price = service.price_fen
            subsidy = min(price, left[key]) if v.verified and service.program_id is not None else 0
        left[key] -= min(subsidy, left[key])
        login = workers.get(v.worker_id)
        lines.append(StatementLine(visit=v.id, date=v.date, service=service.name,
                                   worker=names.get(login, login) if login else "",
                                   checked_in_at=v.checked_in_at, checked_out_at=v.checked_out_at,
                                   verified=bool(v.verified), confirmed=v.status == "confirmed",
                                   price_fen=price, subsidy_fen=subsidy, resident_fen=price - subsidy,
                                   billed=v.price_fen is not None))
    order = {v.id: position for position, v in enumerate(found)}
    lines.sort(key=lambda line: order[line.visit])
    room = session.get(Room, elder.room_id)
    estate = session.get(Estate, elder.estate_id)
    company = session.get(Company, estate.company_id)
    return {"elder": elder.name, "elder_id": elder.id, "room": room.code, "estate": estate.name,
            "company": company.name, "month": month, "lines": lines,
            "total_price_fen": sum(line.price_fen for line in lines),
            "total_subsidy_fen": sum(line.subsidy_fen for line in lines),
            "total_resident_fen": sum(line.resident_fen for line in lines)}


def statement_pdf(data: dict) -> bytes:
    """The statement as PDF bytes (the one renderer, core.pdf)."""
    from pms.core.pdf import render_pdf

    return render_pdf("eldercare_statement.html", {"s": data})
