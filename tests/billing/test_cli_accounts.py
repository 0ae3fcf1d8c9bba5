"""CLI: pms payments record/reverse, pms late-fees accrue, pms arrears export."""

from openpyxl import load_workbook
from sqlalchemy import func, select

from pms.billing.models import Payment
from pms.core.db import unit_of_work
from tests.billing.helpers_payments import issue_bill, make_plan


def bills(app, world):
    with app.app_context(), unit_of_work() as s:
        plan = make_plan(s, world.yjl, late_fee=(5, 30, 30))
        return [issue_bill(s, world.r501, p, 10000, plan=plan).number for p in ("2026-01", "2026-02")]


def test_record_replay_and_reverse(app, world, runner):
    numbers = bills(app, world)
    ok = runner.invoke(args=["payments", "record", "YJL-3-2-501", "150.00", "--channel", "cash", "--key", "c-1"])
    assert ok.exit_code == 0, ok.output
    assert f"{numbers[0]} 2026-01: ¥100.00" in ok.output and "prepaid ¥0.00" in ok.output
    again = runner.invoke(args=["payments", "record", "YJL-3-2-501", "150.00", "--channel", "cash", "--key", "c-1"])
    assert "(already recorded)" in again.output
    conflict = runner.invoke(args=["payments", "record", "YJL-3-2-501", "1", "--channel", "cash", "--key", "c-1"])
    assert conflict.exit_code == 1 and "idempotency key" in conflict.output
    bad = runner.invoke(args=["payments", "record", "YJL-3-2-501", "1.234", "--channel", "cash"])
    assert bad.exit_code == 2
    zero = runner.invoke(args=["payments", "record", "YJL-3-2-501", "0", "--channel", "cash"])
    assert zero.exit_code == 1 and "amount_fen" in zero.output
    payment_id = ok.output.strip().splitlines()[-1].split()[1].rstrip(":")
    reversed_ = runner.invoke(args=["payments", "reverse", payment_id, "--reason", "test"])
    assert reversed_.exit_code == 0 and "2 bills reopened" in reversed_.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_accrue_and_export(app, world, runner, tmp_path):
    bills(app, world)
    result = runner.invoke(args=["late-fees", "accrue", "--through", "2026-03-16", "--estate", "YJL"])
    assert result.exit_code == 0, result.output
    # Jan: Feb 15–Mar 16 = 30 days × 5 = 150; Feb: due Feb 15, first charged Mar 18 → 0.
    assert "150 fen accrued" in result.output
    again = runner.invoke(args=["late-fees", "accrue", "--through", "2026-03-16"])
    assert "0 fen accrued" in again.output
    out = runner.invoke(args=["arrears", "export", "--estate", "YJL", "--as-of", "2026-03-16",
                              "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    sheet = load_workbook(tmp_path / "arrears-YJL-2026-03-16.xlsx").active
    assert sheet.cell(2, 1).value == "YJL-3-2-501" and sheet.cell(2, 8).value == 20000
    missing = runner.invoke(args=["arrears", "export", "--estate", "NOPE", "--out", str(tmp_path)])
    assert missing.exit_code == 1


def test_credit_note_and_late_fee_settlement(app, world, runner):
    with app.app_context(), unit_of_work() as s:
        plan = make_plan(s, world.yjl, late_fee=(5, 30, 30), effective_from="2023-01")
        number = issue_bill(s, world.r501, "2023-01", 10000, plan=plan).number  # late charge capped at 3,000
    note = runner.invoke(args=["payments", "credit-note", number, "25.00", "--reason", "面积更正"])
    assert note.exit_code == 0, note.output
    assert "credit note ACME-" in note.output and "¥25.00 off" in note.output and "¥75.00 still owed" in note.output
    over = runner.invoke(args=["payments", "credit-note", number, "80", "--reason", "x"])
    assert over.exit_code == 1 and "amount_fen" in over.output
    # A Chinese terminal gets the service's messages in Chinese.
    over_zh = runner.invoke(args=["payments", "credit-note", number, "80", "--reason", "x"], lang="zh_CN")
    assert over_zh.exit_code == 1 and "无法开具红字冲减单" in over_zh.output and "最多可冲减未缴金额 ¥75.00" in over_zh.output
    both = runner.invoke(args=["late-fees", "settle", "YJL-3-2-501", "1", "--paid", "cash", "--waived", "x"])
    assert both.exit_code == 2
    paid = runner.invoke(args=["late-fees", "settle", "YJL-3-2-501", "10", "--paid", "cash"])
    assert paid.exit_code == 0, paid.output
    assert "late charges paid (record 1): ¥10.00" in paid.output and "¥20.00 still owed" in paid.output
    waived = runner.invoke(args=["late-fees", "settle", "YJL-3-2-501", "20", "--waived", "首次逾期"])
    assert waived.exit_code == 0 and "¥0.00 still owed" in waived.output
    back = runner.invoke(args=["late-fees", "reverse", "1", "--reason", "录错"])
    assert back.exit_code == 0 and "¥10.00 owed again" in back.output
    assert runner.invoke(args=["late-fees", "reverse", "1", "--reason", "again"]).exit_code == 1
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_record_refuses_what_the_api_refuses(app, world, runner):
    """The command loads its input through the API's PaymentCreateSchema: the same limits, the same fields."""
    bills(app, world)
    for extra, field in ((["10000000.01"], "amount_fen"), (["1", "--reference", "x" * 129], "reference"),
                         (["1", "--key", ""], "idempotency_key")):
        result = runner.invoke(args=["payments", "record", "YJL-3-2-501", extra[0], "--channel", "cash", *extra[1:]])
        assert result.exit_code == 1 and f"{field}:" in result.output, (extra, result.output)
    with app.app_context(), unit_of_work() as s:
        assert s.scalar(select(func.count(Payment.id))) == 0
