"""The glossary: its index and each entry's page."""

import re
from collections import Counter, defaultdict

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from annotations.access import can_curate_glossary
from annotations.models import (
    Document,
    GlossaryEntry,
    Highlight,
    Mention,
    Reply,
    TaggedHighlight,
)

CONTEXT_CHARS = 70
# Linked highlights per page: an entry like Stalin's gathers hundreds in one class alone.
HIGHLIGHTS_PER_PAGE = 20
# Headings for the index; any kind not named here is shown as its label plus "s".
PLURALS = {"person": "People", "work": "Books and publications"}


@require_safe
@vary_on_headers("HX-Request")
def glossary_index(request: HttpRequest) -> TemplateResponse:
    """Every entry grouped by kind, with its mentions counted per article."""
    query = request.GET.get("q", "")
    kinds = [kind for kind in request.GET.getlist("kind") if kind in GlossaryEntry.Kind.values]
    entries = GlossaryEntry.objects.search(query)
    if kinds:
        entries = entries.filter(kind__in=kinds)
    documents = list(Document.objects.in_library_order().only("slug", "title"))
    counts = defaultdict(dict)
    rows = (
        Mention.objects.filter(entry__in=entries)
        .values("entry_id", "document_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["entry_id"]][row["document_id"]] = row["n"]
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
    template = "annotations/glossary_index.html"
    if request.htmx:
        template += "#results"
    context = {
        "groups": groups,
        "documents": documents,
        "query": query,
        "kinds": kinds,
        "kind_choices": GlossaryEntry.Kind.choices,
        "found": sum(len(group["rows"]) for group in groups),
        "can_curate": can_curate_glossary(request.user),
    }
    return TemplateResponse(request, template, context)


@require_safe
def glossary_entry(request: HttpRequest, slug: str) -> TemplateResponse:
    entry = get_object_or_404(GlossaryEntry.objects.prefetch_related("aliases"), slug=slug)
    mentions = list(entry.mentions.order_by("document__position", "start"))
    # One instance per document, so that its paragraphs are split once, not per mention.
    documents = Document.objects.in_bulk({mention.document_id for mention in mentions})
    for mention in mentions:
        mention.document = documents[mention.document_id]
    highlights = Highlight.objects.visible_to(request.user).filter(glossary_entries=entry)
    listing = (
        highlights.for_listing()
        # The cards need each article's title and link, not its whole text on every row.
        .defer("document__text")
        .prefetch_related(Prefetch("replies", queryset=Reply.objects.select_related("author")))
    )
    page = Paginator(listing, HIGHLIGHTS_PER_PAGE).get_page(request.GET.get("page"))
    tags = (
        TaggedHighlight.objects.filter(content_object__in=highlights)
        .values("tag__name", "tag__slug")
        .annotate(uses=Count("id"))
        .order_by("-uses", "tag__name")
    )
    context = {
        "entry": entry,
        "concordance": _concordance(mentions),
        "page": page,
        "tags": tags,
        "neighbours": _mentioned_alongside(entry, mentions),
        "can_curate": can_curate_glossary(request.user),
        "export_query": urlencode({"entry": entry.slug}),
    }
    return TemplateResponse(request, "annotations/glossary_entry.html", context)


def _concordance(mentions: list[Mention]) -> list[dict]:
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
                "paragraph": _paragraph_number(document, mention.start),
            }
        )
    return list(by_document.values())


def _one_line(text: str) -> str:
    # Line breaks and runs of spaces become one space; the spaces next to the name stay.
    return re.sub(r"\s+", " ", text)


def _paragraph_number(document: Document, offset: int) -> int | None:
    paragraph = document.paragraph_at(offset)
    return paragraph.number if paragraph else None


def _mentioned_alongside(entry: GlossaryEntry, mentions: list[Mention], limit: int = 8):
    """Entries most often named in the same paragraphs as this one."""
    places = {(m.document_id, _paragraph_number(m.document, m.start)) for m in mentions}
    if not places:
        return []
    documents = {m.document_id: m.document for m in mentions}
    counts: Counter[int] = Counter()
    others = Mention.objects.filter(document_id__in=documents).exclude(entry=entry)
    for document_id, entry_id, start in others.values_list("document_id", "entry_id", "start"):
        if (document_id, _paragraph_number(documents[document_id], start)) in places:
            counts[entry_id] += 1
    top = counts.most_common(limit)
    names = GlossaryEntry.objects.in_bulk([entry_id for entry_id, _ in top])
    return [{"entry": names[entry_id], "count": count} for entry_id, count in top]
