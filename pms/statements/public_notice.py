"""The annual public notice (公示, 北京市物业管理条例 Art. 70) of an estate and a calendar year:
what the figures are, who may read and publish it, its versions and its PDF.

Definitions (the year is a calendar year in the business timezone; the current year is "to date"):
- fee items: the items of every fee plan in force for some period of the year, with the periods
  they cover (a plan applies from `effective_from` until a later plan takes over);
- income: the bill lines of the year's periods (bills not void) by fee item — billed, subsidy (the
  programmes' share) and payable by households; waived and received (payments allocated, net of
  reversals: `bill.paid_fen`) for the whole only, because payments are allocated to bills, never to
  their lines; the collection rate is received ÷ (payable − waived), as the audit portal's;
- subsidies by programme: the subsidy on the year's bill lines, and the programme's claims of the
  estate for the year's periods once submitted: claimed, approved, disbursed net of clawbacks;
- repairs: requests submitted in the year and not cancelled, by category: resolved (resolved or
  closed) and SLA compliance exactly as the audit portal and the KPI page define it
  (`reports.services.overview.sla_outcome`, as of the moment the figures are read);
- planned works: water, power and elevator outages starting in the year, with their entrance;
  elevator upkeep: the preventive maintenance and inspection work orders due in the year up to the
  day the figures cover, and how many were done;
- spending recorded against the estate: repairs resolved in the year that the property fee (payer
  `common`) and the maintenance fund (payer `fund`) paid, with the amounts recorded at resolution; renovation
  contracts accepted in the year with their contract amounts (where registered). Common-area
  income (公共收益) and the maintenance fund's balance are not recorded in the system, and the
  notice says so rather than show a zero.
The figures are plain data (codes, not labels) so a snapshot renders in either language; money is
integer fen. About fifteen grouped queries for one estate, whatever its size.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError

from pms.billing.models import Bill, BillLine, FeeItem, FeeItemEntrance, FeeItemRoom, FeePlan
from pms.billing.rules import percent_one_decimal
from pms.core import audit, clock, periods
from pms.core.auth import Principal
from pms.core.errors import Conflict, Invalid, NotFound
from pms.estates import services as estates
from pms.estates.models import Building, Company, District, Entrance, Estate
from pms.maintenance.models import PlannedWork, RenovationProject, Ticket, WorkOrder
from pms.reports.services.overview import Span, sla_outcome
from pms.statements import permissions
from pms.statements.models import PublicNotice
from pms.subsidies.models import Claim, Clawback, Disbursement, Program

FIRST_YEAR = 2000
# Claims the company has filed (a draft is not claimed yet).
FILED = ("submitted", "approved", "partly_approved", "rejected")
SPENDING_PAYERS = ("common", "fund")
AUDIT_ACTION = "public_notice.publish"


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _int(value) -> int:
    return int(value or 0)


# ---- the figures -----------------------------------------------------------------------------------

def _fee_items(session, estate_id: int, first: str, last: str) -> list[dict[str, Any]]:
    """The items of the plans in force for some period of [first, last], with the periods they cover."""
    plans = list(session.execute(select(FeePlan.id, FeePlan.effective_from)
                                 .where(FeePlan.estate_id == estate_id).order_by(FeePlan.effective_from)))
    spans: dict[int, tuple[str, str]] = {}
    for i, (plan_id, start) in enumerate(plans):
        end = periods.add_months(plans[i + 1][1], -1) if i + 1 < len(plans) else last
        begins, ends = max(start, first), min(end, last)
        if begins <= ends:
            spans[plan_id] = (begins, ends)
    if not spans:
        return []
    entrances = dict(session.execute(select(FeeItemEntrance.fee_item_id, func.count(FeeItemEntrance.id))
                                      .where(FeeItemEntrance.estate_id == estate_id)
                                      .group_by(FeeItemEntrance.fee_item_id)).all())
    rooms = dict(session.execute(select(FeeItemRoom.fee_item_id, func.count(FeeItemRoom.id))
                                 .where(FeeItemRoom.estate_id == estate_id)
                                 .group_by(FeeItemRoom.fee_item_id)).all())
    items = session.scalars(select(FeeItem).where(FeeItem.fee_plan_id.in_(list(spans)))
                            .order_by(FeeItem.fee_plan_id, FeeItem.position, FeeItem.id))
    order = {plan_id: n for n, (plan_id, _start) in enumerate(plans)}
    out = [{"code": item.code, "name": item.name, "kind": item.kind,
            "rate_fen_per_m2": item.rate_fen_per_m2, "monthly_cost_fen": item.monthly_cost_fen,
            "amount_fen": item.amount_fen, "usages": item.usages.split(",") if item.usages else None,
            "entrances": _int(entrances.get(item.id)),
            "rooms": None if item.all_rooms else _int(rooms.get(item.id)),
            "from": spans[item.fee_plan_id][0], "to": spans[item.fee_plan_id][1],
            "_order": (order[item.fee_plan_id], item.position, item.id)} for item in items]
    out.sort(key=lambda row: row.pop("_order"))
    return out


def _income(session, estate_id: int, first: str, last: str) -> dict[str, Any]:
    """The year's bill lines by item, and the bills' waived and received totals."""
    of_year = (Bill.estate_id == estate_id, Bill.period >= first, Bill.period <= last, Bill.status != "void")
    rows = session.execute(
        select(BillLine.item_code, func.min(BillLine.item_name), func.sum(BillLine.amount_fen),
               func.sum(BillLine.subsidy_fen), func.count(BillLine.id))
        .join(Bill, and_(Bill.id == BillLine.bill_id, Bill.estate_id == BillLine.estate_id))
        .where(BillLine.estate_id == estate_id, *of_year)
        .group_by(BillLine.item_code).order_by(BillLine.item_code))
    items = [{"code": code, "name": name, "billed_fen": _int(billed), "subsidy_fen": _int(subsidy),
              "payable_fen": _int(billed) - _int(subsidy), "lines": _int(lines)}
             for code, name, billed, subsidy, lines in rows]
    bills, waived, paid, months = session.execute(
        select(func.count(Bill.id), func.sum(Bill.waived_fen), func.sum(Bill.paid_fen),
               func.count(func.distinct(Bill.period))).where(*of_year)).one()
    total = {key: sum(row[key] for row in items) for key in ("billed_fen", "subsidy_fen", "payable_fen")}
    total.update(bills=_int(bills), periods=_int(months), waived_fen=_int(waived), received_fen=_int(paid))
    total["collection_percent"] = percent_one_decimal(total["received_fen"],
                                                      total["payable_fen"] - total["waived_fen"])
    for row in items:  # each item's share of what was billed (the chart plots shares, never money)
        row["share_percent"] = percent_one_decimal(row["billed_fen"], total["billed_fen"])
    return {"items": items, "total": total}


def _subsidies(session, estate_id: int, first: str, last: str) -> list[dict[str, Any]]:
    """Per programme: the subsidy on the year's bill lines, and its claims filed for the year's periods."""
    programmes: dict[int, dict[str, Any]] = {}

    def row(program_id: int) -> dict[str, Any]:
        return programmes.setdefault(program_id, {"subsidy_fen": 0, "claimed_fen": 0, "approved_fen": 0,
                                                  "disbursed_fen": 0, "claims": 0})

    for program_id, subsidy in session.execute(
            select(BillLine.program_id, func.sum(BillLine.subsidy_fen))
            .join(Bill, and_(Bill.id == BillLine.bill_id, Bill.estate_id == BillLine.estate_id))
            .where(BillLine.estate_id == estate_id, BillLine.program_id.is_not(None), BillLine.subsidy_fen > 0,
                   Bill.period >= first, Bill.period <= last, Bill.status != "void")
            .group_by(BillLine.program_id)):
        row(program_id)["subsidy_fen"] = _int(subsidy)
    claims = (Claim.estate_id == estate_id, Claim.period >= first, Claim.period <= last, Claim.status.in_(FILED))
    for program_id, n, claimed, approved in session.execute(
            select(Claim.program_id, func.count(Claim.id), func.sum(Claim.total_fen), func.sum(Claim.approved_fen))
            .where(*claims).group_by(Claim.program_id)):
        row(program_id).update(claims=_int(n), claimed_fen=_int(claimed), approved_fen=_int(approved))
    for model, sign in ((Disbursement, 1), (Clawback, -1)):
        for program_id, amount in session.execute(
                select(Claim.program_id, func.sum(model.amount_fen)).join(Claim, Claim.id == model.claim_id)
                .where(*claims).group_by(Claim.program_id)):
            row(program_id)["disbursed_fen"] += sign * _int(amount)
    if not programmes:
        return []
    names = {p.id: (p.code, p.name, p.kind) for p in
             session.scalars(select(Program).where(Program.id.in_(list(programmes))))}
    return sorted(({"program": names[pid][0], "name": names[pid][1], "kind": names[pid][2], **values}
                   for pid, values in programmes.items()), key=lambda r: r["program"])


def _repairs(session, estate_id: int, start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    """Requests submitted in the year (not cancelled) by category, with resolved and SLA outcomes."""
    met, breached = sla_outcome(now)
    rows = session.execute(
        select(Ticket.category, func.count(Ticket.id), _count(Ticket.status.in_(("resolved", "closed"))),
               _count(met), _count(breached))
        .where(Ticket.estate_id == estate_id, Ticket.submitted_at >= start, Ticket.submitted_at < end,
               Ticket.status != "cancelled")
        .group_by(Ticket.category).order_by(func.count(Ticket.id).desc(), Ticket.category))
    categories = [{"category": c, "requests": _int(n), "resolved": _int(done), "sla_met": _int(ok),
                   "sla_breached": _int(bad), "sla_percent": percent_one_decimal(_int(ok), _int(ok) + _int(bad))}
                  for c, n, done, ok, bad in rows]
    total = {key: sum(r[key] for r in categories) for key in ("requests", "resolved", "sla_met", "sla_breached")}
    total["sla_percent"] = percent_one_decimal(total["sla_met"], total["sla_met"] + total["sla_breached"])
    return {"categories": categories, "total": total}


def _works(session, estate_id: int, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
    """Planned works starting in the year, their entrance and whether done, under way, planned or cancelled."""
    tz = clock.timezone()
    out = []
    for work, building, entrance in session.execute(
            select(PlannedWork, Building.code, Entrance.code)
            .join(Entrance, Entrance.id == PlannedWork.entrance_id)
            .join(Building, Building.id == PlannedWork.building_id)
            .where(PlannedWork.estate_id == estate_id, PlannedWork.starts_at >= start, PlannedWork.starts_at < end)
            .order_by(PlannedWork.starts_at, PlannedWork.id)):
        status = ("cancelled" if work.cancelled_at is not None else "done" if work.ends_at <= now
                  else "under_way" if work.starts_at <= now else "planned")
        out.append({"title": work.title, "service": work.service, "building": building, "entrance": entrance,
                    "starts_on": work.starts_at.astimezone(tz).date().isoformat(),
                    "ends_on": work.ends_at.astimezone(tz).date().isoformat(), "status": status})
    return out


def _elevator_upkeep(session, estate_id: int, year: int, today) -> list[dict[str, Any]]:
    """Preventive maintenance and inspection work orders due in the year up to today: due, done, overdue."""
    from datetime import date

    rows = session.execute(
        select(WorkOrder.kind, func.count(WorkOrder.id), _count(WorkOrder.status == "done"),
               _count(WorkOrder.overdue.is_(True)))
        .where(WorkOrder.estate_id == estate_id, WorkOrder.due_on >= date(year, 1, 1),
               WorkOrder.due_on <= min(date(year, 12, 31), today))
        .group_by(WorkOrder.kind).order_by(WorkOrder.kind))
    return [{"kind": kind, "due": _int(n), "done": _int(done), "overdue": _int(late)} for kind, n, done, late in rows]


def _spending(session, estate_id: int, year: int, start: datetime, end: datetime) -> dict[str, Any]:
    """Repairs paid by the property fee and by the maintenance fund, and renovation contracts accepted."""
    from datetime import date

    paid = {payer: {"payer": payer, "requests": _int(n), "amount_fen": _int(amount)} for payer, n, amount in
            session.execute(select(Ticket.payer, func.count(Ticket.id), func.sum(Ticket.amount_fen))
                            .where(Ticket.estate_id == estate_id, Ticket.payer.in_(SPENDING_PAYERS),
                                   Ticket.status.in_(("resolved", "closed")),
                                   Ticket.resolved_at >= start, Ticket.resolved_at < end)
                            .group_by(Ticket.payer))}
    renovation = [{"name": p.name, "contractor": p.contractor, "accepted_on": p.accepted_on.isoformat(),
                   "contract_fen": p.contract_fen} for p in session.scalars(
        select(RenovationProject).where(RenovationProject.estate_id == estate_id,
                                        RenovationProject.accepted_on >= date(year, 1, 1),
                                        RenovationProject.accepted_on <= date(year, 12, 31))
        .order_by(RenovationProject.accepted_on, RenovationProject.name))]
    return {"repairs": [paid.get(p, {"payer": p, "requests": 0, "amount_fen": 0}) for p in SPENDING_PAYERS],
            "renovation": renovation}


def notice_data(session, estate: Estate, year: int, *, now: Optional[datetime] = None) -> dict[str, Any]:
    """Everything the notice shows for `estate` and `year`, as plain JSON-able data (money in fen)."""
    now = now or clock.now()
    today = clock.today(now)
    span = Span(text=str(year), first=f"{year:04d}-01", last=f"{year:04d}-12")
    start, end = span.instants()
    company, district = session.execute(
        select(Company.name, District.name).join(Estate, Estate.company_id == Company.id)
        .join(District, District.id == Estate.district_id).where(Estate.id == estate.id)).one()
    to_date = year == today.year
    spending = _spending(session, estate.id, year, start, end)
    fee_items = _fee_items(session, estate.id, span.first, span.last)
    income = _income(session, estate.id, span.first, span.last)
    # Income in the fee plans' order (the order residents know from their bills), others after.
    order = {code: n for n, code in reversed(list(enumerate(row["code"] for row in fee_items)))}
    income["items"].sort(key=lambda row: (order.get(row["code"], len(order)), row["code"]))
    return {
        "estate": {"code": estate.code, "name": estate.name}, "company": company, "district": district,
        "year": year, "to_date": to_date,
        # The last day the figures cover: today for the current year, else the year's last day.
        "as_of": today.isoformat() if to_date else f"{year:04d}-12-31",
        "fee_items": fee_items,
        "income": income,
        "subsidies": _subsidies(session, estate.id, span.first, span.last),
        "repairs": _repairs(session, estate.id, start, end, now),
        "works": _works(session, estate.id, start, end, now),
        "elevator_upkeep": _elevator_upkeep(session, estate.id, year, today),
        "spending": spending,
        # Repairs the fund paid are what the system knows of the fund's use; the rest is stated
        # as not recorded (the fund is held by the district's housing authority, not the company).
        "maintenance_fund": {"repairs": spending["repairs"][SPENDING_PAYERS.index("fund")],
                             "balance_recorded": False},
        "common_area_income": {"recorded": False},
    }


def has_figures(data: dict[str, Any]) -> bool:
    """Whether the year has anything to publish (a plan in force, bills, requests or works)."""
    return bool(data["fee_items"] or data["income"]["items"] or data["repairs"]["categories"]
                or data["works"] or data["spending"]["renovation"])


# ---- who may read and publish ------------------------------------------------------------------------

def get_estate(session, principal: Principal, code: str) -> Estate:
    """The estate in the caller's scope (404 otherwise), whose notices the caller's role may read."""
    estate = estates.get_estate(session, principal, code)
    permissions.ensure(principal, "public_notice.read")
    return estate


def may_publish(principal: Principal) -> bool:
    """Whether the caller sees the live figures and the publish button (manager, finance)."""
    return permissions.may(principal, "public_notice.publish")


def check_year(year: int, today=None) -> int:
    """422 unless the year is between 2000 and the current one."""
    today = today or clock.today()
    if not FIRST_YEAR <= year <= today.year:
        message = _("Choose a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=today.year)
        raise Invalid(message, fields={"year": [message]})
    return year


def versions(session, estate: Estate, year: Optional[int] = None) -> list[PublicNotice]:
    """The estate's published notices (one year's, or all), newest year and version first."""
    stmt = select(PublicNotice).where(PublicNotice.estate_id == estate.id)
    if year is not None:
        stmt = stmt.where(PublicNotice.year == year)
    return list(session.scalars(stmt.order_by(PublicNotice.year.desc(), PublicNotice.version.desc())))


def published(session, estate: Estate, year: int, version: Optional[int] = None) -> PublicNotice:
    """A published version (the latest when none is named); 404 when there is none."""
    stmt = select(PublicNotice).where(PublicNotice.estate_id == estate.id, PublicNotice.year == year)
    if version is not None:
        stmt = stmt.where(PublicNotice.version == version)
    notice = session.scalars(stmt.order_by(PublicNotice.version.desc()).limit(1)).first()
    if notice is None:
        raise NotFound("public notice not found")
    return notice


def _ensure_publishable(estate: Estate, year: int, data: dict[str, Any]) -> None:
    if not has_figures(data):
        raise Conflict(_("%(estate)s has nothing recorded for %(year)d: no fee plan, bill, repair or work.",
                         estate=estate.name, year=year))


def publish_preview(session, principal: Principal, estate: Estate, year: int) -> dict[str, Any]:
    """What publishing would freeze, for the confirmation step (manager, finance; same refusals)."""
    permissions.ensure(principal, "public_notice.publish")
    data = preview(session, estate, year)
    _ensure_publishable(estate, year, data)
    return data


def publish(session, principal: Principal, estate: Estate, year: int) -> PublicNotice:
    """Freeze the year's figures as the next version (manager, finance; flush only; audit-logged)."""
    permissions.ensure(principal, "public_notice.publish")
    check_year(year)
    now = clock.now()
    data = notice_data(session, estate, year, now=now)
    _ensure_publishable(estate, year, data)
    last = session.scalar(select(func.max(PublicNotice.version))
                          .where(PublicNotice.estate_id == estate.id, PublicNotice.year == year)) or 0
    notice = PublicNotice(estate_id=estate.id, year=year, version=last + 1, data=data, published_at=now,
                          published_by=principal.username)
    session.add(notice)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # someone published the same version a moment before
        raise Conflict(_("Another version was published at the same moment; reload and try again.")) from None
    audit.record(session, actor=principal.username, action=AUDIT_ACTION, object_type="public_notice",
                 object_id=notice.id, estate_id=estate.id,
                 payload={"estate": estate.code, "year": year, "version": notice.version,
                          "billed_fen": data["income"]["total"]["billed_fen"],
                          "received_fen": data["income"]["total"]["received_fen"]})
    return notice


def document(notice: PublicNotice) -> dict[str, Any]:
    """A published version as the page, the PDF and the API show it: its figures and its record."""
    tz = clock.timezone()
    return {**notice.data, "published": True, "version": notice.version,
            "published_at": notice.published_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "published_by": notice.published_by}


def preview(session, estate: Estate, year: int) -> dict[str, Any]:
    """The live figures, marked as not published (a year after the current one: 422)."""
    check_year(year)
    return {**notice_data(session, estate, year), "published": False, "version": None,
            "published_at": None, "published_by": None}


def readable(session, principal: Principal, estate: Estate, year: int, *, version: Optional[int] = None,
             live: bool = False) -> dict[str, Any]:
    """The notice the caller reads: a published version (the latest, or `version`); for managers and
    finance the live figures while none is published, or when they ask (`live`); else 404 — a year
    with nothing published does not exist for its readers."""
    if may_publish(principal) and (live or not versions(session, estate, year)):
        return preview(session, estate, year)
    return document(published(session, estate, year, version))


def file_name(data: dict[str, Any]) -> str:
    """public-notice-YJL-2026-v2.pdf (a preview: …-preview.pdf)."""
    tail = f"v{data['version']}" if data.get("published") else "preview"
    return f"public-notice-{data['estate']['code']}-{data['year']}-{tail}.pdf"


def public_notice_pdf(session, data: dict[str, Any], *, estate: Estate, issued_by: str = "system") -> bytes:
    """The notice as one A4 page (PDF bytes), charts as SVG. A published version is an issued
    document (PDF/A, kept: every later download is the same file); a preview is rendered each time."""
    from pms.documents import services as documents

    if not data.get("published"):
        return render_notice(data)
    ref = documents.DocumentRef("public_notice", f"{estate.code}-{data['year']}-v{data['version']}",
                                documents.reader_variant(), company_id=estate.company_id, estate_id=estate.id)
    return documents.issued_pdf(session, ref, TEMPLATE, lambda: notice_context(data), issued_by=issued_by)


TEMPLATE = "public_notice.html"


def notice_context(data: dict[str, Any]) -> dict[str, Any]:
    """What the template gets: the figures, the words of their codes, the charts."""
    # 330 px: the width of one of the page's two columns, so the charts are drawn at their size.
    return {"n": data, "w": words(), "charts": notice_charts(data, width=330, height=100)}


def render_notice(data: dict[str, Any]) -> bytes:
    """The page rendered now, not kept (a preview)."""
    from pms.core.pdf import render_pdf

    return render_pdf(TEMPLATE, notice_context(data))


# ---- words and charts (rendered in the reader's language; the snapshot holds codes) -------------------

def words() -> dict[str, dict[str, str]]:
    """The labels of the codes a notice holds, in the current language."""
    from flask_babel import lazy_gettext as _l

    from pms.maintenance import rules as maintenance

    return {
        "kinds": {"area": _l("By floor area"), "elevator_share": _l("Elevator share by floor weight"),
                  "fixed": _l("Fixed amount per room")},
        "categories": dict(maintenance.CATEGORIES),
        "services": dict(maintenance.SERVICES),
        "payers": {"common": _l("Repairs paid from the property fee (common parts)"),
                   "fund": _l("Repairs paid from the maintenance fund")},
        "work_status": {"planned": _l("Not started yet"), "under_way": _l("Under way"), "done": _l("Done"),
                        "cancelled": _l("Cancelled")},
        "upkeep": {"maintenance": _l("Elevator maintenance (every 15 days)"),
                   "inspection": _l("Elevator periodic inspection")},
    }


CHART_BARS = 6  # the most frequent repair categories drawn (the table lists them all)


def _fit(label: str, slot: float) -> str:
    """A label cut to fit under its bar (a CJK character ~10 px wide at the charts' 10 px font,
    others ~5.5 px), ending with '…' when cut; the chart's text read out keeps the whole label."""
    width, out = 0.0, ""
    for char in label:
        width += 10 if ord(char) > 0x2E80 else 5.5
        if width > slot - 6:
            return out[:-1] + "…" if out else char
        out += char
    return out


def notice_charts(data: dict[str, Any], *, width: int = 320, height: int = 130) -> dict[str, Any]:
    """The notice's two charts as inline SVG: each item's share of what was billed (a rate: charts
    plot no money) and the repair requests of the most frequent categories."""
    from pms.core import charts

    labels = words()
    items = [row for row in data["income"]["items"] if row["share_percent"] is not None]
    cats = data["repairs"]["categories"][:CHART_BARS]  # by count, most first
    names = [row["name"] for row in items]
    categories = [str(labels["categories"].get(row["category"], row["category"])) for row in cats]
    many = len(data["repairs"]["categories"]) > CHART_BARS
    return {
        "income": charts.bar_chart(
            names, [float(row["share_percent"]) for row in items],
            title=_("Share of the year's billed income by fee item, in per cent"),
            fmt=lambda v: f"{v:.1f}%", width=width, height=height,
            axis_labels=[_fit(n, width / len(names)) for n in names] if names else None),
        "repairs": charts.bar_chart(
            categories, [row["requests"] for row in cats],
            title=_("Repair requests of the %(num)d most frequent categories", num=CHART_BARS) if many
            else _("Repair requests by category"), width=width, height=height,
            axis_labels=[_fit(c, width / len(categories)) for c in categories] if categories else None),
        "repairs_all": not many,
    }


def latest_of_own_estates(session, principal: Principal) -> list[dict[str, Any]]:
    """For a resident's home: each estate of their rooms with its latest published notice's year,
    or None when none is published yet — one query."""
    from pms.core.auth import scoped

    if not permissions.may(principal, "public_notice.read"):
        return []
    latest = (select(PublicNotice.estate_id, func.max(PublicNotice.year).label("year"))
              .group_by(PublicNotice.estate_id).subquery())
    rows = session.execute(scoped(select(Estate.code, Estate.name, latest.c.year)
                                  .outerjoin(latest, latest.c.estate_id == Estate.id), Estate, principal)
                           .order_by(Estate.code).limit(20))
    return [{"estate": code, "name": name, "year": year} for code, name, year in rows]
