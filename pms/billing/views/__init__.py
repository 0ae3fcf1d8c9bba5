"""Billing pages, one module (and one blueprint) per subject: `bills` (blueprint "billing": fee plans,
billing runs, bills) and `accounts` (blueprint "payments": a room's account and the money on it,
arrears, collection). The app factory registers each module's `bp` (`pms.domain_parts`)."""
