"""Fixtures: one fresh database per test run (SQLite file or a new PostgreSQL database),
migrated with Alembic, emptied after every test."""
from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pms import create_app, import_models
from pms.core import clock as business_clock
from pms.core import periods
from pms.core.db import make_engine, metadata
from pms.core.migrate import upgrade
from tests.browser_support import browser, live_server, phone  # noqa: F401  (shared fixtures)

# Every log line of the run is searched for phones, ID numbers and passwords when it ends.
pytest_plugins = ["tests.log_audit"]

# PMS_TEST_TODAY=YYYY-MM-DD runs every test on that business day (10:00 in Beijing), so a date
# that breaks a rule (the last day of a month, 29 February) can be tried on any day.
TEST_TODAY_KEY = "PMS_TEST_TODAY"


def _test_today() -> date | None:
    text = os.environ.get(TEST_TODAY_KEY)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(f"{TEST_TODAY_KEY} must be a date (YYYY-MM-DD), not {text!r}") from None


TEST_TODAY = _test_today()

# Tests never read a developer's PMS_* settings except the test database and day (kept in the
# environment: xdist workers start after this module has run in the controller).
for _key in [k for k in os.environ
             if k.startswith("PMS_") and k not in {"PMS_TEST_DATABASE_URL", TEST_TODAY_KEY}]:
    del os.environ[_key]


def _create_postgres_database(base_url: str) -> tuple[str, callable]:
    url = make_url(base_url)
    name = f"pms_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh, migrated database for this test run (per xdist worker)."""
    base = os.environ.get("PMS_TEST_DATABASE_URL")
    if base:
        url, drop = _create_postgres_database(base)
    else:
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}", (lambda: None)
    upgrade(url)
    yield url
    drop()


@pytest.fixture(scope="session")
def _engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _empty_all_tables(engine) -> None:
    import_models()
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        # DELETE (children first) beats TRUNCATE on a test's few rows: TRUNCATE replaces every
        # table's files (~1 s a test on PostgreSQL here). Ids start at 1 again (SQLite reuses rowids by itself).
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        if engine.dialect.name == "postgresql":
            sequences = conn.execute(text(
                "SELECT sequence_schema || '.' || sequence_name FROM information_schema.sequences")).scalars()
            for sequence in sequences:
                conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture
def app(database_url, _engine, tmp_path):
    """The app on the test database; every table is emptied after the test."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "INSTANCE_DIR": str(tmp_path / "instance"), "PMS_ENV": "testing",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      # The login throttle per address would make tests that log in often flaky;
                      # tests/accounts/test_throttle.py turns it on for itself.
                      "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["pms_engine"].dispose()
    _empty_all_tables(_engine)


@pytest.fixture(autouse=True)
def _business_day():
    """Real time, or PMS_TEST_TODAY at 10:00 in Beijing (time runs on); always real time after."""
    if TEST_TODAY is not None:
        business_clock.set_today(TEST_TODAY, hour=10)
    yield
    business_clock.reset()


class Clock:
    """The business clock (`pms.core.clock`) as a test sees it: frozen, set and advanced at will."""

    START = datetime(2026, 3, 2, 1, 0, 0, tzinfo=timezone.utc)  # 09:00 on 2 March in Beijing

    def __init__(self, start: datetime = START):
        self.set(start)

    @property
    def value(self) -> datetime:
        return business_clock.now()

    def __call__(self) -> datetime:
        return self.value

    def set(self, instant: datetime) -> None:
        business_clock.set_now(instant, frozen=True)

    def set_today(self, day: date, hour: int = 10) -> None:
        """`hour`:00 on `day` in Beijing."""
        business_clock.set_today(day, hour, frozen=True)

    def advance(self, delta: timedelta | None = None, **units) -> None:
        business_clock.advance(delta, **units)

    def today(self) -> date:
        return periods.today()

    def period(self, months: int = 0) -> str:
        """This period (YYYY-MM) in Beijing, or the one `months` away."""
        return periods.add_months(periods.period_of(self.today()), months)


@pytest.fixture
def clock(_business_day):
    """The business clock, frozen at 2026-03-02 01:00:00 UTC (09:00 in Beijing) until the test
    moves it (`clock.set`, `clock.set_today`, `clock.advance`); real time again after the test."""
    return Clock()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services called directly by tests speak English, like `pms` under LANG=C (pages stay zh_CN)."""
    from pms.core.i18n import set_outside_request_locale

    set_outside_request_locale("en")
    yield
    set_outside_request_locale(None)


@pytest.fixture
def csrf_app(app):
    """The app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class _PmsRunner:
    """Invokes the real `pms` console script (all domain groups) against the test app."""

    def __init__(self, app):
        self._runner = app.test_cli_runner()

    def invoke(self, cli=None, args=None, lang="en", **kwargs):
        from pms.cli import cli as pms_cli
        from pms.core.i18n import set_outside_request_locale

        # As `pms` run from a terminal with LANG=C (the console script reads the environment).
        set_outside_request_locale(lang)
        try:
            return self._runner.invoke(cli or pms_cli, args, **kwargs)
        finally:
            set_outside_request_locale(None)


@pytest.fixture
def runner(app):
    return _PmsRunner(app)


@pytest.fixture
def db(app):
    """A session inside an app context; commit explicitly to make data visible to requests."""
    from flask import g

    from pms.core.db import new_session

    with app.app_context():
        # A reader's session (its transactions take the write lock only when they write), so a
        # test that reads while a server thread or the CLI writes does not block them.
        session = g.db_session = new_session(write=False)
        yield session
        session.rollback()


@pytest.fixture
def world(app):
    """Two companies in two districts, one estate each, rooms, and a user of every role (auditors
    and programme officers: one per district).

    Company ACME runs YJL in district 110112; company OTHER runs HXY in district 110105.
    """
    from types import SimpleNamespace

    from pms.core.db import get_session
    from tests import factories as f

    with app.app_context():
        s = get_session()
        acme, other = f.make_company(s, "ACME", "安居物业"), f.make_company(s, "OTHER", "和信物业")
        tongzhou, chaoyang = f.make_district(s, "110112", "通州区"), f.make_district(s, "110105", "朝阳区")
        yjl = f.make_estate(s, "YJL", "云景里", acme, tongzhou)
        hxy = f.make_estate(s, "HXY", "和兴园", other, chaoyang)
        r501 = f.make_room(s, yjl, "3", "2", "501", owner=("张三", "13912345678", "11010519491231002X"))
        r502 = f.make_room(s, yjl, "3", "2", "502", owner=("李四", "13800000000", None))
        r101 = f.make_room(s, hxy, "1", "1", "101", owner=("王五", "13700000000", None))
        users = {}
        for name, role, kw in [
            ("admin", "admin", {}),
            ("manager", "manager", {"company": acme}),
            ("finance", "finance", {"company": acme}),
            ("tech", "technician", {"company": acme}),
            ("carer", "care_worker", {"company": acme}),
            ("resident", "resident", {"rooms": [r501]}),
            ("auditor", "auditor", {"district": tongzhou}),
            ("other_manager", "manager", {"company": other}),
            ("other_resident", "resident", {"rooms": [r101]}),
            ("other_auditor", "auditor", {"district": chaoyang}),
            ("officer", "officer", {"district": tongzhou}),
            ("other_officer", "officer", {"district": chaoyang}),
        ]:
            users[name] = f.make_user(s, name, role, **kw)
        s.commit()
        return SimpleNamespace(acme=acme, other=other, yjl=yjl, hxy=hxy, r501=r501, r502=r502,
                               r101=r101, users=users, tongzhou=tongzhou, chaoyang=chaoyang)
