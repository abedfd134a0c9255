"""Accounts a teacher hands out: readable user names and one-time passwords."""

import re
import secrets
import unicodedata

from django.contrib.auth import get_user_model

# No look-alikes (0/o, 1/l/i): a student copies these from a printed card.
SAFE_LETTERS = "abcdefghjkmnpqrstuvwxyz"
SAFE_DIGITS = "23456789"
USERNAME_LENGTH = 30


def split_name(name: str) -> tuple[str, str]:
    """A full name as Django's first and last name: the last word is the family name."""
    words = name.split()
    if len(words) < 2:
        return " ".join(words), ""
    return " ".join(words[:-1]), words[-1]


def username_base(name: str) -> str:
    """`Min-jun Kim` -> `min-jun.kim`: letters without accents, digits, dots and hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [re.sub(r"[^a-z0-9-]", "", word.lower()).strip("-") for word in ascii_name.split()]
    base = ".".join(word for word in words if word)[:USERNAME_LENGTH].strip(".-")
    # A name in another script has no ASCII letters: a readable random name instead.
    return base or "student-" + "".join(secrets.choice(SAFE_LETTERS) for _ in range(5))


# 2, 3, ... 9, 22, 23, ...: numbers without a 0 or a 1 to mistake for o or l.
_SAFE_NUMBERS = [n for n in range(2, 1000) if set(str(n)) <= set(SAFE_DIGITS)]


def unique_usernames(names: list[str], taken: set[str] | None = None) -> list[str]:
    """A free user name for each name, numbered 2, 3, ... where one is taken already."""
    taken = {name.casefold() for name in (taken or set())}
    users = get_user_model().objects
    chosen = []
    for name in names:
        base = username_base(name)
        candidates = [base] + [f"{base}{number}" for number in _SAFE_NUMBERS]
        wanted = [candidate for candidate in candidates if candidate not in taken]
        in_use = {
            username.casefold()
            for username in users.filter(username__in=wanted[:50]).values_list(
                "username", flat=True
            )
        }
        username = next(candidate for candidate in wanted if candidate.casefold() not in in_use)
        taken.add(username.casefold())
        chosen.append(username)
    return chosen


def temporary_password() -> str:
    """Random and strong (about 60 bits), easy to type from a card: `k7mp-q2xe-9hbt`."""
    alphabet = SAFE_LETTERS + SAFE_DIGITS
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
