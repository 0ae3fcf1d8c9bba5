"""Shared helpers of the benchmark scripts: fresh databases, timing, medians."""
from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Benchmarks never read a developer's PMS_* settings.
for _key in [k for k in os.environ if k.startswith("PMS_")]:
    del os.environ[_key]

POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def fresh_sqlite() -> Iterator[str]:
    """A migrated SQLite file in a temporary directory."""
    from pms.core.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="pms-bench-") as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        _quiet_upgrade(upgrade, url)
        yield url


@contextlib.contextmanager
def fresh_postgres() -> Iterator[Optional[str]]:
    """A migrated, uniquely named PostgreSQL database, dropped afterwards (None if unreachable)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from pms.core.migrate import upgrade

    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"pms_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        print(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
        admin.dispose()
        yield None
        return
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _quiet_upgrade(upgrade, url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _quiet_upgrade(upgrade, url: str) -> None:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade(url)


class Stopwatch:
    """`with Stopwatch() as t: ...; t.seconds`"""

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started


def median(values: list[float]) -> float:
    return statistics.median(values)
