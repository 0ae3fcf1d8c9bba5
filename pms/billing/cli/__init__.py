"""Billing CLI, one module per subject: `bills` (`pms fees`, `pms billing`) and `accounts`
(`pms payments`, `pms late-fees`, `pms arrears`); each exposes `commands` (`pms.domain_parts`)."""
