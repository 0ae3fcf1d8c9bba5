"""The sender against a real SMTP server: delivered once, retried with backoff, failed visibly."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pms.core.notifications import OutboxItem
from pms.notifications import services
from pms.notifications.smtp import parse_smtp_url
from tests.notifications.conftest import free_port, queue, row, send, set_email

BODY = "云景里3号楼2单元：明天9:00–12:00停水，请提前储水。\n物业服务中心"


def test_delivers_once_with_address_subject_and_utf8_chinese_body(app, world, smtp, clock):
    [mid] = queue(app, OutboxItem(subject="停水通知：3号楼", body=BODY, to_address="zhang@example.test",
                                  estate_id=world.yjl.id))

    summary = send(app)
    assert (summary.sent, summary.failed, summary.retrying) == (1, 0, 0)
    [got] = smtp.received
    assert got.rcpt_tos == ["zhang@example.test"]
    assert got.message["To"] == "zhang@example.test"
    assert got.message["From"] == "pms@acme.test"
    assert got.message["Subject"] == "停水通知：3号楼"
    assert got.message.get_content_charset() == "utf-8"
    assert got.body == BODY
    assert got.message["Message-ID"].startswith(f"<pms.outbox.{mid}.")
    stored = row(app, mid)
    assert stored.sent_at == clock.value and stored.attempts == 1
    assert stored.claimed_at is None and stored.claimed_by is None and stored.failed_at is None

    # the next runs find nothing to send: once, not again
    assert send(app).sent == 0
    clock.advance(hours=3)
    assert send(app).sent == 0
    assert len(smtp.received) == 1


def test_address_comes_from_the_recipient_account(app, world, smtp):
    set_email(app, "manager", "manager@acme.test")
    [mid] = queue(app, OutboxItem(subject="SLA", body="b", recipient_user_id=world.users["manager"].id,
                                  estate_id=world.yjl.id))
    assert send(app).sent == 1
    assert [r.rcpt_tos for r in smtp.received] == [["manager@acme.test"]]
    assert row(app, mid).sent_at is not None


@pytest.mark.parametrize("address, reason", [("", services.NO_ADDRESS), ("not an address", services.BAD_ADDRESS),
                                             ("a@b.test\nBcc: x@evil.test", services.BAD_ADDRESS)])
def test_no_usable_address_fails_at_once_with_a_reason(app, world, smtp, clock, address, reason):
    # the account has no e-mail address (or the message names a bad one)
    [mid] = queue(app, OutboxItem(subject="s", body="b", to_address=address,
                                  recipient_user_id=world.users["manager"].id, estate_id=world.yjl.id))
    summary = send(app)
    assert summary.failed == 1 and smtp.received == []
    stored = row(app, mid)
    assert stored.failed_at == clock.value and stored.last_error == reason and stored.sent_at is None


def test_temporary_refusal_is_retried_later_with_backoff(app, world, smtp, clock):
    smtp.reply("busy@example.test", "451 4.3.0 mailbox busy, try later")
    [mid] = queue(app, OutboxItem(subject="s", body="b", to_address="busy@example.test", estate_id=world.yjl.id))
    start = clock.value

    summary = send(app)
    assert (summary.sent, summary.retrying, summary.failed) == (0, 1, 0)
    stored = row(app, mid)
    assert stored.attempts == 1 and stored.failed_at is None and stored.claimed_at is None
    assert stored.next_attempt_at == start + timedelta(minutes=1)
    assert stored.last_error.startswith("SMTP 451")

    # not due before its time
    clock.advance(seconds=59)
    assert send(app).handled == 0
    clock.advance(seconds=1)
    assert send(app).retrying == 1
    assert row(app, mid).next_attempt_at == clock.value + timedelta(minutes=2)  # the wait doubles

    # the server takes it now: sent on the next due run, exactly once
    smtp.accept("busy@example.test")
    clock.advance(minutes=1)
    assert send(app).handled == 0
    clock.advance(minutes=1)
    assert send(app).sent == 1
    assert [r.rcpt_tos for r in smtp.received] == [["busy@example.test"]]
    assert row(app, mid).attempts == 3


def test_temporary_refusals_give_up_after_max_attempts(app, world, smtp, clock):
    smtp.reply("busy@example.test", "452 4.2.2 mailbox full")
    [mid] = queue(app, OutboxItem(subject="s", body="b", to_address="busy@example.test", estate_id=world.yjl.id))
    waits = []
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        before = clock.value
        send(app)
        stored = row(app, mid)
        assert stored.attempts == attempt
        if stored.failed_at is None:
            waits.append(stored.next_attempt_at - before)
            clock.set(stored.next_attempt_at)
    assert waits == [timedelta(minutes=2 ** i) for i in range(services.MAX_ATTEMPTS - 1)]
    assert stored.failed_at is not None and stored.last_error.startswith("SMTP 452")
    clock.advance(days=1)
    assert send(app).handled == 0 and smtp.received == []


def test_permanent_refusal_fails_at_once(app, world, smtp, clock):
    smtp.reply("gone@example.test", "550 5.1.1 no such mailbox")
    [bad, good] = queue(app, OutboxItem(subject="s1", body="b", to_address="gone@example.test", estate_id=world.yjl.id),
                        OutboxItem(subject="s2", body="b", to_address="ok@example.test", estate_id=world.yjl.id))
    summary = send(app)
    assert (summary.sent, summary.failed, summary.retrying) == (1, 1, 0)
    stored = row(app, bad)
    assert stored.failed_at == clock.value and stored.attempts == 1
    assert stored.last_error == "SMTP 550: 5.1.1 no such mailbox"
    assert [r.message["Subject"] for r in smtp.received] == ["s2"]
    clock.advance(days=1)
    assert send(app).handled == 0


def test_unreachable_server_retries_and_stops_the_run(app, world, clock):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}?timeout=5"  # nobody listens
    ids = queue(app, *[OutboxItem(subject=f"s{i}", body="b", to_address=f"r{i}@example.test",
                                  estate_id=world.yjl.id) for i in range(3)])
    summary = send(app)
    # one message took the attempt; the others wait untouched for the next run
    assert (summary.retrying, summary.failed, summary.sent) == (1, 0, 0)
    assert summary.stopped and "127.0.0.1" in summary.stopped and summary.waiting_email == 2
    first = row(app, ids[0])
    assert first.attempts == 1 and first.next_attempt_at == clock.value + timedelta(minutes=1)
    assert [row(app, i).attempts for i in ids[1:]] == [0, 0]


def test_stale_claim_is_failed_as_unknown_not_sent_again(app, world, smtp, clock):
    [mid] = queue(app, OutboxItem(subject="s", body="b", to_address="a@example.test", estate_id=world.yjl.id))
    # a sender claims it and dies before recording the outcome
    from pms.core.db import unit_of_work

    with app.app_context(), unit_of_work() as session:
        assert services.claim_next(session, "dead-sender", now=clock.value).id == mid
    assert send(app).handled == 0  # held by the other sender: not taken
    clock.advance(services.LEASE - timedelta(seconds=1))
    assert send(app).expired == 0
    clock.advance(seconds=2)
    summary = send(app)
    assert summary.expired == 1 and summary.handled == 0 and smtp.received == []
    stored = row(app, mid)
    assert stored.failed_at is not None and stored.last_error == services.OUTCOME_UNKNOWN
    assert stored.claimed_at is None


def test_sms_stays_queued_without_a_gateway(app, world, smtp):
    [mid] = queue(app, OutboxItem(subject="停水", body="b", to_address="13912345678", channel="sms",
                                  estate_id=world.yjl.id))
    summary = send(app)
    assert summary.handled == 0 and summary.waiting_sms == 1
    assert "1 SMS waiting (no SMS gateway configured)" in summary.line()
    stored = row(app, mid)
    assert stored.attempts == 0 and stored.failed_at is None and stored.sent_at is None


def test_without_smtp_url_nothing_is_claimed(app, world):
    [mid] = queue(app, OutboxItem(subject="s", body="b", to_address="a@example.test", estate_id=world.yjl.id))
    app.config["SMTP_URL"] = ""
    summary = send(app)
    assert summary.stopped and "PMS_SMTP_URL" in summary.stopped and summary.waiting_email == 1
    assert row(app, mid).attempts == 0


def test_cli_send_once(app, world, smtp, runner, caplog):
    queue(app, OutboxItem(subject="s", body="保密的正文", to_address="a@example.test", estate_id=world.yjl.id),
          OutboxItem(subject="t", body="b", to_address="13912345678", channel="sms", estate_id=world.yjl.id))
    with caplog.at_level("DEBUG"):
        result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to retry, 0 failed; 1 SMS waiting" in result.output
    assert len(smtp.received) == 1
    # logs name ids and counts, never addresses or bodies
    assert "a@example.test" not in caplog.text and "保密" not in caplog.text and "13912345678" not in caplog.text
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0 and "queued 1" in status.output and "sent 1" in status.output


def test_cli_send_once_exits_1_when_the_server_is_unreachable(app, world, runner):
    queue(app, OutboxItem(subject="s", body="b", to_address="a@example.test", estate_id=world.yjl.id))
    app.config["SMTP_URL"] = f"smtp://user:s3cret-pw@127.0.0.1:{free_port()}"
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 1
    assert "stopped" in result.output and "s3cret-pw" not in result.output


def test_the_job_runs_every_minute():
    from jobs.outbox import JOBS

    [job] = JOBS
    assert job.id == "outbox.send" and job.cron == {"minute": "*"}


def test_job_body_sends(app, world, smtp):
    from jobs.outbox import send_outbox

    queue(app, OutboxItem(subject="s", body="b", to_address="a@example.test", estate_id=world.yjl.id))
    send_outbox(app)
    assert len(smtp.received) == 1


# ---- PMS_SMTP_URL ----------------------------------------------------------------------------

def test_smtp_url_forms():
    plain = parse_smtp_url("smtp://mail.example.test")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls, plain.username) == \
        ("mail.example.test", 25, False, False, "")
    tls = parse_smtp_url("smtps://pms%40acme.test:p%40ss:w@mail.example.test")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (465, True, "pms@acme.test", "p@ss:w")
    submission = parse_smtp_url("smtp://u:pw@mail.example.test:587?starttls=1&timeout=10")
    assert (submission.port, submission.starttls, submission.timeout) == (587, True, 10.0)
    assert "pw" not in repr(submission) and submission.describe() == "smtp://mail.example.test:587?starttls=1"


@pytest.mark.parametrize("url", ["http://mail.example.test", "smtp://", "smtp://h/path", "smtp://h?tls=1",
                                 "smtp://h?starttls=maybe", "smtps://h?starttls=1", "smtp://h:99999",
                                 "smtp://h?timeout=0", "smtp://u:secret@h?bogus=1"])
def test_bad_smtp_urls_are_refused_without_naming_the_password(url):
    with pytest.raises(ValueError) as err:
        parse_smtp_url(url)
    assert "secret" not in str(err.value)


def test_config_refuses_a_bad_smtp_url():
    from pms.config import ConfigError, load_config

    assert load_config({"PMS_SMTP_URL": "smtp://mail.example.test:2525"})["SMTP_URL"] == "smtp://mail.example.test:2525"
    with pytest.raises(ConfigError):
        load_config({"PMS_SMTP_URL": "mail.example.test"})
