"""Auditors of any district of the reference data (GB/T 2260), before any of its estates exists."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pms.accounts import services
from pms.accounts.models import User
from pms.core.db import get_session
from pms.core.errors import Invalid
from pms.estates.models import District, Estate
from tests.factories import bearer

PASSWORD = "Gulou-dongdajie-1953"  # long, uncommon, without the username


def _create(runner, username, district):
    return runner.invoke(args=["users", "create", username, "--role", "auditor", "--district", district,
                               "--password-stdin"], input=PASSWORD + "\n")


def test_an_auditor_of_dongcheng_before_any_estate(app, runner):
    result = _create(runner, "aud", "110101")
    assert result.exit_code == 0, result.output
    assert "user aud (auditor) created" in result.output
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(Estate)) == 0
        user = session.scalar(select(User).where(User.username == "aud"))
        district = session.get(District, user.district_id)
        assert (district.code, district.name) == ("110101", "东城区")
    # In scope: every estate of 东城区, which is none yet.
    client = app.test_client()
    estates = client.get("/api/v1/estates", headers=bearer(client, "aud", PASSWORD))
    assert estates.status_code == 200
    assert estates.get_json()["items"] == []


@pytest.mark.parametrize("code", ["999999", "110000", "1101"])
def test_a_code_that_is_no_district_is_refused_naming_the_field(app, runner, code):
    result = _create(runner, "aud", code)
    assert result.exit_code == 1
    assert f"district: Unknown district {code}." in result.output
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(District)) == 0


def test_two_auditors_of_one_district_share_its_row(app, db):
    first = services.create_user(db, username="aud1", password=PASSWORD, role="auditor", district_code="110105")
    second = services.create_user(db, username="aud2", password=PASSWORD, role="auditor", district_code="110105")
    assert first.district_id == second.district_id
    assert db.scalar(select(func.count()).select_from(District)) == 1


def test_the_service_names_the_field(app, db):
    with pytest.raises(Invalid) as exc_info:
        services.create_user(db, username="aud", password=PASSWORD, role="auditor", district_code="999999")
    assert exc_info.value.fields == {"district": ["Unknown district 999999."]}
