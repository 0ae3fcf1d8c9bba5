"""Account rules that need no database: passwords, lock-out lengths, where to go after login."""
from __future__ import annotations

import functools
from datetime import timedelta
from importlib import resources
from typing import Optional
from urllib.parse import urlsplit

from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 10
# A password of fewer different characters ("          ", "aaaaaaaaaa", "ababababab") is refused.
MIN_DISTINCT_CHARACTERS = 4
# The username is looked for in passwords only when it is at least this long ("li" may be anywhere).
MIN_USERNAME_TO_LOOK_FOR = 3


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, in lower case (pms/accounts/data/common-passwords.txt)."""
    text = (resources.files("pms.accounts") / "data" / "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with `password` for the account `username` (empty: nothing), in the user's language.

    At least MIN_PASSWORD_LENGTH characters; not on the common list; not made of a few characters
    repeated; and not built on the username: the username adds no secret, so what remains of the
    password without it (case-insensitive) must still be long enough and not common
    ("demo-finance-2026" for finance keeps "demo--2026": accepted; "finance2026!" is refused).
    """
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        problems.append(_("Too simple: use more different characters."))
    folded = password.strip().lower()
    if folded in common_passwords():
        problems.append(_("This password is too common; choose another."))
    name = (username or "").strip().lower()
    if len(name) >= MIN_USERNAME_TO_LOOK_FOR and name in password.lower():
        rest = password.lower().replace(name, "")
        if len(rest) < MIN_PASSWORD_LENGTH or rest.strip() in common_passwords():
            problems.append(_("The password must not be built on the username."))
    return problems


def lock_duration(failures: int, *, max_failures: int, first: timedelta, longest: timedelta) -> Optional[timedelta]:
    """How long an account is locked after `failures` consecutive wrong passwords (None: not locked).

    The `max_failures`-th failure locks for `first`, every further one doubles it, up to `longest`:
    with 5, 1 minute and 60 minutes, failures 5, 6, 7 … lock for 1, 2, 4, 8, 16, 32, 60, 60 … minutes.
    A burst can therefore never lock a real account for good, and a guesser gets about one try per
    hour once the lock has grown.
    """
    if failures < max_failures:
        return None
    doublings = failures - max_failures
    if doublings >= 32:  # far past any sensible cap; avoids huge numbers
        return longest
    return min(first * (2 ** doublings), longest)


def is_safe_next(target: Optional[str]) -> bool:
    """Whether `target` (a `next=` parameter) is a path on this site, safe to redirect to after login.

    Browsers drop tabs and newlines anywhere in a URL and strip leading control characters and
    spaces (the WHATWG URL parser), and read a backslash as a slash: "/\\t/evil.example" and
    "/\\\\evil.example" both become "//evil.example", another host. So a target is accepted only
    when it has no control character or whitespace at all, starts with one "/", has no backslash,
    and parses (as Werkzeug and browsers do) to no scheme and no host.
    """
    if not target or len(target) > 2048:
        return False
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F or ch.isspace() for ch in target):
        return False
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced "[" in what would be the host
        return False
    return not parts.scheme and not parts.netloc
