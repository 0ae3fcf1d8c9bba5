"""The CLI speaks the terminal's language."""
from pms.core.i18n import locale_from_environment


def test_locale_from_environment():
    assert locale_from_environment({}) == "en"
    assert locale_from_environment({"LANG": "C.UTF-8"}) == "en"
    assert locale_from_environment({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert locale_from_environment({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"


def test_cli_message_in_chinese_under_a_chinese_terminal(runner, world):
    result = runner.invoke(args=["companies", "create", "ACME", "又一家"], lang="zh_CN")
    assert result.exit_code == 1
    assert "ACME" in result.output and "已存在" in result.output
    result = runner.invoke(args=["companies", "create", "ACME", "又一家"])
    assert "already exists" in result.output
