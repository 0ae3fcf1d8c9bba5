"""The billing run's preview: the run's own staging queries, nothing written, the same numbers."""
from datetime import date

import pytest
from sqlalchemy import func, select

from pms.billing.models import Bill, BillingRun, JournalEntry
from pms.billing.services import runs
from pms.core.errors import Invalid
from pms.estates.models import Estate
from tests.billing.test_api_runs import planned  # noqa: F401  (fixture)


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_preview_is_what_the_run_then_issues(app, db, planned):
    estate = db.get(Estate, planned.yjl.id)
    with app.test_request_context():
        preview = runs.preview_billing(db, estate, "2026-11", today=date(2026, 11, 5))
    # 501: 86.55 m² × ¥1.20 = ¥103.86, elevator floor 5 (30 of 60) × ¥1,800 = ¥900, parking ¥150;
    # 502: ¥103.86 + ¥900. Together 2 bills, ¥2,157.72, due on the plan's day.
    assert (preview.bills, preview.total_fen, preview.subsidy_fen, preview.payable_fen) == (2, 215772, 0, 215772)
    assert preview.period == "2026-11" and not preview.already_billed and preview.due_date.month == 11
    assert count(db, BillingRun) == count(db, Bill) == count(db, JournalEntry) == 0
    with app.test_request_context():
        result = runs.run_billing(db, estate, "2026-11", today=date(2026, 11, 5))
        again = runs.preview_billing(db, estate, "2026-11", today=date(2026, 11, 5))
    assert (result.bills_created, result.total_fen, result.subsidy_fen) == (2, 215772, 0)
    assert again.already_billed and again.bills == 0


def test_preview_with_subsidy_agrees_with_the_run(app, db, planned):
    estate = db.get(Estate, planned.yjl.id)
    with app.test_request_context():
        preview = runs.preview_billing(db, estate, "2026-02", today=date(2026, 2, 5))
        result = runs.run_billing(db, estate, "2026-02", today=date(2026, 2, 5))
    assert preview.subsidy_fen > 0
    assert (preview.bills, preview.total_fen, preview.subsidy_fen, preview.payable_fen) == (
        result.bills_created, result.total_fen, result.subsidy_fen, result.payable_fen)


def test_preview_refuses_what_the_run_refuses(app, db, planned):
    estate = db.get(Estate, planned.yjl.id)
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        runs.preview_billing(db, estate, "2027-01", today=date(2026, 11, 5))
    assert "period" in refused.value.fields
    with app.test_request_context(), pytest.raises(Invalid) as no_plan:
        runs.preview_billing(db, estate, "2025-12", today=date(2026, 11, 5))
    assert "period" in no_plan.value.fields
