"""The limits, patterns and plain-text rules, in one place.

The forms show them to people, the importer applies them to files, and the models turn
them into database constraints: each is written here once.
"""

import datetime
import functools
import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

LARGEST_ID = 2**63 - 1  # the largest id PostgreSQL's bigint holds
MAX_NOTE_LENGTH = 5000
MAX_INSTRUCTIONS_LENGTH = 5000
MAX_REPLY_LENGTH = 2000
MAX_SUMMARY_LENGTH = 1000
MAX_ALIAS_LENGTH = 200
MAX_SLUG_LENGTH = 100
MAX_TAG_LENGTH = 50
MAX_TAGS = 20
MAX_MIN_HIGHLIGHTS = 200
MAX_REQUEST_LENGTH = 2000
MAX_ROSTER_LINES = 500
MAX_IMPORT_BYTES = 200 * 1024 * 1024  # a district's export is about 60 MB
# A teacher's upload (views/imports.py): a class's work, imported while the page waits.
MAX_UPLOAD_IMPORT_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_IMPORT_ANNOTATIONS = 2000
MAX_SEARCH_LENGTH = 500  # a search's query: a few words, phrases and names
MAX_PARAGRAPH_LENGTH = 5000  # a corrected paragraph; the articles' longest has 705
MAX_TOKEN_NAME_LENGTH = 100  # a personal access token's name: what a tool is
# A personal access token: "kr_" and 43 URL-safe characters (256 random bits); its first
# TOKEN_SHOWN_LENGTH characters are kept to tell it apart in the list (annotations/tokens.py).
TOKEN_MARK = "kr_"
TOKEN_SHOWN_LENGTH = 9

# Paths under /glossary/ that are pages, not entries.
RESERVED_SLUGS = ("new",)

# YYYY, YYYY-MM or YYYY-MM-DD: life dates are often known only to the year.
PARTIAL_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
WIKIDATA_ID = r"^Q[1-9][0-9]*$"
# Join codes: without look-alikes (0/O, 1/I/L), easy to read out in class; ten of 31
# characters (8 x 10^14) cannot be guessed behind the join throttle.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 10
JOIN_CODE = rf"^[{JOIN_CODE_ALPHABET}]{{{JOIN_CODE_LENGTH}}}$"

MAX_TIME_ZONE_LENGTH = 64


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA names a person or a class may choose, sorted (America/New_York, ...)."""
    return tuple(sorted(zoneinfo.available_timezones() - {"Factory", "localtime"}))


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            "Choose a time zone from the list, such as America/New_York or Asia/Seoul.",
            code="time_zone",
        )


validate_wikidata_id = RegexValidator(WIKIDATA_ID, "A Wikidata id looks like Q855.")

# Something that reads as an HTML tag or comment: "<b>", "</p>", "<script src=…>", "<!--".
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>|<!--")


def plain_text(value: str, what: str) -> str:
    if _MARKUP.search(value):
        raise ValidationError(
            f"{what.capitalize()} must be plain text: remove the HTML markup (the part in < >).",
            code="markup",
        )
    return value


def visible_name(value: str, what: str) -> str:
    """A name or title: plain text, with something to see (a link or heading shows it)."""
    value = plain_text(value, what)
    if value and not any(character.isalnum() for character in value):
        raise ValidationError(f"A {what} needs at least one letter or digit.", code="invisible")
    return value


def clean_reply(text: str) -> str:
    """A reply's text as the reply form takes it: stripped, something, plain, not too long."""
    text = text.strip()
    if not text:
        raise ValidationError("Write something to reply.", code="empty")
    if len(text) > MAX_REPLY_LENGTH:
        raise ValidationError(
            f"A reply has at most {MAX_REPLY_LENGTH} characters (it has {len(text)}).",
            code="too_long",
        )
    return plain_text(text, "reply")


def clean_note(note: str) -> str:
    if _MARKUP.search(note):
        raise ValidationError(
            "Notes are plain text: remove the HTML markup (the part in < >). "
            "Line breaks are kept as you type them.",
            code="markup",
        )
    return note


def parse_tags(raw: str) -> list[str]:
    """Comma-separated tags: trimmed, inner whitespace collapsed, one of each in any case."""
    tags: list[str] = []
    seen: set[str] = set()
    for item in raw.split(","):
        name = " ".join(item.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            tags.append(name)
    return tags


def check_tags(names: list[str]) -> list[str]:
    """The tag rules, for the form and for imported highlights alike."""
    if len(names) > MAX_TAGS:
        raise ValidationError(
            f"At most {MAX_TAGS} tags per highlight; this has {len(names)}.", code="too_many"
        )
    for name in names:
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationError(
                f"Tags are at most {MAX_TAG_LENGTH} characters; “{name[:20]}…” has {len(name)}.",
                code="too_long",
            )
        if "<" in name or ">" in name:
            raise ValidationError("Tags cannot contain < or >.", code="markup")
        if not any(character.isalnum() for character in name):
            raise ValidationError(
                f"“{name}” is not a tag: a tag needs a letter or a digit.", code="empty"
            )
    return names


def validate_partial_date(value: str) -> None:
    if not re.fullmatch(PARTIAL_DATE, value):
        raise ValidationError(
            "Write the date as YYYY, YYYY-MM or YYYY-MM-DD, e.g. 1912-04-15.", code="date"
        )
    year, month, day = ([int(part) for part in value.split("-")] + [1, 1])[:3]
    try:
        datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(f"There is no such date as {value}.", code="date") from None
