"""Addresses people type: one check of an e-mail address for every domain."""
from __future__ import annotations

import re

# One plain ASCII address (an internationalised one needs SMTPUTF8, which few servers offer),
# no display name, nothing a header could be smuggled in with.
_EMAIL = re.compile(r"""^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$""")


def is_email_address(address: str) -> bool:
    """Whether `address` is an e-mail address the outbox can send to."""
    return bool(_EMAIL.fullmatch(address or ""))
