"""`pms payments …`, `pms late-fees accrue`, `pms arrears export`: the same services as the web."""
from __future__ import annotations

import contextlib
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from pms.billing.models.payments import CHANNELS
from pms.core.cli import echo_error, fail
from pms.core.errors import PmsError


@contextlib.contextmanager
def _work():
    """One unit of work; a service's refusal is reported (`core.cli.fail`) and the command exits 1."""
    from pms.core.db import unit_of_work

    try:
        with unit_of_work() as session:
            yield session
    except PmsError as err:
        fail(err, prefix=_("error"), rows=False)


def _principal():
    from pms.core.auth import ADMIN, Principal, Scope

    return Principal(user_id=0, username="cli", role=ADMIN, scope=Scope(all_estates=True))


@click.group("payments", cls=AppGroup)
def payments_group():
    """Record and reverse payments; credit bills."""


@payments_group.command("record")
@click.argument("room")
@click.argument("amount")
@click.option("--channel", type=click.Choice(CHANNELS), required=True)
@click.option("--reference", default="")
@click.option("--key", "idempotency_key", default=None, help="idempotency key (same key: same payment)")
def record(room, amount, channel, reference, idempotency_key):
    """Record AMOUNT yuan (e.g. 123.45) received for ROOM: oldest bills first, the rest prepaid."""
    from pms.billing.schemas.accounts import PaymentCreateSchema
    from pms.billing.services.payments import record_payment
    from pms.core.api import load_data
    from pms.core.money import format_fen

    fen = _fen(amount, "AMOUNT")
    with _work() as session:
        # The API's schema, so the command refuses exactly what POST /api/v1/payments refuses.
        data = load_data(PaymentCreateSchema(), {"room": room, "amount_fen": fen, "channel": channel,
                                                 "reference": reference, "idempotency_key": idempotency_key})
        result = record_payment(session, _principal(), room_code=data["room"], amount_fen=data["amount_fen"],
                                channel=data["channel"], reference=data["reference"],
                                idempotency_key=data["idempotency_key"])
    for allocation in result.allocations:
        click.echo(f"  {allocation.bill} {allocation.period}: {format_fen(allocation.amount_fen)}")
    click.echo(_("payment %(id)s%(replayed)s: %(amount)s, prepaid %(prepaid)s", id=result.id,
                 replayed=_(" (already recorded)") if result.replayed else "",
                 amount=format_fen(result.amount_fen), prepaid=format_fen(result.prepaid_fen)))


@payments_group.command("reverse")
@click.argument("payment_id", type=int)
@click.option("--reason", required=True)
def reverse(payment_id, reason):
    """Reverse a mistaken payment (a new record; the bills it paid reopen)."""
    from pms.billing.services.payments import reverse_payment
    from pms.core.money import format_fen

    with _work() as session:
        result = reverse_payment(session, _principal(), payment_id, reason=reason)
    click.echo(_("payment %(id)s reversed: %(bills)d bills reopened, prepayment %(prepaid)s taken back",
                 id=payment_id, bills=len(result.bills_reopened), prepaid=format_fen(result.prepayment_reversed_fen)))


def _fen(amount: str, hint: str) -> int:
    from pms.core.money import parse_yuan

    try:
        return parse_yuan(amount)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from exc


@payments_group.command("credit-note")
@click.argument("bill")
@click.argument("amount")
@click.option("--reason", required=True)
def credit_note(bill, amount, reason):
    """Credit AMOUNT yuan of BILL's outstanding amount (a numbered credit note; the bill is not edited)."""
    from pms.billing.services.credit_notes import issue_credit_note
    from pms.core.money import format_fen

    with _work() as session:
        note = issue_credit_note(session, _principal(), bill, amount_fen=_fen(amount, "AMOUNT"), reason=reason)
    click.echo(_("credit note %(number)s: %(amount)s off %(bill)s, %(owed)s still owed (%(status)s)",
                 number=note.number, amount=format_fen(note.amount_fen), bill=note.bill,
                 owed=format_fen(note.bill_outstanding_fen), status=note.bill_status))


@click.group("late-fees", cls=AppGroup)
def late_fees_group():
    """Contractual late charges."""


@late_fees_group.command("accrue")
@click.option("--through", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="last day to accrue (default: yesterday)")
@click.option("--estate", "estate_code", default=None)
def accrue(through, estate_code):
    """Accrue late charges day by day up to a day (what the 02:10 job does); idempotent."""
    from pms.billing.services import late_fees
    from pms.core.estate_loop import for_each_batch
    from pms.core.clock import today
    from pms.estates.services import estate_batches, find_estate

    day = through.date() if through else today() - timedelta(days=1)
    with _work() as session:
        if estate_code:
            estate = find_estate(session, estate_code)
            if estate is None:
                raise click.BadParameter(_("unknown estate %(code)s", code=estate_code), param_hint="--estate")
            estate_ids = [estate.id]
        else:
            estate_ids = late_fees.estates_with_bills(session)
        batches = estate_batches(session, estate_ids)
    # One transaction per batch of estates; a failed estate is reported and the others still accrue.
    with click.progressbar(length=len(estate_ids), label=_("estates")) as bar:
        done = for_each_batch(batches, lambda session, ids: late_fees.catch_up_late_fees_batch(
            session, ids, day), what="late fees", on_done=lambda _key: bar.update(1))
    days = sum(len(results) for _key, results in done.results)
    total = sum(r.total_fen for _key, results in done.results for r in results)
    click.echo(_("late fees through %(day)s: %(estates)d estates, %(days)d estate-days, %(total)d fen accrued",
                 day=day.isoformat(), estates=len(done.results), days=days, total=total))
    for failure in done.failures:
        error = failure.error if isinstance(failure.error, PmsError) else PmsError(
            _("an unexpected error; the log has its details"))
        echo_error(error, prefix=_("failed estate %(id)s", id=failure.key))
    sys.exit(done.exit_code)


@late_fees_group.command("settle")
@click.argument("room")
@click.argument("amount")
@click.option("--paid", "channel", type=click.Choice(CHANNELS), default=None, help="paid through this channel")
@click.option("--waived", "reason", default=None, help="waived (减免), for this reason")
@click.option("--reference", default="")
def settle(room, amount, channel, reason, reference):
    """Settle AMOUNT yuan of ROOM's late charges: --paid CHANNEL or --waived REASON."""
    from pms.billing.services.late_fee_settlements import settle_late_fees
    from pms.core.money import format_fen

    if (channel is None) == (reason is None):
        raise click.UsageError(_("give exactly one of --paid CHANNEL or --waived REASON"))
    with _work() as session:
        result = settle_late_fees(session, _principal(), room, kind="paid" if channel else "waived",
                                  amount_fen=_fen(amount, "AMOUNT"), channel=channel, reference=reference,
                                  reason=reason or "")
    click.echo(_("late charges %(kind)s (record %(id)s): %(amount)s for %(room)s, %(owed)s still owed",
                 kind=result.kind, id=result.id, amount=format_fen(result.amount_fen), room=result.room,
                 owed=format_fen(result.late_fee_fen)))


@late_fees_group.command("reverse")
@click.argument("settlement_id", type=int)
@click.option("--reason", required=True)
def reverse_settlement(settlement_id, reason):
    """Reverse a mistaken late-fee payment or waiver (a new record; nothing is deleted)."""
    from pms.billing.services.late_fee_settlements import reverse_settlement as reverse
    from pms.core.money import format_fen

    with _work() as session:
        result = reverse(session, _principal(), settlement_id, reason=reason)
    click.echo(_("late-fee record %(id)s reversed: %(amount)s for %(room)s, %(owed)s owed again",
                 id=settlement_id, amount=format_fen(result.amount_fen), room=result.room,
                 owed=format_fen(result.late_fee_fen)))


@click.group("arrears", cls=AppGroup)
def arrears_group():
    """Arrears lists."""


@arrears_group.command("export")
@click.option("--estate", "estate_code", required=True)
@click.option("--building", default=None)
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
def export(estate_code, building, as_of, fmt, out):
    """Write the estate's arrears list (no ID numbers) to OUT/arrears-ESTATE-DATE.xlsx|csv."""
    from pms.billing.services import arrears

    with _work() as session:
        report = arrears.list_arrears(session, _principal(), estate_code, building=building,
                                      as_of=as_of.date() if as_of else None)
    out.mkdir(parents=True, exist_ok=True)
    path = out / arrears.export_name(report, fmt)
    path.write_bytes(arrears.export_csv(report) if fmt == "csv" else arrears.export_xlsx(report))
    click.echo(_("%(rooms)d rooms, %(fen)d fen → %(path)s", rooms=report.rooms, fen=report.outstanding_fen,
                 path=str(path)))


commands = [payments_group, late_fees_group, arrears_group]
