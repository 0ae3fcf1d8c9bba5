"""The latest revisions down and up again on a database holding the demo's data (visits with
alerts, programmes with bill lines, accounts with sessions): every row is still there. SQLite
copies a table to change it, and the copy's DROP was refused while rows referred to it
(`pms.core.migrate.sqlite_foreign_keys_off`)."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy import create_engine

from pms.core.migrate import alembic_config, upgrade
from tests.spare_database import spare_database

BELOW = "0019_visit_ratings"  # under the revisions that copy care_service, visit, program, user_account


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar()
                    for name in names if name != "alembic_version"}
    finally:
        engine.dispose()


def test_down_and_up_with_the_demo_keeps_every_row(database_url, tmp_path):
    from pms import create_app
    from pms.demo import loader

    with spare_database(database_url, tmp_path) as url:
        upgrade(url)
        app = create_app({"DATABASE_URL": url})
        with app.app_context():
            loader.load(households=150)
        app.extensions["pms_engine"].dispose()
        # 0021 refuses to go down while officer accounts exist (no migration deletes accounts), 0024
        # while claim lines stand on certificates or works (the demo's elevator claim).
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM user_account WHERE role = 'officer'"))
            conn.execute(sa.text("DELETE FROM claim_line WHERE evidence_type IN ('certificate', 'work')"))
            # 0026 takes the receipt series' counters down with the receipts (their numbers are its
            # data): the older number_counter table keeps every other row.
            receipt_counters = conn.execute(sa.text(
                "SELECT COUNT(*) FROM number_counter WHERE series = 'receipt'")).scalar()
            assert receipt_counters and conn.execute(sa.text("SELECT COUNT(*) FROM receipt")).scalar()
        engine.dispose()
        before = _counts(url)
        before["number_counter"] -= receipt_counters
        assert before["visit"] and before["visit_alert"] and before["bill_line"] and before["care_service"]
        command.downgrade(alembic_config(url), BELOW)
        lower = _counts(url)
        assert {name: before[name] for name in lower} == lower  # the older tables keep every row
        upgrade(url)
        after = _counts(url)
        assert {name: after[name] for name in lower} == lower  # up again: still every row
        assert {name for name in after if after[name]} <= set(lower)  # newer tables come back empty
        if url.startswith("sqlite"):
            engine = create_engine(url)
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            engine.dispose()
