"""POST /api/v1/programs/{code}/allocations and `pms programs allocate`: the budget rule with
hand-computed numbers, the estate of the programme's district, the audit trail."""
import pytest
from sqlalchemy import select

from pms.core.models import AuditEntry
from pms.subsidies.models import ProgramAllocation


def _left(api, code="TZ-1"):
    return api.get("officer", f"/api/v1/programs/{code}").get_json()["unallocated_fen"]


def test_allocations_up_to_the_budget_and_not_one_fen_more(api, programmes, db):
    # budget 100000: 60000 + 40000 = 100000 fits exactly; 1 more is refused, saying 0 is left
    first = api.allocate("officer", "TZ-1", "YJL", 60000)
    assert first.status_code == 201
    assert first.get_json()["unallocated_fen"] == 40000
    assert (first.get_json()["program"], first.get_json()["estate"], first.get_json()["created_by"]) == \
        ("TZ-1", "YJL", "officer")
    second = api.allocate("officer", "TZ-1", "YJL", 40000)
    assert second.status_code == 201 and second.get_json()["unallocated_fen"] == 0
    third = api.allocate("officer", "TZ-1", "YJL", 1)
    assert third.status_code == 422
    assert third.get_json()["error"]["fields"] == {
        "amount_fen": ["Above the budget: 0 fen (¥0.00) left to allocate."]}
    assert _left(api) == 0
    assert [a.amount_fen for a in db.scalars(select(ProgramAllocation).order_by(ProgramAllocation.id))] == \
        [60000, 40000]


def test_the_refusal_says_what_is_left(api, programmes):
    assert api.allocate("officer", "TZ-1", "YJL", 99950).status_code == 201
    reply = api.allocate("officer", "TZ-1", "YJL", 51)
    assert reply.get_json()["error"]["fields"]["amount_fen"] == ["Above the budget: 50 fen (¥0.50) left to allocate."]
    assert api.allocate("officer", "TZ-1", "YJL", 50).status_code == 201


@pytest.mark.parametrize("amount", [0, -5, 10**13 + 1, "100", 1.5, True, None])
def test_amounts_are_whole_positive_fen(api, programmes, amount):
    reply = api.allocate("officer", "TZ-1", "YJL", amount)
    assert reply.status_code == 422 and list(reply.get_json()["error"]["fields"]) == ["amount_fen"]


@pytest.mark.parametrize("estate", ["HXY", "NOPE", ""])
def test_an_estate_outside_the_programme_s_district_is_422_on_estate(api, programmes, estate):
    # HXY exists (朝阳), NOPE does not: one answer for both, never telling which
    reply = api.allocate("officer", "TZ-1", estate, 100)
    assert reply.status_code == 422
    assert list(reply.get_json()["error"]["fields"]) == ["estate"]
    # the platform sees every estate, and still only the district's may be allocated to
    assert api.allocate("admin", "TZ-1", "HXY", 100).status_code == 422
    assert _left(api) == 100000


def test_a_programme_without_a_budget_allocates_nothing(api, world, runner):
    assert runner.invoke(args=["programs", "create", "NB", "x", "--district", "110112",
                               "--kind", "elevator"]).exit_code == 0
    reply = api.allocate("officer", "NB", "YJL", 1)
    assert reply.status_code == 422
    assert reply.get_json()["error"]["fields"] == {"amount_fen": ["Programme NB has no budget to allocate from."]}


def test_every_allocation_is_audited(api, programmes, db):
    api.allocate("officer", "TZ-1", "YJL", 60000)
    api.allocate("officer", "TZ-1", "YJL", 60000)  # refused: nothing recorded
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "program.allocate")).all()
    assert len(entries) == 1
    entry = entries[0]
    allocation = db.scalar(select(ProgramAllocation))
    assert (entry.actor, entry.object_type, entry.object_id, entry.estate_id) == \
        ("officer", "program_allocation", str(allocation.id), allocation.estate_id)
    assert '"left_fen": 40000' in entry.payload and '"amount_fen": 60000' in entry.payload


def test_cli_allocates_as_the_platform(api, programmes, runner, db):
    result = runner.invoke(args=["programs", "allocate", "TZ-1", "--estate", "YJL", "--amount-fen", "60000"])
    assert result.exit_code == 0, result.output
    assert "60000 fen of TZ-1 to YJL; 40000 fen left" in result.output
    over = runner.invoke(args=["programs", "allocate", "TZ-1", "--estate", "YJL", "--amount-fen", "40001"])
    assert over.exit_code == 1 and "amount_fen: Above the budget: 40000 fen" in over.output
    outside = runner.invoke(args=["programs", "allocate", "TZ-1", "--estate", "HXY", "--amount-fen", "1"])
    assert outside.exit_code == 1 and "estate:" in outside.output
    unknown = runner.invoke(args=["programs", "allocate", "NOPE", "--estate", "YJL", "--amount-fen", "1"])
    assert unknown.exit_code == 1
    db.rollback()
    assert db.scalar(select(AuditEntry.actor).where(AuditEntry.action == "program.allocate")) == "system"
    assert _left(api) == 40000


def test_audit_verify_passes_after_allocations(api, programmes, runner):
    api.allocate("officer", "TZ-1", "YJL", 100)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
