"""Each domain's main command speaks Chinese under a Chinese terminal (LANG=zh_CN.UTF-8).

The runner gives the command the locale `pms.cli.main` derives from LANG (the first test proves
that wiring on the real console-script entry point). Each test asserts Chinese in the command's
own summary or refusal line, and that the English text is gone.
"""
import re

import pytest

from pms.core.i18n import locale_from_environment

CHINESE = locale_from_environment({"LANG": "zh_CN.UTF-8"})
HAN = re.compile(r"[\u4e00-\u9fff]")


def _line(output: str, english: str, chinese_marker: str) -> str:
    """The output line that holds `chinese_marker` (a value, e.g. a username), asserted Chinese."""
    assert english not in output, output
    line = next((ln for ln in output.splitlines() if chinese_marker in ln), output)
    assert HAN.search(line), output
    return line


def test_the_console_script_takes_the_language_from_lang(monkeypatch):
    import pms.cli
    from pms.core import i18n

    seen = []
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setattr(pms.cli, "cli", lambda **_kw: seen.append(i18n._outside_request_locale))
    pms.cli.main()
    assert seen == ["zh_CN"] == [CHINESE]


def test_accounts_users_create(runner, world):
    result = runner.invoke(args=["users", "create", "wang", "--role", "manager", "--company", "ACME",
                                 "--password-stdin"], input="long-enough-pw\n", lang=CHINESE)
    assert result.exit_code == 0, result.output
    _line(result.output, "created", "wang")
    refused = runner.invoke(args=["users", "unlock", "nobody"], lang=CHINESE)
    assert refused.exit_code == 1
    _line(refused.output, "no user", "nobody")


def test_maintenance_generate_plans(runner, world):
    result = runner.invoke(args=["maintenance", "generate-plans", "--today", "2026-03-02"], lang=CHINESE)
    assert result.exit_code == 0, result.output
    _line(result.output, "new work order", "0")


def test_statements_print(runner, world, tmp_path):
    result = runner.invoke(args=["statements", "print", "--estate", "YJL", "--period", "2026-01",
                                 "--out", str(tmp_path)], lang=CHINESE)
    assert result.exit_code == 1
    _line(result.output, "no bills for estate", "YJL")


def test_subsidies_programs_create(runner, world):
    result = runner.invoke(args=["programs", "create", "TBB-2026", "先尝后买", "--district", "110112",
                                 "--kind", "property_service"], lang=CHINESE)
    assert result.exit_code == 0, result.output
    _line(result.output, "created", "TBB-2026")


def test_notifications_outbox_send(runner, world, app):
    app.config["SMTP_URL"] = ""
    result = runner.invoke(args=["outbox", "send", "--once"], lang=CHINESE)
    _line(result.output, "to retry", "0")


def test_demo_load(runner, world):
    result = runner.invoke(args=["demo", "load", "--if-empty"], lang=CHINESE)
    assert result.exit_code == 0, result.output
    _line(result.output, "the demo was not loaded", "")


def test_estates_companies_create(runner, world):
    result = runner.invoke(args=["companies", "create", "NEWCO", "新公司"], lang=CHINESE)
    assert result.exit_code == 0, result.output
    _line(result.output, "created", "NEWCO")


@pytest.mark.parametrize("args, english", [
    (["billing", "run", "--period", "2026-03"], "bills created"),
    (["late-fees", "accrue", "--through", "2026-03-01"], "accrued"),
])
def test_billing_runs(runner, world, args, english):
    result = runner.invoke(args=args, lang=CHINESE)
    assert result.exit_code == 0, result.output
    _line(result.output, english, "2026-03")
