"""Who may register a subsidy programme and build claims: the one permission table
(pms/subsidies/permissions.py).

Today only the platform does (`pms programs create`, tests/subsidies/test_programs.py); the
service refuses every other role by the same table, before any check of the input."""
import pytest
from sqlalchemy import select

from pms.core.auth import ROLES, Principal, Scope, system_principal
from pms.core.errors import Forbidden
from pms.subsidies import services
from pms.subsidies.models import Program
from pms.subsidies.permissions import PERMISSIONS, may


def _principal(role: str) -> Principal:
    return Principal(user_id=1, username=role, role=role, scope=Scope(all_estates=True))


def test_only_the_platform_registers_programmes():
    assert [role for role in ROLES if may(_principal(role), "program.create")] == ["admin"]
    assert may(system_principal(), "program.create")


def test_the_company_builds_and_submits_claims_and_auditors_read_them():
    """The claim rows of the table, role by role (tests/subsidies/test_claims.py checks each role
    against a real claim, someone else's included)."""
    allowed = {action: [role for role in ROLES if may(_principal(role), action)]
               for action in PERMISSIONS if action.startswith("claim.")}
    assert allowed == {"claim.create": ["admin", "manager", "finance"],
                       "claim.submit": ["admin", "manager", "finance"],
                       "claim.read": ["admin", "manager", "finance", "auditor"]}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_the_service_follows_the_table(db, role):
    with pytest.raises(Forbidden):
        services.create_program(db, "TBB", "x", district_code="110112", kind="elevator",
                                principal=_principal(role))
    assert db.scalar(select(Program).where(Program.code == "TBB")) is None
