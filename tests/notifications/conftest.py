"""A real SMTP server (aiosmtpd) on a free local port, started by the test, and outbox helpers."""
from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list
    message: email.message.EmailMessage

    @property
    def body(self) -> str:
        return self.message.get_content().replace("\r\n", "\n").rstrip("\n")  # CRLF on the wire


class Handler:
    """Accepts everything, except recipients given a reply in `replies` ("451 4.3.0 busy")."""

    def __init__(self):
        self.replies: dict[str, str] = {}
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def reply(self, address: str, text: str) -> None:
        """Answer RCPT TO:<address> with `text` (e.g. "550 5.1.1 no such mailbox")."""
        self.handler.replies[address] = text

    def accept(self, address: str) -> None:
        self.handler.replies.pop(address, None)


@pytest.fixture
def smtp(app):
    """An SMTP server for this test; the app sends through it."""
    # aiosmtpd logs every envelope address at INFO; the test run's log must not collect them.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    server = SmtpServer()
    server.controller.start()
    app.config["SMTP_URL"] = server.url
    app.config["SMTP_FROM"] = "pms@acme.test"
    yield server
    server.controller.stop()
    server_log.setLevel(level)


def queue(app, *items):
    """Enqueue OutboxItems through the real service; their ids."""
    from sqlalchemy import select

    from pms.core.db import unit_of_work
    from pms.core.models import OutboxMessage
    from pms.core.notifications import enqueue

    with app.app_context(), unit_of_work() as session:
        before = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
        enqueue(session, items)
        return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.id > before)
                                    .order_by(OutboxMessage.id)))


def send(app):
    """One sender run (as the job or `pms outbox send --once` does)."""
    from pms.notifications.sender import deliver_due

    with app.app_context():
        return deliver_due()


def row(app, message_id):
    """The message as stored now."""
    from pms.core.db import unit_of_work
    from pms.core.models import OutboxMessage

    with app.app_context(), unit_of_work(write=False) as session:
        return session.get(OutboxMessage, message_id)


def set_email(app, username, address):
    from sqlalchemy import update

    from pms.accounts.models import User
    from pms.core.db import unit_of_work

    with app.app_context(), unit_of_work() as session:
        session.execute(update(User).where(User.username == username).values(email=address))
