"""The subsidy-programme registry: `pms programs create`."""
from sqlalchemy import select

from pms.cli import cli
from pms.core.models import AuditEntry
from pms.subsidies.models import Program


def test_create_program_by_cli(runner, world, app):
    result = runner.invoke(cli, ["programs", "create", "TBB-2026", "先尝后买", "--district", "110112",
                                 "--kind", "property_service", "--budget-fen", "5000000"])
    assert result.exit_code == 0, result.output
    assert "TBB-2026" in result.output
    from pms.core.db import unit_of_work
    with app.app_context(), unit_of_work() as s:
        program = s.scalar(select(Program).where(Program.code == "TBB-2026"))
        assert (program.name, program.kind, program.budget_fen, program.district_id) == \
            ("先尝后买", "property_service", 5000000, world.tongzhou.id)
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "program.create"))
        assert audit is not None and audit.object_id == str(program.id)


def test_duplicate_and_invalid_programs_fail(runner, world):
    args = ["programs", "create", "TBB", "x", "--district", "110112", "--kind", "elevator"]
    assert runner.invoke(cli, args).exit_code == 0
    again = runner.invoke(cli, args)
    assert again.exit_code == 1 and "already exists" in again.output
    unknown = runner.invoke(cli, ["programs", "create", "P2", "x", "--district", "999999",
                                  "--kind", "elevator"])
    assert unknown.exit_code == 1 and "district" in unknown.output
    negative = runner.invoke(cli, ["programs", "create", "P3", "x", "--district", "110112",
                                   "--kind", "elevator", "--budget-fen", "-1"])
    assert negative.exit_code == 1 and "budget_fen" in negative.output
    bad_kind = runner.invoke(cli, ["programs", "create", "P4", "x", "--district", "110112",
                                   "--kind", "party"])
    assert bad_kind.exit_code == 2


def test_a_programme_for_any_beijing_district_before_its_estates_exist(runner, app):
    """Districts are the national division codes: 东城 (110101) is known with no estate in it."""
    result = runner.invoke(cli, ["programs", "create", "DC-2027", "东城适老", "--district", "110101",
                                 "--kind", "eldercare"])
    assert result.exit_code == 0, result.output
    from pms.core.db import unit_of_work
    from pms.estates.models import District
    with app.app_context(), unit_of_work() as s:
        program = s.scalar(select(Program).where(Program.code == "DC-2027"))
        assert s.get(District, program.district_id).name == "东城区"


def test_the_cli_prints_what_it_printed_before(runner, world):
    args = ["programs", "create", "TBB", "x", "--district", "110112", "--kind", "elevator"]
    assert runner.invoke(args=args).output == "programme TBB created (id 1)\n"
    assert runner.invoke(args=args).output == "Programme TBB already exists.\n"
