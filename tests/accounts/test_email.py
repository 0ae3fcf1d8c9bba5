"""An account's e-mail address (where the outbox sends its mail), set when it is created."""
from sqlalchemy import select

from pms.accounts.models import User
from pms.cli import cli
from pms.core.db import get_session


def test_users_create_with_an_email(app, world, runner):
    result = runner.invoke(cli, ["users", "create", "wang", "--role", "manager", "--company", "ACME",
                                 "--email", " wang@anju.example.cn ", "--password-stdin"],
                           input="long-enough-pw\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert get_session().scalar(select(User.email).where(User.username == "wang")) == "wang@anju.example.cn"


def test_a_mistyped_email_is_refused_by_name(app, world, runner):
    result = runner.invoke(cli, ["users", "create", "li", "--role", "manager", "--company", "ACME",
                                 "--email", "li.anju.example.cn", "--password-stdin"], input="long-enough-pw\n")
    assert result.exit_code == 1 and "email" in result.output
    with app.app_context():
        assert get_session().scalar(select(User.id).where(User.username == "li")) is None


def test_no_email_is_stored_as_none(app, world):
    with app.app_context():
        assert get_session().scalar(select(User.email).where(User.username == "manager")) is None
