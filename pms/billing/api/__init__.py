"""Billing JSON API, one module (and one blueprint) per subject: `bills` ("billing_api": fee plans,
billing runs, bills) and `accounts` ("payments_api": payments, reversals, credit notes, late-fee
settlements, accounts, demands, arrears, collection). Registered by `pms.domain_parts`."""
