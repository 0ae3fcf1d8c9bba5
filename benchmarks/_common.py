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
    with tempfile.TemporaryDirectory(prefix="pms-bench-") as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        migrate(url)
        yield url


@contextlib.contextmanager
def fresh_postgres() -> Iterator[Optional[str]]:
    """A migrated, uniquely named PostgreSQL database, dropped afterwards (None if unreachable)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

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
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str) -> None:
    """The schema at head, without alembic's chatter."""
    import logging

    from pms.core.migrate import upgrade

    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade(url)


def create_table_like(conn, model, target: str) -> None:
    """`target`: an empty table shaped like `model`'s, with the same keys, checks, indexes and
    foreign keys (where a floor's bare INSERT … SELECT writes)."""
    import re

    from sqlalchemy import text

    source = model.__table__
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"CREATE TABLE {target} (LIKE {source.name} INCLUDING ALL)"))
        for key in source.foreign_key_constraints:  # LIKE copies no foreign keys
            conn.execute(text(
                f"ALTER TABLE {target} ADD FOREIGN KEY ({', '.join(key.column_keys)}) REFERENCES "
                f"{key.referred_table.name} ({', '.join(e.column.name for e in key.elements)})"))
        return
    ddl = conn.execute(text("SELECT type, sql FROM sqlite_master WHERE tbl_name = :t AND sql IS NOT NULL "
                            "ORDER BY type DESC"), {"t": source.name}).all()
    for kind, sql in ddl:  # the table, then its indexes renamed (index names are per database)
        if kind == "table":
            sql = re.sub(rf'^CREATE TABLE "?{source.name}"?', f"CREATE TABLE {target}", sql)
        else:
            sql = re.sub(rf'^CREATE (UNIQUE )?INDEX "?(\w+)"? ON "?{source.name}"?',
                         lambda m: f"CREATE {m.group(1) or ''}INDEX {target}_{m.group(2)} ON {target}", sql)
        conn.execute(text(sql))


class Stopwatch:
    """`with Stopwatch() as t: ...; t.seconds`"""

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- serving and loading over HTTP (the production server, measured with wrk) ---------------

WRK_SCRIPTS = Path(__file__).resolve().parent / "wrk"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(port: int, method: str, path: str, body=None, headers=None):
    """One request on a fresh connection: (status, headers, body bytes)."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        sent = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Served:
    """The app served exactly as `pms serve` serves it (pms.core.server.gunicorn_argv), on a free
    port: `app` is "wsgi:app" or a module:attribute under benchmarks/."""

    def __init__(self, url: str, *, app: str = "wsgi:app", workers: int = 4, threads: int = 8):
        import subprocess

        from pms.core.server import gunicorn_argv

        self.port = free_port()
        here = Path(__file__).resolve().parent
        env = {**os.environ, "PMS_DATABASE_URL": url, "PMS_LOG_LEVEL": "WARNING",
               "PYTHONPATH": f"{ROOT}{os.pathsep}{here}"}
        argv = gunicorn_argv(host="127.0.0.1", port=self.port, workers=workers, threads=threads, app=app)
        self.process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http_request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start for {app}")

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def have_wrk() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def wrk(port: int, path: str, *, connections: int = 32, seconds: int = 10, script: str | None = None,
        env: dict | None = None, headers: dict | None = None) -> dict:
    """wrk with one thread per connection (so a Lua script can give each client its own room):
    requests/s, median and p99 in ms, and the non-2xx/3xx and socket error counts."""
    import re
    import subprocess

    argv = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if script:
        argv += ["-s", str(WRK_SCRIPTS / script)]
    argv.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})}).stdout

    def ms(label):
        found = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not found:
            raise SystemExit(f"wrk printed no {label} latency:\n{out}")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "median_ms": ms("50%"), "p99_ms": ms("99%"), "n": requests,
            "errors": (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)}


def print_load(name: str, r: dict) -> None:
    print(f"  {name:22s} {r['rps']:8.1f} req/s  median {r['median_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms"
          f"  errors {r['errors']}  (n={r['n']})", flush=True)


def http_load_arguments(doc: str, *, engine: str, households: int, clients_flag: str = "--clients"):
    """The command line shared by the HTTP load benchmarks (engine, demo size, load, server)."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default=engine)
    parser.add_argument("--households", type=int, default=households)
    parser.add_argument(clients_flag, type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    return parser


def on_each_engine(args, bench) -> None:
    """`bench(engine, url, args)` on a fresh database of each engine asked for (wrk required)."""
    if not have_wrk():
        raise SystemExit("wrk is not installed (make sysdeps installs Debian's wrk)")
    for engine in (("postgresql", "sqlite") if args.engine == "both" else (args.engine,)):
        with (fresh_sqlite() if engine == "sqlite" else fresh_postgres()) as url:
            if url is None:
                print(f"{engine}: skipped (not reachable)")
                continue
            bench(engine, url, args)
