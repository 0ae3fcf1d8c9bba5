"""Billing services: every rule lives in these modules; they only flush."""
from pms.billing.services import (accounts, arrears, bills, bulk_payments, collection, credit_notes,
                                  late_fee_settlements, late_fees, ledger, ledger_checks, payments, plans, runs)

__all__ = ["accounts", "arrears", "bills", "bulk_payments", "collection", "credit_notes", "late_fee_settlements",
           "late_fees", "ledger", "ledger_checks", "payments", "plans", "runs", "init_app"]


def init_app(app) -> None:
    """Add the billing integrity checks to `pms audit verify`."""
    ledger_checks.register_checks()
