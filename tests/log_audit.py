"""Every log line of a test run is kept and searched when the run ends: a phone number, an ID
number or a password in any line fails the run (issue 9: nothing personal in the logs).

The controller makes one folder per run; each xdist worker (and a run without xdist) writes the
JSON lines of every logger there; `pytest_sessionfinish` reads them all.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

LOG_DIR_KEY = "PYTEST_PMS_LOG_DIR"

PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def secrets_in(line: str, passwords: tuple[str, ...]) -> list[str]:
    """What in this log line must never be logged (empty when the line is clean)."""
    found = [f"phone {m.group(0)[:3]}…" for m in PHONE.finditer(line)]
    found += [f"ID number {m.group(0)[:6]}…" for m in ID_NUMBER.finditer(line)]
    found += [f"password {p[:2]}…" for p in passwords if p in line]
    return found


def _passwords() -> tuple[str, ...]:
    from pms.demo.loader import DEMO_USERS
    from tests.factories import PASSWORD

    return (PASSWORD, *{password for _user, _role, password, _name in DEMO_USERS})


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        os.environ[LOG_DIR_KEY] = tempfile.mkdtemp(prefix="pms-test-logs-")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    handler = logging.FileHandler(Path(os.environ[LOG_DIR_KEY]) / f"{worker}.jsonl", encoding="utf-8")
    from pms.core.logs import JsonFormatter

    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    config._pms_log_handler = handler


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    handler = getattr(config, "_pms_log_handler", None)
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        handler.close()
    if hasattr(config, "workerinput"):
        return
    folder = Path(os.environ.get(LOG_DIR_KEY, ""))
    if not folder.is_dir():
        return
    passwords, hits, lines = _passwords(), [], 0
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            lines += 1
            for what in secrets_in(line, passwords):
                hits.append(f"{path.name}:{number}: {what}")
    shutil.rmtree(folder, ignore_errors=True)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.ensure_newline()
    if hits:
        if reporter:
            reporter.write_line(f"personal data in the logs of this run ({len(hits)} lines):", red=True)
            for hit in hits[:20]:
                reporter.write_line(f"  {hit}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter:
        reporter.write_line(f"log audit: {lines} log lines, no phone, ID number or password")
