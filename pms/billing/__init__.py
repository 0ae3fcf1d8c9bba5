"""Billing: fee plans, billing runs, bills, payments, late fees, arrears, the ledger."""
