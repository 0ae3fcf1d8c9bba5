"""Anomaly checks on claims: what an auditor asks about every line, as queries over the evidence.

`check_claim` runs when a claim is built, when it is submitted and every night (jobs/subsidies.py);
it stores what it finds in `claim_finding` (one row per rule and line), clears what no longer
holds and reopens what holds again. A finding stays open until it clears or an officer dismisses
it with a reason. The rules (`line` None: about the whole claim):

- `same_person`: an owner of the line's room (by ID number) also owns another room whose
  subsidy of the same period and programme kind is on a live claim line — one household, two
  subsidies (across estates and programmes);
- `missing_evidence`: a visit line whose visit lacks its check-in, check-out or confirmation; a
  certificate or work line whose certificate or renovation project is gone or of another estate
  (or, for a work, has no contract amount any more);
- `ineligible_elder`: the elder was in no category the service's subsidy pays for on the visit's
  date (the rules as data, from the exact birthday);
- `vacant_room`: a bill line's room has no owner and no resident of record;
- `outside_period`: the line's date (the visit's day; a bill line's period; a certificate's issue
  day; a work's acceptance day) is outside the claim's period or the programme's period;
- `subsidy_above_line`: the claimed amount is larger than the line it offsets (the bill line, the
  visit's price, a work's contract amount);
- `same_elevator`: an elevator with two certificates on live lines (of any claims of elevator
  programmes) — one elevator paid twice (the same certificate twice the database refuses);
- `over_allocation` / `over_budget`: the programme's live claims pass the estate's allocation or
  the programme's budget (budgeted programmes only);
- `idle_money`: approved and not (fully) paid 60 days after the review;
- `bill_void`, `amount_changed`: the evidence changed after it was claimed (for a certificate or a
  work: what the programme's rule gives now); `unverified_visit`
  (checked in without the home code), `short_visit` (shorter than the service's minimum).

The same evidence on two live lines is not a finding: the database refuses it
(`ux_claim_line_live_evidence`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import String, and_, func, insert, select

from pms.billing.models import Bill, BillLine
from pms.core import audit, clock, periods
from pms.core.auth import Principal, get_in_scope
from pms.core.db import is_sqlite, utcnow
from pms.core.sql import InIds
from pms.core.errors import Conflict, Invalid
from pms.eldercare import rules as care_rules
from pms.eldercare.models import CareService, Elder, Visit
from pms.estates.models import Ownership, Person, Residency
from pms.maintenance.models import EquipmentCertificate, RenovationProject
from pms.subsidies import permissions
from pms.subsidies.services.evidence import work_amount
from pms.subsidies.models import LIVE, Claim, ClaimFinding, ClaimLine, Disbursement, Program, ProgramAllocation

IDLE_AFTER = timedelta(days=60)


@dataclass(frozen=True)
class Finding:
    rule: str
    line: Optional[int]
    detail: str


def find(session, claim: Claim) -> list[Finding]:
    """Every rule over the claim's lines and their evidence as they are now."""
    return find_many(session, [claim])[claim.id]


def find_many(session, claims: list[Claim]) -> dict[int, list[Finding]]:
    """Every rule over many claims at once ({claim id: findings}): each rule is one query over all
    their lines, so the nightly check of a district's month is a handful of statements."""
    if not claims:
        return {}
    programs = {p.id: p for p in session.scalars(select(Program).where(
        Program.id.in_({c.program_id for c in claims})))}
    by_id = {c.id: c for c in claims}
    found: dict[int, list[Finding]] = {c.id: [] for c in claims}
    for claim_id, finding in _line_findings(session, by_id, programs):
        found[claim_id].append(finding)
    for claim_id, finding in _same_person(session, by_id, programs):
        found[claim_id].append(finding)
    for claim_id, finding in _same_elevator(session, by_id):
        found[claim_id].append(finding)
    for claim_id, finding in _money_findings(session, by_id, programs):
        found[claim_id].append(finding)
    return found


def _line_findings(session, claims: dict[int, Claim], programs: dict[int, Program]) -> list[tuple[int, Finding]]:
    found: list[tuple[int, Finding]] = []
    bounds = {c.id: (periods.first_day(c.period), periods.last_day(c.period)) for c in claims.values()}
    allowance_rules, service_subsidies = care_rules.shipped_rules()
    ownerless = ~select(Ownership.id).where(Ownership.room_id == ClaimLine.room_id).exists()
    residentless = ~select(Residency.id).where(Residency.room_id == ClaimLine.room_id).exists()
    cert = and_(ClaimLine.evidence_type == "certificate", EquipmentCertificate.id == ClaimLine.evidence_id)
    work = and_(ClaimLine.evidence_type == "work", RenovationProject.id == ClaimLine.evidence_id)
    rows = session.execute(
        select(ClaimLine.id, ClaimLine.claim_id, ClaimLine.evidence_type, ClaimLine.amount_fen,
               ClaimLine.estate_id.label("line_estate"), EquipmentCertificate.id.label("cert_id"),
               EquipmentCertificate.issued_on, EquipmentCertificate.estate_id.label("cert_estate"),
               RenovationProject.id.label("work_id"), RenovationProject.accepted_on,
               RenovationProject.estate_id.label("work_estate"), RenovationProject.contract_fen,
               Bill.status.label("bill_status"),
               Bill.period, BillLine.amount_fen.label("line_fen"), BillLine.subsidy_fen.label("line_subsidy"),
               Visit.status.label("visit_status"), Visit.date.label("visit_date"), Visit.price_fen,
               Visit.subsidy_fen.label("visit_subsidy"), Visit.verified, Visit.checked_in_at, Visit.checked_out_at,
               Visit.confirmed_at, CareService.kind, CareService.min_minutes, Elder.birth_date, Elder.hardship,
               Elder.disability_tier, and_(ownerless, residentless).label("vacant"))
        .outerjoin(BillLine, BillLine.id == ClaimLine.bill_line_id).outerjoin(Bill, Bill.id == BillLine.bill_id)
        .outerjoin(EquipmentCertificate, cert).outerjoin(RenovationProject, work)
        .outerjoin(Visit, Visit.id == ClaimLine.visit_id).outerjoin(CareService, CareService.id == Visit.service_id)
        .outerjoin(Elder, Elder.id == Visit.elder_id)
        .where(InIds(ClaimLine.claim_id, sorted(claims))).order_by(ClaimLine.id)).all()
    period_days: dict[str, tuple[date, date]] = {}
    for r in rows:
        visit = r.evidence_type == "visit"
        claim = claims[r.claim_id]
        program = programs[claim.program_id]
        first, last = bounds[claim.id]

        def add(rule: str, detail: str, r=r) -> None:
            found.append((r.claim_id, Finding(rule, r.id, detail)))

        if r.evidence_type in ("certificate", "work"):
            _unbilled_findings(r, claim, program, first, last, add)
            continue
        if r.bill_status == "void":
            add("bill_void", _("The bill of this line was voided."))
        now_fen = r.visit_subsidy if visit else r.line_subsidy
        if now_fen != r.amount_fen:
            add("amount_changed", _("Claimed %(claimed)s fen; the evidence now says %(now)s fen.",
                                    claimed=r.amount_fen, now=now_fen or 0))
        offsets = r.price_fen if visit else r.line_fen
        if r.amount_fen > (offsets or 0):
            add("subsidy_above_line", _("Claimed %(claimed)s fen on a line of %(line)s fen.",
                                        claimed=r.amount_fen, line=offsets or 0))
        if visit:
            day_first, day_last = r.visit_date, r.visit_date
        else:
            if r.period not in period_days:
                period_days[r.period] = (periods.first_day(r.period), periods.last_day(r.period))
            day_first, day_last = period_days[r.period]
        if day_first < first or day_last > last:
            add("outside_period", _("Dated %(day)s, outside the claim's period %(period)s.",
                                    day=r.visit_date if visit else r.period, period=claim.period))
        elif (program.period_from and day_last < program.period_from) or \
                (program.period_to and day_first > program.period_to):
            add("outside_period", _("Dated %(day)s, outside the programme's period %(start)s – %(end)s.",
                                    day=r.visit_date if visit else r.period, start=program.period_from or "…",
                                    end=program.period_to or "…"))
        if r.evidence_type == "bill_line":
            if r.vacant:
                add("vacant_room", _("The room has no owner and no resident of record."))
            continue
        if r.visit_status != "confirmed" or not (r.checked_in_at and r.checked_out_at and r.confirmed_at):
            add("missing_evidence", _("The visit lacks its check-in, check-out or confirmation."))
        if not r.verified:
            add("unverified_visit", _("The visit was checked in without the home code."))
        if r.checked_in_at and r.checked_out_at and r.min_minutes:
            minutes = int((r.checked_out_at - r.checked_in_at).total_seconds() // 60)
            if minutes < r.min_minutes:
                add("short_visit", _("%(minutes)d minutes, shorter than the service's minimum of %(min)d.",
                                     minutes=minutes, min=r.min_minutes))
        if r.birth_date is not None:
            codes = [a.code for a in care_rules.allowances_on(
                r.visit_date, birth_date=r.birth_date, hardship=r.hardship, disability_tier=r.disability_tier,
                rules=allowance_rules)]
            if care_rules.service_subsidy_on(service_subsidies, r.kind, r.visit_date, codes) <= 0:
                add("ineligible_elder", _("On %(day)s the elder was in no category this service's subsidy pays for.",
                                          day=r.visit_date))
    return found


def _unbilled_findings(r, claim: Claim, program: Program, first: date, last: date, add) -> None:
    """The rules of a certificate or work line (no bill, no room): its evidence is there and the
    estate's, dated in the periods, and worth what the programme's rule gives for it now."""
    if r.evidence_type == "certificate":
        present, estate_id, day = r.cert_id is not None, r.cert_estate, r.issued_on
        now_fen = program.unit_fen
        if not present or estate_id != r.line_estate:
            add("missing_evidence", _("The inspection certificate of this line is not on record for the estate."))
            return
    else:
        present, estate_id, day = r.work_id is not None, r.work_estate, r.accepted_on
        if not present or estate_id != r.line_estate or r.contract_fen is None:
            add("missing_evidence", _("The renovation project of this line, accepted and with its contract amount, "
                                      "is not on record for the estate."))
            return
        now_fen = work_amount(r.contract_fen, program.percent) if program.percent is not None else None
        if r.amount_fen > r.contract_fen:
            add("subsidy_above_line", _("Claimed %(claimed)s fen on works of %(line)s fen.",
                                        claimed=r.amount_fen, line=r.contract_fen))
    if now_fen is not None and now_fen != r.amount_fen:
        add("amount_changed", _("Claimed %(claimed)s fen; the evidence now says %(now)s fen.",
                                claimed=r.amount_fen, now=now_fen))
    if day < first or day > last:
        add("outside_period", _("Dated %(day)s, outside the claim's period %(period)s.", day=day, period=claim.period))
    elif (program.period_from and day < program.period_from) or (program.period_to and day > program.period_to):
        add("outside_period", _("Dated %(day)s, outside the programme's period %(start)s – %(end)s.",
                                day=day, start=program.period_from or "…", end=program.period_to or "…"))


def _same_elevator(session, claims: dict[int, Claim]) -> list[tuple[int, Finding]]:
    """Certificate lines of these claims whose elevator has another certificate on a live line of
    an elevator programme's claim (two statements: these lines' elevators, then those elevators'
    live certificate lines)."""
    mine = session.execute(
        select(ClaimLine.id, ClaimLine.claim_id, EquipmentCertificate.equipment_id)
        .join(EquipmentCertificate, EquipmentCertificate.id == ClaimLine.evidence_id)
        .where(InIds(ClaimLine.claim_id, sorted(claims)), ClaimLine.evidence_type == "certificate", LIVE)).all()
    if not mine:
        return []
    claimed: dict[int, set[tuple[int, int]]] = {}
    for line_id, claim_id, equipment_id in session.execute(
            select(ClaimLine.id, ClaimLine.claim_id, EquipmentCertificate.equipment_id)
            .join(EquipmentCertificate, EquipmentCertificate.id == ClaimLine.evidence_id)
            .join(Claim, and_(Claim.id == ClaimLine.claim_id, Claim.estate_id == ClaimLine.estate_id))
            .join(Program, Program.id == Claim.program_id)
            .where(ClaimLine.evidence_type == "certificate", LIVE, Program.kind == "elevator",
                   EquipmentCertificate.equipment_id.in_(sorted({m.equipment_id for m in mine})))):
        claimed.setdefault(equipment_id, set()).add((line_id, claim_id))
    found = []
    for line_id, claim_id, equipment_id in mine:
        elsewhere = sorted({c for other, c in claimed.get(equipment_id, set()) if other != line_id})
        if elsewhere:
            found.append((claim_id, Finding("same_elevator", line_id, _(
                "This elevator is claimed on another certificate too (claims %(ids)s).",
                ids=", ".join(f"#{i}" for i in elsewhere)))))
    return found


def _same_person(session, claims: dict[int, Claim], programs: dict[int, Program]) -> list[tuple[int, Finding]]:
    """Owners (by ID number) of these claims' bill-line rooms who own another room subsidised in the
    same period by a programme of the same kind, on a live line of any claim."""
    mine = session.execute(
        select(ClaimLine.id, ClaimLine.claim_id, ClaimLine.room_id, Person.id_number)
        .join(Ownership, Ownership.room_id == ClaimLine.room_id).join(Person, Person.id == Ownership.person_id)
        .where(InIds(ClaimLine.claim_id, sorted(claims)), ClaimLine.evidence_type == "bill_line", LIVE,
               Person.id_number.is_not(None), Person.id_number != "")).all()
    if not mine:
        return []
    numbers = sorted({m.id_number for m in mine})
    # Two indexed steps (the people's rooms by ID number, then those rooms' live lines) rather
    # than one join the planner may start from the whole period's lines.
    numbers_of_room: dict[int, set[str]] = {}
    step = 5000 if is_sqlite(session) else len(numbers)  # PostgreSQL: one array bind for them all
    for start in range(0, len(numbers), step):
        for room_id, number in session.execute(
                select(Ownership.room_id, Person.id_number).join(Person, Person.id == Ownership.person_id)
                .where(InIds(Person.id_number, numbers[start:start + step], type_=String))):
            numbers_of_room.setdefault(room_id, set()).add(number)
    # (number, period, kind) → {(room, claim)}: where each person's rooms are claimed.
    claimed: dict[tuple[str, str, str], set[tuple[int, int]]] = {}
    for room_id, claim_id, period, kind in session.execute(
            select(ClaimLine.room_id, Claim.id, Claim.period, Program.kind)
            .join(Claim, and_(Claim.id == ClaimLine.claim_id, Claim.estate_id == ClaimLine.estate_id))
            .join(Program, Program.id == Claim.program_id)
            .where(InIds(ClaimLine.room_id, sorted(numbers_of_room)), ClaimLine.evidence_type == "bill_line", LIVE)):
        for number in numbers_of_room[room_id]:
            claimed.setdefault((number, period, kind), set()).add((room_id, claim_id))
    found = []
    for line_id, claim_id, room_id, number in mine:
        claim = claims[claim_id]
        places = claimed.get((number, claim.period, programs[claim.program_id].kind), set())
        elsewhere = sorted({c for r, c in places if r != room_id})
        if elsewhere:
            found.append((claim_id, Finding("same_person", line_id, _(
                "An owner of this room (ID number ending %(tail)s) owns another room subsidised for %(period)s "
                "(claims %(ids)s).", tail=number[-4:], period=claim.period,
                ids=", ".join(f"#{i}" for i in elsewhere)))))
    return found


def _money_findings(session, claims: dict[int, Claim], programs: dict[int, Program]) -> list[tuple[int, Finding]]:
    """Budget, allocation and idle money: three grouped sums for all the claims at once."""
    found: list[tuple[int, Finding]] = []
    budgeted = sorted(p.id for p in programs.values() if p.budget_fen is not None)
    by_estate: dict[tuple[int, int], int] = {}
    allocated: dict[tuple[int, int], int] = {}
    if budgeted:
        by_estate = {(program_id, estate_id): fen for program_id, estate_id, fen in session.execute(
            select(Claim.program_id, Claim.estate_id, func.sum(ClaimLine.amount_fen))
            .join(Claim, and_(Claim.id == ClaimLine.claim_id, Claim.estate_id == ClaimLine.estate_id))
            .where(InIds(Claim.program_id, budgeted), LIVE).group_by(Claim.program_id, Claim.estate_id))}
        allocated = {(program_id, estate_id): fen for program_id, estate_id, fen in session.execute(
            select(ProgramAllocation.program_id, ProgramAllocation.estate_id, func.sum(ProgramAllocation.amount_fen))
            .where(InIds(ProgramAllocation.program_id, budgeted))
            .group_by(ProgramAllocation.program_id, ProgramAllocation.estate_id))}
    by_program: dict[int, int] = {}
    for (program_id, _estate), fen in by_estate.items():
        by_program[program_id] = by_program.get(program_id, 0) + fen
    now = clock.now()
    idle = [c.id for c in claims.values() if c.status in ("approved", "partly_approved")
            and c.reviewed_at is not None and now - c.reviewed_at >= IDLE_AFTER]
    paid = dict(session.execute(select(Disbursement.claim_id, func.sum(Disbursement.amount_fen))
                                .where(InIds(Disbursement.claim_id, idle)).group_by(Disbursement.claim_id)).all()) \
        if idle else {}
    for claim in claims.values():
        program = programs[claim.program_id]
        if program.budget_fen is not None:
            claimed = by_program.get(program.id, 0)
            if claimed > program.budget_fen:
                found.append((claim.id, Finding("over_budget", None, _(
                    "The programme's claims (%(claimed)s fen) exceed its budget (%(budget)s fen).",
                    claimed=claimed, budget=program.budget_fen))))
            of_estate = by_estate.get((program.id, claim.estate_id), 0)
            given = allocated.get((program.id, claim.estate_id), 0)
            if of_estate > given:
                found.append((claim.id, Finding("over_allocation", None, _(
                    "The estate's claims on this programme (%(claimed)s fen) exceed its allocation (%(allocated)s fen).",
                    claimed=of_estate, allocated=given))))
        if claim.id in idle and paid.get(claim.id, 0) < claim.approved_fen:
            found.append((claim.id, Finding("idle_money", None, _(
                "%(left)s fen approved %(days)d days ago is not paid.", left=claim.approved_fen - paid.get(claim.id, 0),
                days=(now - claim.reviewed_at).days))))
    return found


def check_claim(session, claim: Claim) -> int:
    """Run every rule on one claim and store the result (`check_claims`); its open findings."""
    return check_claims(session, [claim])


def check_claims(session, claims: list[Claim]) -> int:
    """Run every rule and store the result: new findings added, ones that hold again reopened,
    ones that no longer hold cleared (dismissed ones stay dismissed). The number of open findings."""
    if not claims:
        return 0
    now = utcnow()
    found = find_many(session, claims)
    stored: dict[int, dict[tuple[str, int], ClaimFinding]] = {c.id: {} for c in claims}
    for row in session.scalars(select(ClaimFinding).where(InIds(ClaimFinding.claim_id, [c.id for c in claims]))):
        stored[row.claim_id][(row.rule, row.line_key)] = row
    new_rows, still_open = [], 0
    for claim in claims:
        current = {(f.rule, f.line or 0): f for f in found[claim.id]}
        mine = stored[claim.id]
        for key, finding in current.items():
            row = mine.get(key)
            if row is None:
                new_rows.append(dict(claim_id=claim.id, estate_id=claim.estate_id, rule=finding.rule, line_key=key[1],
                                     detail=finding.detail[:500], found_at=now, dismissal_reason=""))
                still_open += 1
            else:
                if row.detail != finding.detail[:500] or row.cleared_at is not None:
                    row.detail, row.cleared_at = finding.detail[:500], None
                still_open += row.dismissed_at is None
        for key, row in mine.items():
            if key not in current and row.cleared_at is None:
                row.cleared_at = now
    session.flush()
    if new_rows:
        session.execute(insert(ClaimFinding.__table__), new_rows)
    return still_open


def open_findings(session, claim: Claim) -> list[ClaimFinding]:
    """The claim's findings that still hold and nobody dismissed, in the order found."""
    return list(session.scalars(select(ClaimFinding).where(
        ClaimFinding.claim_id == claim.id, ClaimFinding.cleared_at.is_(None),
        ClaimFinding.dismissed_at.is_(None)).order_by(ClaimFinding.id)))


def all_findings(session, claim: Claim) -> list[ClaimFinding]:
    """Every finding of the claim, open, cleared or dismissed (the page's history)."""
    return list(session.scalars(select(ClaimFinding).where(ClaimFinding.claim_id == claim.id)
                                .order_by(ClaimFinding.id)))


def dismiss(session, principal: Principal, claim_id: int, finding_id: int, reason: str) -> ClaimFinding:
    """An officer accepts a finding as explained; never without a reason."""
    from pms.subsidies.services.claims import get_claim

    claim = get_claim(session, principal, claim_id, for_update=True)
    permissions.ensure(principal, "finding.dismiss")
    finding = get_in_scope(session, ClaimFinding, ClaimFinding.id == finding_id, ClaimFinding.claim_id == claim.id,
                           principal=principal)
    if finding.dismissed_at is not None:
        raise Conflict(_("This finding was already dismissed by %(who)s.", who=finding.dismissed_by))
    if not (reason or "").strip():
        raise Invalid(_("The finding cannot be dismissed."), fields={"reason": [_("Say why it is not a problem.")]})
    finding.dismissed_by, finding.dismissed_at, finding.dismissal_reason = principal.username, utcnow(), reason.strip()
    session.flush()
    audit.record(session, actor=principal.username, action="claim.finding.dismiss", object_type="claim_finding",
                 object_id=finding.id, estate_id=claim.estate_id,
                 payload={"claim": claim.id, "rule": finding.rule, "line": finding.line_key or None,
                          "reason": finding.dismissal_reason})
    return finding
