"""Fixtures: one fresh database per test run (SQLite file or a new PostgreSQL database),
migrated with Alembic, emptied after every test."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pms import create_app, import_models
from pms.core.db import make_engine, metadata
from pms.core.migrate import upgrade
from tests.browser_support import browser, live_server, phone  # noqa: F401  (shared fixtures)

# Tests never read a developer's PMS_* settings except the test database.
for _key in [k for k in os.environ if k.startswith("PMS_") and k != "PMS_TEST_DATABASE_URL"]:
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
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def app(database_url, _engine, tmp_path):
    """The app on the test database; every table is emptied after the test."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "INSTANCE_DIR": str(tmp_path / "instance"), "PMS_ENV": "testing",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    yield app
    app.extensions["pms_engine"].dispose()
    _empty_all_tables(_engine)


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
    from pms.core.db import get_session

    with app.app_context():
        session = get_session()
        yield session
        session.rollback()


@pytest.fixture
def world(app):
    """Two companies in two districts, one estate each, rooms, and a user of every role.

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
        ]:
            users[name] = f.make_user(s, name, role, **kw)
        s.commit()
        return SimpleNamespace(acme=acme, other=other, yjl=yjl, hxy=hxy, r501=r501, r502=r502,
                               r101=r101, users=users, tongzhou=tongzhou, chaoyang=chaoyang)
