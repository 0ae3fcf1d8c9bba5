"""Homes: the page each role opens first (`/`), composed from the domains' overview counts."""
