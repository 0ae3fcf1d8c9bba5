"""Billing schemas (marshmallow load/dump), one module per subject: `bills` (the fee plan document,
billing runs, bills) and `accounts` (payments, reversals, credit notes, late-fee settlements,
accounts, demands, arrears, collection, and the front desk's forms)."""
