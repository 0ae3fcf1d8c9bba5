"""`may("<domain>.<action>")` in templates reads the domains' permissions.py tables."""
from __future__ import annotations

import re

import pytest

from pms.config import PROJECT_ROOT
from pms.core.auth import Principal, Scope, may_do
from tests.permission_matrix import ROLE, may_by

_MAY = re.compile(r"""may\(\s*['"]([a-z_]+)\.([a-z_.]+)['"]\s*\)""")


def _principal(role: str) -> Principal:
    return Principal(user_id=1, username=role, role=role, scope=Scope())


def test_every_may_in_a_template_names_a_real_action(app):
    """A typo in a template's may(...) would hide a menu entry from everyone: fail here instead."""
    from pms import domain_module

    used = {m for path in (PROJECT_ROOT / "templates").rglob("*.html") for m in _MAY.findall(path.read_text())}
    assert ("billing", "run.read") in used
    for domain, action in used:
        table = domain_module(domain, "permissions").PERMISSIONS
        assert action in table, (domain, action)
        for user in ROLE:
            assert may_do(_principal(ROLE[user]), f"{domain}.{action}") == may_by(table, user, action)


def test_anonymous_may_nothing_and_unknown_actions_fail_loudly(app):
    assert may_do(None, "billing.run.read") is False
    with pytest.raises(KeyError):
        may_do(_principal("admin"), "billing.no.such")
    with pytest.raises(KeyError):
        may_do(_principal("admin"), "nosuchdomain.run.read")
