"""Configuration from PMS_* environment variables."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# Every PMS_* key the service understands; anything else is a typo we refuse to guess about.
KNOWN_KEYS = {
    "PMS_DATABASE_URL",
    "PMS_SECRET_KEY",
    "PMS_AUDIT_KEY",  # the key of the audit chain's seals (kept outside the database); default: the secret key
    "PMS_TIMEZONE",
    "PMS_ENV",
    "PMS_TEST_DATABASE_URL",
    "PMS_TEST_TODAY",  # read by the test suite only (tests/conftest.py): the business day tests run on
    "PMS_INSTANCE_DIR",
    "PMS_TOKEN_TTL_HOURS",
    "PMS_LOGIN_MAX_FAILURES",
    "PMS_LOGIN_LOCK_MINUTES",
    "PMS_LOGIN_RATE_LIMIT",  # refused logins per client address, e.g. "10/minute;100/hour"
    "PMS_REDIS_URL",  # where the login throttle counts (shared by all workers); empty: each process's memory
    "PMS_SESSION_IDLE_HOURS",
    "PMS_MAX_UPLOAD_MB",
    "PMS_LOG_LEVEL",
    "PMS_SMTP_URL",  # the outbox's mail server: smtp[s]://[user[:password]@]host[:port][?starttls=1&timeout=S]
    "PMS_SMTP_FROM",  # the From address of outgoing e-mail
    "PMS_PROXY_COUNT",
    "PMS_STORAGE_URL",  # issued documents and print runs: file:///folder or s3://bucket/prefix?endpoint=…; default <instance>/storage
}


class ConfigError(RuntimeError):
    """The environment does not describe a valid configuration."""


def _int(env: dict, key: str, default: int) -> int:
    """A non-negative integer setting, or a ConfigError naming the key."""
    raw = env.get(key, str(default))
    if not raw.strip().isdigit():
        raise ConfigError(f"{key} must be a whole number, got {raw!r}")
    return int(raw)


DEFAULT_LOGIN_RATE_LIMIT = "10/minute;100/hour"


def _rate_limit(text: str) -> str:
    """A Flask-Limiter rate ("10/minute;100/hour"), checked now rather than at the first login."""
    if text == DEFAULT_LOGIN_RATE_LIMIT:
        return text  # known good: no need to import `limits` (~0.1 s) in every command
    from limits import parse_many

    try:
        parse_many(text)
    except ValueError:
        raise ConfigError(f"PMS_LOGIN_RATE_LIMIT is not a rate like '10/minute;100/hour': {text!r}") from None
    return text


def load_config(environ: dict[str, str] | None = None) -> dict:
    """Build the Flask config from the environment, rejecting unknown PMS_* keys."""
    env = dict(os.environ if environ is None else environ)
    unknown = sorted(k for k in env if k.startswith("PMS_") and k not in KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"unknown configuration keys: {', '.join(unknown)}")
    instance_dir = Path(env.get("PMS_INSTANCE_DIR") or INSTANCE_DIR)
    pms_env = env.get("PMS_ENV", "development")
    if pms_env not in {"development", "production", "testing"}:
        raise ConfigError("PMS_ENV must be development, production or testing")
    secret = env.get("PMS_SECRET_KEY")
    if pms_env == "production" and not secret:
        raise ConfigError("PMS_SECRET_KEY is required when PMS_ENV=production")
    database_url = env.get("PMS_DATABASE_URL") or f"sqlite:///{instance_dir / 'pms.sqlite3'}"
    smtp_url = env.get("PMS_SMTP_URL", "").strip()
    if smtp_url:
        from pms.notifications.smtp import parse_smtp_url

        try:
            parse_smtp_url(smtp_url)
        except ValueError as exc:  # the message names no credentials
            raise ConfigError(str(exc)) from None
    storage_url = env.get("PMS_STORAGE_URL", "").strip()
    if storage_url and not storage_url.startswith(("file://", "s3://")):
        raise ConfigError(f"PMS_STORAGE_URL must be file:///folder or s3://bucket/prefix, not {storage_url!r}")
    return {
        "PMS_ENV": pms_env,
        "STORAGE_URL": storage_url,
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": secret or "dev-only-not-secret",
        "AUDIT_KEY": env.get("PMS_AUDIT_KEY") or secret or "dev-only-not-secret",
        "DATABASE_URL": database_url,
        "TIMEZONE": env.get("PMS_TIMEZONE", "Asia/Shanghai"),
        "TOKEN_TTL_HOURS": int(env.get("PMS_TOKEN_TTL_HOURS", "720")),
        "LOGIN_MAX_FAILURES": int(env.get("PMS_LOGIN_MAX_FAILURES", "5")),
        # Progressive lock-out (pms/accounts/rules.py): the MAX_FAILURES-th wrong password in a row
        # locks the account for LOGIN_FIRST_LOCK_MINUTES, each further one doubles it up to
        # LOGIN_LOCK_MINUTES (the longest lock).
        "LOGIN_LOCK_MINUTES": int(env.get("PMS_LOGIN_LOCK_MINUTES", "60")),
        "LOGIN_FIRST_LOCK_MINUTES": 1,
        "LOGIN_RATE_LIMIT": _rate_limit(env.get("PMS_LOGIN_RATE_LIMIT", DEFAULT_LOGIN_RATE_LIMIT)),
        "REDIS_URL": env.get("PMS_REDIS_URL", ""),
        "RATELIMIT_ENABLED": True,
        # A browser session unused this long is over (the cookie alone no longer logs anyone in).
        "SESSION_IDLE_HOURS": int(env.get("PMS_SESSION_IDLE_HOURS", "8")),
        # Registry files above this are refused before parsing (a 50 MB sheet is a mistake).
        "MAX_CONTENT_LENGTH": int(env.get("PMS_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": pms_env == "production",
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env.get("PMS_TIMEZONE", "Asia/Shanghai"),
        "WTF_CSRF_TIME_LIMIT": None,
        "LOG_LEVEL": env.get("PMS_LOG_LEVEL", "INFO"),
        # Empty: no mail server, the outbox keeps its e-mail queued (pms/notifications/README.md).
        "SMTP_URL": smtp_url,
        "SMTP_FROM": env.get("PMS_SMTP_FROM", "pms@localhost"),
        # How many reverse proxies (nginx) stand in front: their X-Forwarded-For/-Proto are trusted.
        "PROXY_COUNT": _int(env, "PMS_PROXY_COUNT", 0),
        # A print run's PDFs stay in storage this many days after it finished (then the daily
        # print_run_expiry job deletes them; the run's record stays). 0 keeps them for ever.
        "PRINT_RUN_KEEP_DAYS": _int(env, "PMS_PRINT_RUN_KEEP_DAYS", 30),
    }
