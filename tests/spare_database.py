"""A second database on the test run's engine, for tests that need one beside the test database
(a restore target, a fresh `upgrade heads`)."""
from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def spare_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database (no tables) on the engine of `database_url`; dropped after.

    PostgreSQL: created and dropped through an AUTOCOMMIT connection to the `postgres` database
    (CREATE/DROP DATABASE cannot run inside a transaction), under a unique name.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / f'spare-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"pms_spare_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                # FORCE: a pooled connection the test left open must not keep the database alive.
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
