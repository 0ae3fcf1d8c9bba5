"""`pms companies create`, `pms registry import` and `pms users create`: output and exit codes."""
from __future__ import annotations

from sqlalchemy import select

from pms.accounts.models import User, UserRoom
from pms.cli import cli
from pms.core.db import get_session
from pms.estates.models import Company, Room
from tests.estates.registry_files import BASE, counts, csv_bytes, rows, xlsx_bytes


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def table_counts(app):
    with app.app_context():
        return counts(get_session())


def test_companies_create(app, runner):
    result = runner.invoke(cli, args=["companies", "create", "DEMO", "安居物业"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        company = get_session().scalar(select(Company).where(Company.code == "DEMO"))
        assert company.name == "安居物业"
    again = runner.invoke(cli, args=["companies", "create", "DEMO", "另一家"])
    assert again.exit_code == 1
    assert "DEMO already exists" in again.output


def test_registry_import_success_then_unchanged(app, world, runner, tmp_path):
    path = write(tmp_path, "reg.csv", csv_bytes(rows(r2={"floor": "5"})))
    result = runner.invoke(cli, args=["registry", "import", path, "--company", "ACME"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["warning: row 4, floor: Room 601 is normally on floor 6, not 5.",
                                          "created 4, updated 0, unchanged 0"]
    before = table_counts(app)
    again = runner.invoke(cli, args=["registry", "import", path, "--company", "ACME"])
    assert again.exit_code == 0
    assert again.output.splitlines()[-1] == "created 0, updated 0, unchanged 4"
    assert table_counts(app) == {**before, "audit_entry": before["audit_entry"] + 1}


def test_registry_import_errors_exit_1_and_write_nothing(app, world, runner, tmp_path):
    data = rows(r0={"area_m2": "-1"}, r1={"owner_id_number": "110105194912310021"}) + [dict(BASE[3])]
    path = write(tmp_path, "bad.csv", csv_bytes(data))
    before = table_counts(app)
    result = runner.invoke(cli, args=["registry", "import", path, "--company", "ACME"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "row 2, area_m2: Must be greater than 0.",
        "row 3, owner_id_number: The check digit is wrong (GB 11643).",
        "row 6, room: Room NEW-2-1-201 already appears in row 5.",
        "3 error(s); nothing was imported",
    ]
    assert table_counts(app) == before


def test_registry_import_dry_run(app, world, runner, tmp_path):
    path = write(tmp_path, "reg.xlsx", xlsx_bytes([[r[c] for c in r] for r in BASE]))
    before = table_counts(app)
    result = runner.invoke(cli, args=["registry", "import", path, "--company", "ACME", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["created 4, updated 0, unchanged 0 (dry run: nothing was written)"]
    assert table_counts(app) == before


def test_registry_import_refuses_a_file_over_the_limit(app, world, runner, tmp_path):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    data = csv_bytes(BASE)
    path = write(tmp_path, "big.csv", data + b"," * (1536 * 1024 - len(data)))
    before = table_counts(app)
    result = runner.invoke(cli, args=["registry", "import", path, "--company", "ACME"])
    assert result.exit_code == 1
    assert result.output.splitlines() == ["The file is 1.5 MB; the limit is 1 MB."]
    assert table_counts(app) == before


def test_registry_import_unknown_company_and_foreign_estate(app, world, runner, tmp_path):
    path = write(tmp_path, "reg.csv", csv_bytes(BASE))
    result = runner.invoke(cli, args=["registry", "import", path, "--company", "NOPE"])
    assert (result.exit_code, result.output.strip()) == (1, "unknown company NOPE")
    # The estate NEW now belongs to ACME: OTHER may not import into it.
    assert runner.invoke(cli, args=["registry", "import", path, "--company", "ACME"]).exit_code == 0
    result = runner.invoke(cli, args=["registry", "import", path, "--company", "OTHER"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [f"row {n}, estate_code: Estate NEW belongs to another company."
                                              for n in (2, 3, 4, 5)]


def test_registry_import_of_a_non_utf8_file(app, world, runner, tmp_path):
    path = write(tmp_path, "gbk.csv", csv_bytes(BASE, encoding="gbk"))
    result = runner.invoke(cli, args=["registry", "import", path, "--company", "ACME"])
    assert result.exit_code == 1
    assert result.output.startswith("row 2: The file is neither UTF-8 text nor an XLSX workbook.")


def test_users_create_reads_the_password_from_stdin(app, world, runner):
    result = runner.invoke(cli, args=["users", "create", "frontdesk", "--role", "finance", "--company", "ACME",
                                 "--password-stdin"], input="long-enough-pw\n")
    assert result.exit_code == 0, result.output
    resident = runner.invoke(cli, args=["users", "create", "zhang", "--role", "resident", "--room", "YJL-3-2-501",
                                   "--room", "YJL-3-2-502", "--password-stdin"], input="long-enough-pw\n")
    assert resident.exit_code == 0, resident.output
    auditor = runner.invoke(cli, args=["users", "create", "audit2", "--role", "auditor", "--district", "110112",
                                  "--password-stdin"], input="long-enough-pw\n")
    assert auditor.exit_code == 0, auditor.output
    with app.app_context():
        session = get_session()
        user = session.scalar(select(User).where(User.username == "frontdesk"))
        assert (user.role, user.company_id) == ("finance", world.acme.id)
        rooms = session.scalars(select(Room.code).join(UserRoom, UserRoom.room_id == Room.id)
                                .join(User, User.id == UserRoom.user_id).where(User.username == "zhang"))
        assert sorted(rooms) == ["YJL-3-2-501", "YJL-3-2-502"]
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "frontdesk", "password": "long-enough-pw"})
    assert token.status_code == 200


def test_users_create_errors(app, world, runner):
    short = runner.invoke(cli, args=["users", "create", "x", "--role", "manager", "--company", "ACME",
                                "--password-stdin"], input="short\n")
    assert short.exit_code == 1
    assert "password: At least 10 characters." in short.output
    taken = runner.invoke(cli, args=["users", "create", "manager", "--role", "manager", "--company", "ACME",
                                "--password-stdin"], input="long-enough-pw\n")
    assert taken.exit_code == 1
    no_room = runner.invoke(cli, args=["users", "create", "r2", "--role", "resident", "--room", "YJL-9-9-999",
                                  "--password-stdin"], input="long-enough-pw\n")
    assert no_room.exit_code == 1
    assert "room: Unknown room YJL-9-9-999." in no_room.output
    no_flag = runner.invoke(cli, args=["users", "create", "r3", "--role", "admin"], input="long-enough-pw\n")
    assert no_flag.exit_code == 2
