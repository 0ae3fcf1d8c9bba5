"""gunicorn settings for `pms serve` (read by gunicorn's master as a file, before any pms import).

Workers, threads and the address come from `pms serve`'s command line; what is here is the same
for every deployment.
"""
import json
import logging
from datetime import datetime, timezone

import gunicorn.http.wsgi

# No product banner: every response says `Server: pms`.
gunicorn.http.wsgi.SERVER = "pms"

worker_class = "gthread"
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (with jitter so they don't all restart at once).
max_requests = 20000
max_requests_jitter = 2000
# The app logs one JSON line per request itself (pms/core/logs.py): no second access log.
accesslog = None


class JsonLines(logging.Formatter):
    """gunicorn's own lines as JSON, like the app's (pms/core/logs.py; not imported here, so a
    reload on HUP loads all of pms afresh in the new workers)."""

    def format(self, record):
        return json.dumps({"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                           "level": record.levelname, "logger": record.name, "message": record.getMessage()},
                          ensure_ascii=False)


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonLines}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "WARNING", "handlers": []},  # the app installs its own (pms/core/logs.py)
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False}},
}
