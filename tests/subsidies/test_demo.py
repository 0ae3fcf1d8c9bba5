"""The subsidies demo step through `pms demo load`: the programme's budget, period and
allocations; a claim reviewed (a line rejected, one partly approved) and paid by a second officer;
a claim awaiting review whose findings trip three rules (an owner of two flats, a bill voided
after the claim, the allocation passed); the elevator programme's claim on the inspection
certificate recorded by the maintenance demo; the ledger and audit chain intact; the officers can
log in."""
from sqlalchemy import func, select

from pms.core.db import get_session
from pms.maintenance.models import EquipmentCertificate
from pms.subsidies.models import Claim, ClaimFinding, ClaimLine, Disbursement, Program, ProgramAllocation
from tests.factories import bearer


def test_the_demo_claims_tell_the_officer_s_story(app, client, runner, clock):
    result = runner.invoke(args=["demo", "load", "--households", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "officer2" in result.output and "demo-officer-2026" in result.output
    with app.app_context():
        s = get_session()
        program = s.scalar(select(Program).where(Program.kind == "property_service"))
        assert program.budget_fen > 0 and program.period_from and program.period_to
        allocated = s.scalar(select(func.sum(ProgramAllocation.amount_fen))
                             .where(ProgramAllocation.program_id == program.id))
        assert 0 < allocated <= program.budget_fen
        first, second = s.scalars(select(Claim).where(Claim.program_id == program.id).order_by(Claim.id)).all()
        statuses = {line.status for line in s.scalars(select(ClaimLine).where(ClaimLine.claim_id == first.id))}
        assert first.status == "partly_approved" and {"approved", "rejected", "partly_approved"} <= statuses
        paid = s.scalar(select(Disbursement).where(Disbursement.claim_id == first.id))
        assert paid.amount_fen == first.approved_fen and paid.recorded_by != first.reviewed_by
        assert second.status == "submitted" and second.period > first.period
        rules = set(s.scalars(select(ClaimFinding.rule).where(ClaimFinding.claim_id == second.id,
                                                             ClaimFinding.cleared_at.is_(None))))
        assert {"bill_void", "same_person", "over_allocation"} <= rules
        # The elevator programme pays its amount per elevator on the one certificate recorded.
        lift = s.scalar(select(Program).where(Program.kind == "elevator"))
        certificate = s.scalar(select(EquipmentCertificate))
        elevator_claim = s.scalar(select(Claim).where(Claim.program_id == lift.id))
        line = s.scalar(select(ClaimLine).where(ClaimLine.claim_id == elevator_claim.id))
        assert (line.evidence_type, line.evidence_id, line.amount_fen, line.room_id) == \
            ("certificate", certificate.id, lift.unit_fen, None)
        assert elevator_claim.status == "submitted" and elevator_claim.total_fen == lift.unit_fen
        assert not s.scalar(select(func.count(ClaimFinding.id)).where(ClaimFinding.claim_id == elevator_claim.id,
                                                                      ClaimFinding.cleared_at.is_(None)))
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "FAIL" not in verify.output, verify.output
    for officer, password in (("officer", "demo-officer-2026"), ("officer2", "demo-officer2-2026")):
        headers = bearer(client, officer, password)
        assert client.get(f"/api/v1/claims/{second.id}", headers=headers).status_code == 200
