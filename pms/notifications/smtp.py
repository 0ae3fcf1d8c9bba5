"""The mail server the outbox hands e-mail to: `PMS_SMTP_URL` parsed, a connection, one message.

    smtp://[user[:password]@]host[:port][?starttls=1][&timeout=SECONDS]   plain SMTP (port 25),
                                                                          STARTTLS when asked
    smtps://[user[:password]@]host[:port][?timeout=SECONDS]               implicit TLS (port 465)

User and password are percent-decoded (a `@` in a password is `%40`). TLS verifies the server's
certificate against the system's CA store. The password never leaves this module: `describe()`
and every error message name only the scheme, host and port.

Outcomes of one delivery are classified here, so the sender decides without knowing smtplib:
a 5xx reply is permanent (the message fails at once), a 4xx reply is temporary (retried later),
and a broken connection is temporary *and* ends the run (the server is unwell; the other
messages wait for the next run instead of each burning an attempt).
"""
from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime
from typing import Optional
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_TIMEOUT_SECONDS = 30.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect; `password` is kept out of `repr`."""

    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def describe(self) -> str:
        """The server for logs and messages: scheme, host and port, never the credentials."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}" + ("?starttls=1" if self.starttls else "")


def parse_smtp_url(url: str) -> SmtpSettings:
    """`PMS_SMTP_URL` → settings; ValueError (naming no credentials) when it is not usable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("PMS_SMTP_URL is not a URL (smtp://host:port or smtps://host:port)") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("PMS_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("PMS_SMTP_URL names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("PMS_SMTP_URL takes no path (only ?starttls=1 and ?timeout=SECONDS)")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ValueError("PMS_SMTP_URL has a malformed query") from None
    unknown = sorted(set(query) - {"starttls", "timeout"})
    if unknown:
        raise ValueError(f"PMS_SMTP_URL: unknown option(s) {', '.join(unknown)} (starttls, timeout)")
    starttls = False
    if "starttls" in query:
        value = query["starttls"][-1].lower()
        if value not in _TRUE | _FALSE:
            raise ValueError("PMS_SMTP_URL: starttls must be 1 or 0")
        starttls = value in _TRUE
    implicit_tls = parts.scheme == "smtps"
    if implicit_tls and starttls:
        raise ValueError("PMS_SMTP_URL: smtps:// is already TLS; starttls=1 is for smtp://")
    timeout = DEFAULT_TIMEOUT_SECONDS
    if "timeout" in query:
        try:
            timeout = float(query["timeout"][-1])
        except ValueError:
            timeout = 0
        if not 0 < timeout <= 600:
            raise ValueError("PMS_SMTP_URL: timeout must be a number of seconds between 0 and 600")
    return SmtpSettings(host=parts.hostname, port=port or (465 if implicit_tls else 25),
                        implicit_tls=implicit_tls, starttls=starttls,
                        username=unquote(parts.username or ""), password=unquote(parts.password or ""),
                        timeout=timeout)


def build_message(*, message_id: int, created_at: datetime, sender: str, to: str, subject: str,
                  body: str) -> EmailMessage:
    """A UTF-8 text e-mail. Its Message-ID is derived from the outbox row, so a receiver that
    deduplicates by Message-ID sees a manual re-send of the same row as the same message."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = " ".join((subject or "").split())  # a line break would end the header
    email["Date"] = format_datetime(created_at)
    domain = sender.rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<pms.outbox.{message_id}.{int(created_at.timestamp())}@{domain}>"
    email.set_content(body or "", charset="utf-8")
    return email


@dataclass(frozen=True)
class Outcome:
    """What became of one hand-over to the server."""

    sent: bool
    permanent: bool = False     # a 5xx: retrying will not help
    broken: bool = False        # the connection is gone: stop this run
    error: str = ""             # short, for the manager (a server reply, never a credential)
    code: str = ""              # for logs: "SMTP 550", "timed out" (no address, no reply text)


SENT = Outcome(sent=True)


def _reply_text(code: int, reply) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply or "")
    return f"SMTP {code}: {' '.join(text.split())}"[:200]


def _from_code(code: int, reply, *, broken: bool = False) -> Outcome:
    return Outcome(sent=False, permanent=not broken and 500 <= code < 600, broken=broken,
                   error=_reply_text(code, reply), code=f"SMTP {code}")


class Mailer:
    """One SMTP connection, opened on first use and reused for the messages of a run."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._conn: Optional[smtplib.SMTP] = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.implicit_tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                conn.starttls(context=context)
            if s.username:
                conn.login(s.username, s.password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, email: EmailMessage, sender: str, to: str) -> Outcome:
        """Hand one message over; SENT once the server accepted it (its 250 after DATA)."""
        if self._conn is None:
            try:
                self._conn = self._connect()
            except smtplib.SMTPAuthenticationError as exc:
                # The server refused *our* login: a configuration problem, not this message's.
                return Outcome(sent=False, broken=True, code=f"SMTP {exc.smtp_code}",
                               error=f"SMTP {exc.smtp_code}: login refused by {self.settings.describe()}")
            except smtplib.SMTPResponseException as exc:  # greeting/HELO/STARTTLS refused
                self.close()
                return _from_code(exc.smtp_code, exc.smtp_error, broken=True)
            except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timeout, TLS
                return self._broken(exc)
        try:
            self._conn.send_message(email, from_addr=sender, to_addrs=[to])
            return SENT
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            outcome = _from_code(code, reply)
        except smtplib.SMTPResponseException as exc:  # sender or DATA refused
            outcome = _from_code(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException) as exc:  # disconnected, timed out
            return self._broken(exc)
        if outcome.code == "SMTP 421":  # "service not available, closing channel"
            self.close()
            return Outcome(sent=False, broken=True, error=outcome.error, code=outcome.code)
        return outcome

    def _broken(self, exc: BaseException) -> Outcome:
        self.close()
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            reason = "connection lost"
        elif isinstance(exc, (socket.timeout, TimeoutError)):
            reason = "timed out"
        else:
            reason = type(exc).__name__
        return Outcome(sent=False, broken=True, error=f"{self.settings.describe()}: {reason}"[:200], code=reason)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()
