"""What the glossary's pages show: entries grouped by kind with their mentions counted,
and an entry's concordance and neighbours."""

import re
from collections import Counter

from annotations.models import GlossaryEntry, Mention

CONTEXT_CHARS = 70
# Headings for the index; any kind not named here is shown as its label plus "s".
PLURALS = {"person": "People", "work": "Books and publications"}


def index_groups(entries, documents: list) -> list[dict]:
    """`entries` by kind, each with its mentions counted per document (1 query)."""
    counts = entries.mention_counts()
    groups = []
    for kind, label in GlossaryEntry.Kind.choices:
        members = [
            {
                "entry": entry,
                "counts": [counts[entry.pk].get(d.pk, 0) for d in documents],
                "total": sum(counts[entry.pk].values()),
            }
            for entry in entries
            if entry.kind == kind
        ]
        if members:
            groups.append({"kind": kind, "label": PLURALS.get(kind, f"{label}s"), "rows": members})
    return groups


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def readable_date(value: str) -> str:
    """A partial date (YYYY, YYYY-MM or YYYY-MM-DD) as people read it: "1912",
    "April 1912", "15 April 1912"; as stored if it is not one."""
    year, _, rest = value.partition("-")
    month, _, day = rest.partition("-")
    if not month:
        return year
    if not (month.isdigit() and 1 <= int(month) <= 12) or (day and not day.isdigit()):
        return value
    named = f"{MONTHS[int(month) - 1]} {year}"
    return f"{int(day)} {named}" if day else named


def merge_preview(survivor: GlossaryEntry, absorbed: GlossaryEntry) -> dict:
    """What merging `absorbed` into `survivor` moves, as `writes.merge_entries` does it."""
    kept = set(survivor.aliases.values_list("text", flat=True))
    moving = [alias for alias in absorbed.aliases.order_by("text") if alias.text not in kept]
    known = {survivor.name, *survivor.other_names, *kept, *(alias.text for alias in moving)}
    names = list(dict.fromkeys([absorbed.name, *absorbed.other_names]))
    linked = absorbed.highlights.all()
    return {
        "absorbed": absorbed,
        "moving_aliases": [alias.text for alias in moving if not alias.is_short],
        "moving_short_forms": [alias.text for alias in moving if alias.is_short],
        "moving_names": [name for name in names if name not in known],
        "moving_highlights": linked.count(),
        "linked_to_both": linked.filter(glossary_entries=survivor).count(),
        "mentions": absorbed.mentions.count(),
    }


def concordance(mentions: list[Mention]) -> list[dict]:
    """Each mention as a line of context, grouped by article, in reading order."""
    by_document: dict[int, dict] = {}
    for mention in mentions:
        document = mention.document
        group = by_document.setdefault(document.pk, {"document": document, "lines": []})
        text = document.text
        group["lines"].append(
            {
                "mention": mention,
                "before": _context_before(text, mention.start),
                "name": text[mention.start : mention.end],
                "after": _context_after(text, mention.end),
                "paragraph": document.paragraph_number_at(mention.start),
            }
        )
    return list(by_document.values())


def _context_before(text: str, start: int) -> str:
    """Up to CONTEXT_CHARS before a mention, beginning at a whole word."""
    low = max(0, start - CONTEXT_CHARS)
    before = text[low:start]
    if low == 0:
        return _one_line(before)
    if not text[low - 1].isspace():  # the window begins inside a word: drop its end
        space = re.search(r"\s", before)
        before = before[space.start() :] if space else ""
    return "…" + _one_line(before).lstrip()


def _context_after(text: str, end: int) -> str:
    """Up to CONTEXT_CHARS after a mention, ending at a whole word."""
    high = end + CONTEXT_CHARS
    after = text[end:high]
    if high >= len(text):
        return _one_line(after)
    if not text[high].isspace():  # the window ends inside a word: drop its beginning
        space = re.search(r"\s\S*$", after)
        after = after[: space.start()] if space else ""
    return _one_line(after).rstrip() + "…"


def _one_line(text: str) -> str:
    # Line breaks and runs of spaces become one space; the spaces next to the name stay.
    return re.sub(r"\s+", " ", text)


def mentioned_alongside(entry: GlossaryEntry, mentions: list[Mention], limit: int = 8):
    """Entries most often named in the same paragraphs as this one."""
    places = {(m.document_id, m.document.paragraph_number_at(m.start)) for m in mentions}
    if not places:
        return []
    documents = {m.document_id: m.document for m in mentions}
    counts: Counter[int] = Counter()
    others = Mention.objects.filter(document_id__in=documents).exclude(entry=entry)
    for document_id, entry_id, start in others.values_list("document_id", "entry_id", "start"):
        if (document_id, documents[document_id].paragraph_number_at(start)) in places:
            counts[entry_id] += 1
    top = counts.most_common(limit)
    names = GlossaryEntry.objects.in_bulk([entry_id for entry_id, _ in top])
    return [{"entry": names[entry_id], "count": count} for entry_id, count in top]
