"""Configuration from PMS_* variables."""
import pytest

from pms.config import ConfigError, load_config


def test_defaults_to_sqlite_under_instance():
    config = load_config({})
    assert config["DATABASE_URL"].startswith("sqlite:///") and config["DATABASE_URL"].endswith("pms.sqlite3")
    assert config["TIMEZONE"] == "Asia/Shanghai"
    assert config["BABEL_DEFAULT_LOCALE"] == "zh_CN"


def test_unknown_key_is_an_error():
    with pytest.raises(ConfigError, match="PMS_DATABSE_URL"):
        load_config({"PMS_DATABSE_URL": "sqlite://"})


def test_production_needs_a_secret_key():
    with pytest.raises(ConfigError, match="PMS_SECRET_KEY"):
        load_config({"PMS_ENV": "production"})
    config = load_config({"PMS_ENV": "production", "PMS_SECRET_KEY": "s3cret"})
    assert config["SECRET_KEY"] == "s3cret" and config["SESSION_COOKIE_SECURE"] is True


def test_the_test_suites_day_is_a_known_key():
    """PMS_TEST_TODAY is read by tests/conftest.py; the app accepts it and ignores it."""
    assert load_config({"PMS_TEST_TODAY": "2026-12-31"})["PMS_ENV"] == "development"


def test_other_environment_variables_are_ignored():
    assert load_config({"PATH": "/bin", "PMSX": "1"})["PMS_ENV"] == "development"


def test_timezone_and_database_from_environment():
    config = load_config({"PMS_DATABASE_URL": "postgresql+psycopg://x/y", "PMS_TIMEZONE": "UTC"})
    assert config["DATABASE_URL"] == "postgresql+psycopg://x/y" and config["TIMEZONE"] == "UTC"


def test_app_refuses_unknown_key(monkeypatch):
    from pms import create_app

    monkeypatch.setenv("PMS_SECRETKEY", "typo")
    with pytest.raises(ConfigError):
        create_app()
