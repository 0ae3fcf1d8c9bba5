"""`pms serve`: the production web server, gunicorn's gthread workers on `wsgi:app`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pms.config import PROJECT_ROOT, load_config

GUNICORN_CONF = Path(__file__).with_name("gunicorn_conf.py")


def default_workers() -> int:
    """Two workers per core (measured best on 2 cores with 8 threads each), at least 2."""
    return max(2, 2 * (os.cpu_count() or 1))


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int, app: str | None = None) -> list[str]:
    """The gunicorn command line `pms serve` runs (also used by the benchmarks)."""
    if app is None:
        # wsgi.py at the project root when running from a checkout; the factory otherwise.
        app = "wsgi:app" if (PROJECT_ROOT / "wsgi.py").exists() else "pms:create_app()"
    return [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF),
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            # A worker takes at most as many connections as it has threads: idle keep-alive
            # connections would otherwise pile up on one worker while others wait (measured: one
            # worker held 13 of 32 connections and the p99 doubled).
            "--worker-connections", str(threads),
            "--chdir", str(PROJECT_ROOT), app]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes [default: two per core].")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Threads per worker.")
def serve_command(host, port, workers, threads):
    """Run the production web server (gunicorn). HUP reloads gracefully, TERM stops."""
    load_config()  # a bad PMS_* setting stops here, before any worker starts
    argv = gunicorn_argv(host=host, port=port, workers=workers or default_workers(), threads=threads)
    click.echo(f"pms serve: http://{host}:{port} ({workers or default_workers()} workers × {threads} threads)")
    sys.stdout.flush()
    # gunicorn becomes this process: systemd's MAINPID and `kill -HUP` reach its master directly.
    os.execv(argv[0], argv)
