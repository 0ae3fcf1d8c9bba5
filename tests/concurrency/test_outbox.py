"""The outbox under real concurrency: senders racing on one database (each its own connection)
hand every message to the SMTP server exactly once, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import logging
from collections import Counter

import pytest

from pms.core.notifications import OutboxItem
from tests.concurrency.conftest import race
from tests.notifications.conftest import Handler, SmtpServer, queue

N_MESSAGES = 30


class SlowHandler(Handler):
    """Takes a few milliseconds per message, so the senders' runs overlap."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.005)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp(app):
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = SmtpServer()
    server.handler = SlowHandler()
    from aiosmtpd.controller import Controller

    server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port)
    server.controller.start()
    app.config["SMTP_URL"] = server.url
    yield server
    server.controller.stop()
    logging.getLogger("mail.log").setLevel(logging.NOTSET)


def test_racing_senders_send_each_message_once(app, world, slow_smtp):
    from pms.notifications.sender import deliver_due

    ids = queue(app, *[OutboxItem(subject=f"通知 {i}", body="正文", to_address=f"r{i}@example.test",
                                  estate_id=world.yjl.id) for i in range(N_MESSAGES)])

    def sender(_i):
        with app.app_context():
            return deliver_due()

    summaries = race(3, sender)
    assert sum(s.sent for s in summaries) == N_MESSAGES
    assert all(s.failed == 0 and s.retrying == 0 and s.stopped is None for s in summaries)
    sent_ids = [i for s in summaries for i in s.ids["sent"]]
    assert sorted(sent_ids) == ids                      # each claimed by exactly one sender
    by_message_id = Counter(r.message["Message-ID"] for r in slow_smtp.received)
    assert len(by_message_id) == N_MESSAGES and set(by_message_id.values()) == {1}


def test_one_due_message_is_claimed_by_one_of_many(app, world):
    from pms.core.db import unit_of_work
    from pms.notifications import services

    [mid] = queue(app, OutboxItem(subject="s", body="b", to_address="a@example.test", estate_id=world.yjl.id))

    def claim(i):
        with app.app_context(), unit_of_work() as session:
            return services.claim_next(session, f"sender-{i}")

    claims = [c for c in race(6, claim) if c is not None]
    assert [c.id for c in claims] == [mid]
    assert claims[0].attempt == 1
