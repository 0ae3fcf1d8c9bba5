"""Who may do what with subsidy programmes and claims: the one permission table
(pms/subsidies/permissions.py), and the services following it before any check of the input."""
import pytest
from sqlalchemy import select

from pms.core.auth import ROLES, Principal, Scope, system_principal
from pms.core.errors import Forbidden
from pms.subsidies import services
from pms.subsidies.models import Program
from pms.subsidies.permissions import DESK_ROLES, PERMISSIONS, may


def _principal(role: str) -> Principal:
    return Principal(user_id=1, username=role, role=role, scope=Scope(all_estates=role == "admin"))


def _who(action: str) -> list[str]:
    return [role for role in ROLES if may(_principal(role), action)]


def test_the_table():
    assert _who("program.create") == ["admin", "officer"]
    assert _who("program.choose_district") == ["admin"]
    assert _who("program.read") == ["admin", "manager", "finance", "technician", "care_worker", "auditor", "officer"]
    assert _who("program.browse") == ["admin", "auditor", "officer"]
    assert _who("allocation.create") == ["admin", "officer"]
    assert _who("claim.create") == ["admin", "manager", "finance"]
    assert _who("claim.submit") == ["admin", "manager", "finance"]
    assert _who("claim.read") == ["admin", "manager", "finance", "auditor", "officer"]
    for action in ("claim.review", "claim.disburse", "claim.clawback", "finding.dismiss"):
        assert _who(action) == ["admin", "officer"]
    assert set(PERMISSIONS) == {"program.create", "program.choose_district", "program.read", "program.browse",
                                "allocation.create", "claim.create", "claim.submit", "claim.read", "claim.review",
                                "claim.disburse", "claim.clawback", "finding.dismiss"}
    assert DESK_ROLES == ("officer",)
    assert may(system_principal(), "program.create") and may(system_principal(), "allocation.create")


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("admin", "officer")])
def test_the_create_service_follows_the_table(db, role):
    with pytest.raises(Forbidden):
        services.create_program(db, "TBB", "x", district_code="110112", kind="elevator",
                                principal=_principal(role))
    assert db.scalar(select(Program).where(Program.code == "TBB")) is None


@pytest.mark.parametrize("role", ["resident"])
def test_roles_without_programmes_read_none(db, role):
    with pytest.raises(Forbidden):
        services.programs.list_programs(db, _principal(role))
    with pytest.raises(Forbidden):
        services.programs.get_program(db, _principal(role), "TBB")
