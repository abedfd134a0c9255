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


def concordance(mentions: list[Mention]) -> list[dict]:
    """Each mention as a line of context, grouped by article, in reading order."""
    by_document: dict[int, dict] = {}
    for mention in mentions:
        document = mention.document
        group = by_document.setdefault(document.pk, {"document": document, "lines": []})
        text = document.text
        before = text[max(0, mention.start - CONTEXT_CHARS) : mention.start]
        after = text[mention.end : mention.end + CONTEXT_CHARS]
        group["lines"].append(
            {
                "mention": mention,
                "before": ("…" if mention.start > CONTEXT_CHARS else "") + _one_line(before),
                "name": text[mention.start : mention.end],
                "after": _one_line(after)
                + ("…" if mention.end + CONTEXT_CHARS < len(text) else ""),
                "paragraph": document.paragraph_number_at(mention.start),
            }
        )
    return list(by_document.values())


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
