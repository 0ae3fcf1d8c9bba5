"""Migration 0021 (subsidies): up with data in place (accounts and their sessions, a programme),
officers admitted by the role CHECK, down again (refused while officers exist), up again — on the
test run's engine (SQLite file or PostgreSQL). tests/core/test_migrations.py proves `upgrade heads`
gives exactly the models' schema."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine

from pms.core.migrate import alembic_config, upgrade
from tests.spare_database import spare_database

AT = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def _insert(conn, table_name: str, **values) -> int:
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    return conn.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


def _user(conn, username, role, district_id):
    return _insert(conn, "user_account", username=username, password_hash="x", role=role,
                   display_name=username, district_id=district_id, is_active=True, failed_logins=0,
                   created_at=AT)


def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            district = _insert(conn, "district", code="110112", name="通州区")
            auditor = _user(conn, "aud", "auditor", district)
            _insert(conn, "user_session", user_id=auditor, token_hash="a" * 64, user_agent="",
                    created_at=AT, last_seen_at=AT, expires_at=AT + timedelta(days=1))
            _insert(conn, "program", code="TBB", name="先尝后买", district_id=district, kind="elevator",
                    budget_fen=100000, created_at=AT)
    finally:
        engine.dispose()


def _scalar(url: str, sql: str, **params):
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql), params)
            return result.scalar() if result.returns_rows else None
    finally:
        engine.dispose()


def test_0021_up_down_up_keeps_data(database_url, tmp_path):
    with spare_database(database_url, tmp_path) as url:
        upgrade(url, "0020_eldercare_billing")
        _seed(url)
        # Before 0021 the role CHECK refuses officers.
        with pytest.raises(sa.exc.IntegrityError):
            _scalar(url, "INSERT INTO user_account (username, password_hash, role, display_name, district_id,"
                         " is_active, failed_logins, created_at) VALUES ('o', 'x', 'officer', 'o', 1, TRUE, 0,"
                         " :at)", at=AT)
        upgrade(url, "0021_subsidies")
        # Rows kept: the account (copied by batch mode on SQLite), its session, the programme.
        assert _scalar(url, "SELECT COUNT(*) FROM user_session s JOIN user_account u ON u.id = s.user_id") == 1
        assert _scalar(url, "SELECT budget_fen FROM program WHERE code = 'TBB'") == 100000
        big = 5_000_000_000_00  # 5 billion yuan: beyond INTEGER
        _scalar(url, "UPDATE program SET budget_fen = :b, period_from = :f, period_to = :t",
                b=big, f=date(2026, 1, 1), t=date(2026, 12, 31))
        assert _scalar(url, "SELECT budget_fen FROM program") == big
        _scalar(url, "UPDATE program SET budget_fen = 100000")
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                officer = _user(conn, "off", "officer", 1)
            # An officer needs a district; periods are ordered.
            for sql in ("INSERT INTO user_account (username, password_hash, role, display_name, is_active,"
                        " failed_logins, created_at) VALUES ('o2', 'x', 'officer', 'o2', TRUE, 0, :at)",
                        "UPDATE program SET period_from = '2026-12-31', period_to = '2026-01-01'"):
                with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                    conn.execute(sa.text(sql), {"at": AT})
        finally:
            engine.dispose()
        # Down is refused while an officer exists (no account is deleted by a migration) …
        with pytest.raises(RuntimeError, match="officer"):
            command.downgrade(alembic_config(url), "0020_eldercare_billing")
        _scalar(url, "DELETE FROM user_account WHERE id = :id", id=officer)
        # … and works without one; the data stays; up again works.
        command.downgrade(alembic_config(url), "0020_eldercare_billing")
        assert _scalar(url, "SELECT COUNT(*) FROM user_session") == 1
        assert _scalar(url, "SELECT budget_fen FROM program WHERE code = 'TBB'") == 100000
        upgrade(url)
        assert _scalar(url, "SELECT COUNT(*) FROM program_allocation") == 0
