"""Billing services entry point: registers the ledger checks with `pms audit verify`."""
from __future__ import annotations

from pms.billing.ledger import first_unbalanced_entry
from pms.core.audit import register_check


def init_app(app) -> None:
    """Add the billing integrity checks to `pms audit verify`."""
    register_check("journal_balanced", first_unbalanced_entry)
