"""Logs an operator can read: one JSON object per line, a request id on every request.

Every line is JSON (time, level, logger, message and any `extra` fields). Each request gets an id
(the `X-Request-ID` nginx sends, when it is a sane token, or a new one); it goes back in the
response header of every response, errors included, and into the one line logged per request.
No line carries query strings, bodies or form values: that is where phones, ID numbers and
passwords would be.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import g, request

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Fields a log call may add with `extra=`; anything else stays out of the line.
EXTRA_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms", "job", "outcome")

access_log = logging.getLogger("pms.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str) -> None:
    """JSON lines on stderr for the whole process (gunicorn workers, CLI, scheduler)."""
    root = logging.getLogger()
    if any(getattr(handler, "_pms_json", False) for handler in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler._pms_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Werkzeug's development server logs each request with its query string: ours replaces it.
    # Alembic announces each of its plugins at INFO on every `pms db upgrade` / `pms restore`.
    for noisy in ("werkzeug", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def start_request() -> None:
    """Give the request its id and start its clock."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def finish_request(response):
    """Put the request id on the response and log the request's one line."""
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    principal = g.get("principal")
    access_log.info("request", extra={
        "request_id": request_id,
        "user_id": principal.user_id if principal is not None else None,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(1000 * (time.perf_counter() - g.request_started), 1),
    })
    return response


def job_run(job_id: str, outcome: str, started: float) -> None:
    """The one line a scheduled job run logs."""
    logging.getLogger("pms.jobs").info("job", extra={
        "job": job_id, "outcome": outcome, "duration_ms": round(1000 * (time.perf_counter() - started), 1)})
