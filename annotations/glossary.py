"""Finding where glossary entries are named in the articles.

Rules, in order:
- An alias matches only as a whole: not inside a longer word ("Korea" is not found in
  "Korean", "US" not in "USSR"), and with the exact case it is written in, so the
  country "US" is found and the pronoun "us" is not.
- The longest alias wins where several start at one place ("North Korea" over
  "Korea"), and the leftmost where they overlap ("archives of the Soviet Union" over
  "Soviet Union").
- Spaces in an alias match any run of whitespace (a line break, a non-breaking space),
  and ' matches ’.
- A short form ("Kim", "Pak") is linked only if the document has already named exactly
  one entry that has it by a full alias, and names no other entry sharing it anywhere.
  A bare family name is better left unlinked than linked to the wrong person.
"""

import re
from collections.abc import Iterable
from typing import NamedTuple

from django.db import transaction

from annotations.models import Alias, Document, Mention

_LETTER_OR_DIGIT = r"[^\W_]"


class Found(NamedTuple):
    start: int
    end: int
    entry_id: int


def alias_key(surface: str) -> str:
    """An alias as the matcher compares it: runs of whitespace alike, ’ the same as '."""
    return " ".join(surface.replace("’", "'").split())


def _pattern(alias: str) -> str:
    def word(text: str) -> str:
        return "".join("['’]" if char in "'’" else re.escape(char) for char in text)

    return r"\s+".join(word(part) for part in alias.split())


def find_mentions(text: str, aliases: Iterable[tuple[int, str, bool]]) -> list[Found]:
    """Mentions in `text`, given (entry id, alias text, is short form) triples."""
    full: dict[str, int] = {}
    short: dict[str, set[int]] = {}
    for entry_id, alias, is_short in aliases:
        if is_short:
            short.setdefault(alias_key(alias), set()).add(entry_id)
        else:
            full[alias_key(alias)] = entry_id
    surfaces = sorted({*full, *short}, key=len, reverse=True)
    if not surfaces:
        return []
    matcher = re.compile(
        rf"(?<!{_LETTER_OR_DIGIT})(?:{'|'.join(map(_pattern, surfaces))})(?!{_LETTER_OR_DIGIT})"
    )
    matches = [(m.start(), m.end(), alias_key(m.group())) for m in matcher.finditer(text)]

    named_at: dict[int, int] = {}  # entry id -> where a full alias first names it
    for start, _, key in matches:
        if key in full:
            named_at.setdefault(full[key], start)
    found = []
    for start, end, key in matches:
        if key in full:
            found.append(Found(start, end, full[key]))
            continue
        sharing = short[key]
        named_anywhere = sharing & named_at.keys()
        if len(named_anywhere) == 1:
            (entry_id,) = named_anywhere
            if named_at[entry_id] < start:
                found.append(Found(start, end, entry_id))
    return found


@transaction.atomic
def recompute_mentions(documents: Iterable[Document] | None = None) -> dict[str, int]:
    """Store the mentions of every entry in each document's current revision.

    Called whenever documents, entries or aliases change; returns counts per document.
    """
    aliases = list(Alias.objects.values_list("entry_id", "text", "is_short"))
    counts = {}
    for document in documents if documents is not None else Document.objects.all():
        found = find_mentions(document.text, aliases)
        Mention.objects.filter(document=document).delete()
        Mention.objects.bulk_create(
            Mention(
                document=document,
                revision=document.revision,
                entry_id=mention.entry_id,
                start=mention.start,
                end=mention.end,
            )
            for mention in found
        )
        counts[document.slug] = len(found)
    return counts
