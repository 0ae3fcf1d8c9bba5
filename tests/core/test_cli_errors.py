"""One way for every command to report a service's refusal (pms.core.cli)."""
import click
import pytest
from click.testing import CliRunner

from pms.core.cli import field_lines, row_line, service_errors
from pms.core.errors import Invalid, NotFound


def test_row_line_shapes():
    assert row_line(None, None, "Not a number.") == "Not a number."
    assert row_line(None, "area", "Not a number.") == "area: Not a number."
    assert row_line(3, "area", "Not a number.") == "row 3, area: Not a number."
    assert row_line(3, None, "Duplicate room.") == "row 3: Duplicate room."


def test_field_lines_one_per_message_rows_named():
    fields = {"password": ["At least 10 characters.", "Too common."], "lines.2.code": ["Unknown code."],
              "_schema": ["Give exactly one."], "5.phone": "Not a phone number."}
    assert field_lines(fields) == ["password: At least 10 characters.", "password: Too common.",
                                   "row 2, lines.code: Unknown code.", "Give exactly one.",
                                   "row 5, phone: Not a phone number."]


def _command(error):
    @click.command()
    def command():
        with service_errors():
            click.echo("before")
            if error is not None:
                raise error
        click.echo("after")
    return command


def test_a_refusal_goes_to_stderr_with_exit_1(app):
    with app.app_context():
        result = CliRunner().invoke(_command(Invalid("Some fields are invalid.",
                                                     fields={"period": ["Not a period (YYYY-MM)."]})))
    assert result.exit_code == 1
    assert result.stdout == "before\n"
    assert result.stderr == "Some fields are invalid.\n  period: Not a period (YYYY-MM).\n"


def test_no_refusal_no_noise(app):
    with app.app_context():
        result = CliRunner().invoke(_command(None))
    assert result.exit_code == 0 and result.stdout == "before\nafter\n" and result.stderr == ""


def test_other_errors_are_not_swallowed(app):
    with app.app_context():
        result = CliRunner().invoke(_command(KeyError("bug")))
    assert result.exit_code == 1 and isinstance(result.exception, KeyError)


@pytest.mark.parametrize("error", [NotFound("no user nobody")])
def test_message_only(app, error):
    with app.app_context():
        result = CliRunner().invoke(_command(error))
    assert result.exit_code == 1 and result.stderr == "no user nobody\n"
