"""Subsidy programmes (minimal registry; claims and disbursements come later)."""
