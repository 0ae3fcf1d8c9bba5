"""Subsidies demo: the district's 先尝后买 programme gets its budget, period and allocations; the
first estate's two closed periods are claimed — the older one reviewed (one line rejected, one
partly approved) and paid by a second officer, the newer one submitted and awaiting review with
three findings for the officer: one owner (by ID number) holding two subsidised flats (the
registry's, `pms.demo.loader.TWO_FLATS`), a claimed bill voided afterwards by a credit note, and
claims beyond the estate's allocation. And the district's elevator programme (加装电梯补贴, a fixed
amount per elevator certified): the first estate's claim on the inspection certificate the
maintenance demo records, submitted and awaiting review.

Runs after billing (the claims stand on its bills) and maintenance (the certificate); flush only,
once.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from pms.accounts.models import User
from pms.accounts.services import build_principal
from pms.billing.models import Bill, BillLine
from pms.core import periods
from pms.billing.services.credit_notes import issue_credit_note
from pms.estates.models import District, Estate
from pms.maintenance.models import EquipmentCertificate
from pms.subsidies.models import Claim, ClaimLine, Program
from pms.subsidies.services import allocations, claims, findings, programs, reviews

ORDER = 80  # after billing (10), elder care (60) and maintenance (70)
# 加装电梯补贴: what the district pays per elevator whose inspection certificate is issued.
ELEVATOR_UNIT_FEN = 24_000_000


def _principal(session, ctx, username: str):
    return build_principal(session, session.get(User, ctx.users[username].id))


def _subsidy_by_estate(session, program: Program, period_list: list[str]) -> dict[int, int]:
    return dict(session.execute(
        select(BillLine.estate_id, func.sum(BillLine.subsidy_fen)).join(Bill, Bill.id == BillLine.bill_id)
        .where(BillLine.program_id == program.id, Bill.period.in_(period_list)).group_by(BillLine.estate_id)).all())


def seed(session, ctx) -> None:
    """Budget, allocations, two property-service claims and an elevator claim of the first estate
    (flush only; once)."""
    if not ctx.estates or not {"finance", "officer", "officer2"} <= set(ctx.users) \
            or session.scalar(select(Claim.id).limit(1)) is not None:
        return
    estate = session.get(Estate, ctx.estates[0].id)
    district = session.get(District, estate.district_id)
    _property_service_claims(session, ctx, estate, district)
    _elevator_claim(session, ctx, estate, district)


def _elevator_claim(session, ctx, estate: Estate, district: District) -> None:
    """The elevator programme and the first estate's claim on its certificate (the maintenance demo's)."""
    certificate = session.scalar(select(EquipmentCertificate).where(EquipmentCertificate.estate_id == estate.id)
                                 .order_by(EquipmentCertificate.issued_on.desc()))
    if certificate is None:
        return
    year = certificate.issued_on.year
    program = programs.create_program(
        session, f"DT-{district.code}-{year}", "既有多层住宅加装电梯补贴", district_code=district.code, kind="elevator",
        budget_fen=ELEVATOR_UNIT_FEN * 20, period_from=periods.first_day(f"{year}-01"),
        period_to=periods.last_day(f"{year}-12"), unit_fen=ELEVATOR_UNIT_FEN, actor="demo")
    officer, finance = (_principal(session, ctx, u) for u in ("officer", "finance"))
    allocations.allocate(session, officer, program.code, estate.code, ELEVATOR_UNIT_FEN * 4)
    claim = claims.build_claim(session, finance, program=program.code, estate=estate.code,
                               period=periods.period_of(certificate.issued_on))
    claims.submit_claim(session, finance, claim.id)
    if hasattr(ctx, "note"):
        ctx.note(f"subsidies: {program.code} pays {ELEVATOR_UNIT_FEN // 100} yuan per elevator certified, "
                 f"claim #{claim.id} on certificate {certificate.number} (awaiting review)")


def _property_service_claims(session, ctx, estate: Estate, district: District) -> None:
    """The 先尝后买 programme's budget and allocations; an older claim reviewed and paid, a newer one
    awaiting review with its three findings."""
    current = periods.period_of(ctx.today)
    older, newer = periods.add_months(current, -2), periods.add_months(current, -1)
    program = session.scalar(select(Program).where(Program.code == f"TBB-{district.code}-{older[:4]}"))
    if program is None:
        return
    billed = _subsidy_by_estate(session, program, [older, newer, current])
    if not billed:
        return
    # The programme runs the four months of the taper from the first billed period.
    program.period_from = periods.first_day(older)
    program.period_to = periods.first_day(periods.add_months(older, 4)) - timedelta(days=1)
    program.budget_fen = -(-sum(billed.values()) * 2 // 1_000_000) * 1_000_000  # whole 10,000 yuan
    session.flush()
    officer, second, finance = (_principal(session, ctx, u) for u in ("officer", "officer2", "finance"))
    older_claims = _subsidy_by_estate(session, program, [older])
    for estate_id, fen in sorted(billed.items()):
        code = session.scalar(select(Estate.code).where(Estate.id == estate_id))
        # The first estate was allocated too little: its newer claim goes beyond it (a finding).
        amount = older_claims.get(estate_id, 0) + 100_000 if estate_id == estate.id else -(-fen // 10_000) * 10_000
        allocations.allocate(session, officer, program.code, code, amount)

    first = claims.build_claim(session, finance, program=program.code, estate=estate.code, period=older)
    claims.submit_claim(session, finance, first.id)
    lines = claims.claim_view(session, first).lines
    decisions = [{"id": line.id, "approved_fen": line.amount_fen, "reason": ""} for line in lines]
    if len(decisions) >= 3:
        decisions[1] = {"id": lines[1].id, "approved_fen": 0, "reason": "该户当月已办理房屋过户，补贴资格待核实"}
        decisions[2] = {"id": lines[2].id, "approved_fen": lines[2].amount_fen // 2,
                        "reason": "车库面积不计入补贴面积，按住宅部分核定"}
    reviewed = reviews.review_claim(session, officer, first.id, decisions)
    if reviewed.approved_fen:
        reviews.disburse(session, second, first.id, amount_fen=reviewed.approved_fen, paid_on=ctx.today,
                         reference=f"GKZF-{older.replace('-', '')}-{estate.code}")

    # The newer claim: built and submitted; then a bill on it is cancelled by a credit note for
    # its whole amount (a billing error found by the front desk), so the bill is void and the
    # officer sees it — beside the owner of two flats (loader.TWO_FLATS) and the allocation.
    second_claim = claims.build_claim(session, finance, program=program.code, estate=estate.code, period=newer)
    claims.submit_claim(session, finance, second_claim.id)
    open_bill = session.execute(
        select(Bill.number, Bill.payable_fen).join(BillLine, BillLine.bill_id == Bill.id)
        .join(ClaimLine, ClaimLine.bill_line_id == BillLine.id)
        .where(ClaimLine.claim_id == second_claim.id, Bill.status == "open", Bill.paid_fen == 0,
               Bill.waived_fen == 0).order_by(Bill.number).limit(1)).first()
    if open_bill is not None:
        issue_credit_note(session, finance, open_bill.number, amount_fen=open_bill.payable_fen,
                          reason="房屋面积登记错误，本期账单作废重开")
        findings.check_claim(session, session.get(Claim, second_claim.id))
    if hasattr(ctx, "note"):
        ctx.note(f"subsidies: {program.code} budget {program.budget_fen // 100} yuan, claims #{first.id} "
                 f"({older}, reviewed and paid) and #{second_claim.id} ({newer}, awaiting review)")
