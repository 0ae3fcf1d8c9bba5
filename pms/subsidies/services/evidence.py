"""Evidence that is no bill (pms/subsidies/README.md, "Evidence that is no bill"): elevators'
inspection certificates and completed renovation works, what a programme pays on them, which of
them a claim of a period takes, and what the claim page shows of them. `claims.build_claim` adds
these lines to the bill lines and visits it takes itself."""
from __future__ import annotations

from sqlalchemy import select

from pms.core import periods
from pms.core.money import divide_half_up
from pms.core.sql import InIds
from pms.estates.models import Building, Entrance, Estate
from pms.maintenance.models import Equipment, EquipmentCertificate, RenovationProject
from pms.subsidies.models import LIVE, Claim, ClaimLine, Program


def pays_on_evidence(program: Program) -> bool:
    """Whether the programme pays by a rule on certificates or works (no bill behind them): an
    elevator programme with its amount per elevator, a renovation programme with its percent."""
    return (program.kind == "elevator" and bool(program.unit_fen)) or \
        (program.kind == "renovation" and bool(program.percent))


def work_amount(contract_fen: int, percent: int) -> int:
    """The programme's percent of a project's contract amount, rounded half-up to the fen."""
    return divide_half_up(contract_fen * percent, 100)


def certificate_evidence(session, program: Program, estate: Estate, period: str) -> list[dict]:
    """Elevators of the estate certified in the period and not yet paid by this programme: the
    first certificate of the month of each not on a live line (of any programme), for the
    programme's amount per elevator."""
    if program.kind != "elevator" or not program.unit_fen:
        return []
    earlier = EquipmentCertificate.__table__.alias("earlier")
    paid = (select(ClaimLine.id).join(Claim, Claim.id == ClaimLine.claim_id)
            .join(earlier, earlier.c.id == ClaimLine.evidence_id)
            .where(ClaimLine.evidence_type == "certificate", LIVE, Claim.program_id == program.id,
                   earlier.c.equipment_id == EquipmentCertificate.equipment_id).exists())
    taken = select(ClaimLine.id).where(ClaimLine.evidence_type == "certificate",
                                       ClaimLine.evidence_id == EquipmentCertificate.id, LIVE).exists()
    rows = session.execute(
        select(EquipmentCertificate.id, EquipmentCertificate.equipment_id)
        .where(EquipmentCertificate.estate_id == estate.id,
               EquipmentCertificate.issued_on.between(periods.first_day(period), periods.last_day(period)),
               ~taken, ~paid)
        .order_by(EquipmentCertificate.equipment_id, EquipmentCertificate.issued_on, EquipmentCertificate.id)).all()
    first: dict[int, int] = {}
    for certificate_id, equipment_id in rows:
        first.setdefault(equipment_id, certificate_id)
    return [dict(evidence_type="certificate", evidence_id=c, visit_id=None, bill_line_id=None, room_id=None,
                 amount_fen=program.unit_fen) for c in first.values()]


def work_evidence(session, program: Program, estate: Estate, period: str) -> list[dict]:
    """Renovation projects of the estate accepted in the period with their contract amount, not on
    a live line: the programme's percent of that amount."""
    if program.kind != "renovation" or not program.percent:
        return []
    live = select(ClaimLine.id).where(ClaimLine.evidence_type == "work",
                                      ClaimLine.evidence_id == RenovationProject.id, LIVE).exists()
    rows = session.execute(
        select(RenovationProject.id, RenovationProject.contract_fen)
        .where(RenovationProject.estate_id == estate.id, RenovationProject.contract_fen.is_not(None),
               RenovationProject.accepted_on.between(periods.first_day(period), periods.last_day(period)), ~live)
        .order_by(RenovationProject.accepted_on, RenovationProject.id)).all()
    return [dict(evidence_type="work", evidence_id=r.id, visit_id=None, bill_line_id=None, room_id=None,
                 amount_fen=work_amount(r.contract_fen, program.percent))
            for r in rows if work_amount(r.contract_fen, program.percent) > 0]


def certificates(session, ids: list[int]) -> dict[int, dict]:
    """The certificates behind certificate lines, with their elevator (one query)."""
    if not ids:
        return {}
    rows = session.execute(
        select(EquipmentCertificate, Equipment.registration_number, Estate.code, Building.code, Entrance.code)
        .join(Equipment, Equipment.id == EquipmentCertificate.equipment_id)
        .join(Estate, Estate.id == Equipment.estate_id).join(Building, Building.id == Equipment.building_id)
        .join(Entrance, Entrance.id == Equipment.entrance_id).where(InIds(EquipmentCertificate.id, ids)))
    return {c.id: {"id": c.id, "number": c.number, "issued_on": c.issued_on.isoformat(), "issuer": c.issuer,
                   "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                   "equipment": {"id": c.equipment_id, "registration_number": registration,
                                 "place": f"{estate}-{building}-{entrance}"}}
            for c, registration, estate, building, entrance in rows}


def works(session, ids: list[int], estate_code: str) -> dict[int, dict]:
    """The renovation projects behind work lines (one query)."""
    if not ids:
        return {}
    return {p.id: {"id": p.id, "name": p.name, "contractor": p.contractor, "accepted_on": p.accepted_on.isoformat(),
                   "contract_fen": p.contract_fen, "estate": estate_code}
            for p in session.scalars(select(RenovationProject).where(InIds(RenovationProject.id, ids)))}
