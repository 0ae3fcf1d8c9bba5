"""Messages stored as a key and parameters, rendered in the reader's language at reading time.

A ticket's history and the in-app notifications are read for years, by people who read Chinese or
English: a row stores a stable message key (e.g. ``maintenance.ticket.reassigned``) and its
parameters as JSON, never text in the writer's language. Each domain declares its keys in
``pms/<domain>/messages.py`` with ``define``; ``render`` looks the key up (loading every domain's
messages once) and formats the lazy gettext template in the current locale. A key nobody declares
any more (or a row written before keys existed) falls back to the text stored beside it.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping, Optional

from flask import current_app, has_app_context
from flask_babel import LazyString, force_locale

from pms.core import clock
from pms.core.money import format_fen

Formatter = Callable[[Any], Any]


@dataclass(frozen=True)
class Template:
    """One message: its text (a lazy gettext string), an optional second part (a notification's
    body) and how parameters turn into words at reading time (a status code → its label)."""

    text: LazyString | str
    body: LazyString | str | None = None
    formats: Mapping[str, Formatter] = field(default_factory=dict)


_REGISTRY: dict[str, Template] = {}
_loaded = False


def define(key: str, text, *, body=None, **formats: Formatter) -> str:
    """Declare a message key (once, at import of the domain's messages module); returns the key."""
    if key in _REGISTRY and _msgid(_REGISTRY[key].text) != _msgid(text):
        raise ValueError(f"message key {key!r} declared twice with different texts")
    _REGISTRY[key] = Template(text, body, dict(formats))
    return key


def _msgid(text) -> str:
    """The untranslated text of a lazy string (a plain string is its own)."""
    args = getattr(text, "_args", None)
    return args[0] if args else str(text)


def _load_domains() -> None:
    """Import every domain's messages module so any stored key can be rendered (e.g. the inbox)."""
    global _loaded
    if _loaded:
        return
    from pms import domain_module, domain_names

    for domain in domain_names():
        domain_module(domain, "messages")
    _loaded = True


def render(key: Optional[str], params: Optional[Mapping[str, Any]], fallback: str = "", *,
           part: str = "text") -> str:
    """The message in the current locale; the stored fallback text for an unknown key."""
    if not key:
        return fallback
    _load_domains()
    template = _REGISTRY.get(key)
    source = None if template is None else (template.body if part == "body" else template.text)
    if source is None:
        return fallback
    values = dict(params or {})
    text = str(source)
    try:
        for name, fmt in template.formats.items():
            if values.get(name) is not None:
                values[name] = fmt(values[name])
        return (text % values if "%(" in text else text).strip()
    except (KeyError, TypeError, ValueError):
        return fallback  # parameters of an older version of the message: the stored text is right


# Formatters shared by every domain's messages.

def label(mapping: Mapping[str, Any]) -> Formatter:
    """A code shown as its label (lazy strings render in the reader's language)."""
    return lambda code: str(mapping.get(code, code))


def local_time(value: str) -> str:
    """A UTC ISO timestamp stored in params, shown in the service's timezone."""
    return datetime.fromisoformat(value).astimezone(clock.timezone()).strftime("%Y-%m-%d %H:%M")


def money(fen: int) -> str:
    """An amount in fen stored in params, shown as ¥1,234.50."""
    return format_fen(int(fen))


def stamp(value: datetime) -> str:
    """An aware datetime as stored in params (UTC ISO), the inverse of ``local_time``."""
    return value.astimezone(timezone.utc).isoformat()


@contextmanager
def in_service_language() -> Iterator[None]:
    """Render in the service's language (zh_CN): for text sent away (SMS, email), whose reader's
    language is unknown, whoever's request or job wrote it."""
    if not has_app_context():
        yield
        return
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
        yield
