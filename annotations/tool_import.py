"""Placing and writing annotations other tools made (annotations/tool_formats.py).

Their offsets count another page's text (a web page's, a PDF's), so the quote and its
context decide where a highlight goes; the position is only a hint. Which article: the
target's address when it is one of ours (`/documents/<slug>/` on any host), else the one
article whose text holds the quote with its context. What cannot be placed is reported
with the reason and written nowhere: unlike our own export, such an annotation never was
a highlight here, so there is nothing to keep as orphaned.

What is the same for every annotation of a file is read once for the whole file
(FileLookups): the articles and their folded text, the assignment's articles, the
glossary entries its links name, and which of its keys are here already (by owner).
Only what is written goes in a transaction, one an annotation: one found here already
costs no query.
"""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.anchoring import AnchorError, fold
from annotations.models import Document, GlossaryEntry, Highlight, Reply
from annotations.tool_formats import Incoming, document_slug, entry_slug
from annotations.validators import check_tags, clean_note, clean_reply
from annotations.writes import add_imported_reply, create_highlight

_WIKIDATA = re.compile(r"wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)$")


class NotPlaced(ValueError):
    """The annotation has no place in our articles; the message says why."""


class FileLookups:
    """What every annotation of one file needs, read once for the file: the articles
    (with their folded text), those of the `assignment`, the glossary entries by link,
    and the file's keys already here: highlights by (owner, key), replies by (author,
    key). What this import writes is added as it goes."""

    def __init__(self, assignment=None, keys=()):
        self.documents = list(Document.objects.all())
        self.folded = {document.pk: fold(document.text) for document in self.documents}
        allowed = self.documents
        if assignment is not None:
            chosen = set(assignment.documents.values_list("pk", flat=True))
            allowed = [document for document in self.documents if document.pk in chosen]
        self.assignment, self.allowed = assignment, allowed
        self.entries: dict[str, GlossaryEntry | None] = {}
        keys = list(set(keys))
        by_owner = Highlight.objects.filter(client_key__in=keys).order_by().values_list
        self.highlights = set(by_owner("owner_id", "client_key")) if keys else set()
        by_author = Reply.objects.filter(client_key__in=keys).order_by().values_list
        self.replies = set(by_author("author_id", "client_key")) if keys else set()

    def by_slug(self, slug: str) -> Document | None:
        return next((document for document in self.documents if document.slug == slug), None)


def import_incoming(incoming: Incoming, report, owners, assignment=None, lookups=None) -> None:
    """One annotation from another tool: a highlight, or a reply to one imported.
    `lookups`: the file's (FileLookups), made for this one annotation if not given."""
    if incoming.refusal:
        raise NotPlaced(incoming.refusal)
    lookups = lookups or FileLookups(assignment, [incoming.key])
    if incoming.replying_to is not None:
        _import_reply(incoming, report, owners, lookups)
        return
    document, placed, moved = _place(incoming, lookups)  # reads only: first
    owner = owners.owner_named(incoming.author, incoming.author_label, report)
    if (owner.pk, incoming.key) in lookups.highlights:
        report.already_present += 1
        return
    note, tags = _note_and_tags(incoming)
    entries, left_out = _entries(incoming.links, lookups)
    updated = incoming.modified or incoming.created
    highlight, created = create_highlight(  # the annotation's transaction
        owner=owner,
        document=document,
        anchor=placed,
        note=note,
        tags=tags,
        visibility=Highlight.Visibility.CLASS if incoming.shared else Highlight.Visibility.PRIVATE,
        glossary_entries=entries,
        assignment=assignment,
        client_key=incoming.key,
        anchor_status=_status(moved),
        capped=owners.capped,
        # The tool's times (auto_now would write today's).
        times=(incoming.created, updated) if incoming.created is not None else None,
    )
    lookups.highlights.add((owner.pk, incoming.key))
    if not created:  # another import of the same file, a moment before this one
        report.already_present += 1
        return
    report.created += 1
    report.reanchored += moved
    report.problems += [f"{incoming.label}: {why}; the link was left out" for why in left_out]


def _status(moved: bool) -> str:
    return Highlight.AnchorStatus.REANCHORED if moved else Highlight.AnchorStatus.ANCHORED


def _place(incoming: Incoming, lookups: FileLookups) -> tuple[Document, object, bool]:
    """The article, the anchor in it, and whether the quote moved it off its position."""
    quote = incoming.quote
    if quote is None or not fold(quote.exact).strip():
        raise NotPlaced("it quotes no text (no TextQuoteSelector), so it cannot be placed")
    document = _document(incoming, lookups)
    try:
        placed = document.place(
            exact=quote.exact,
            prefix=quote.prefix,
            suffix=quote.suffix,
            start=quote.start,
            end=quote.end,
        )
    except AnchorError:
        raise NotPlaced(f"the quote {_short(quote.exact)} is not in “{document.title}”") from None
    return document, placed, (placed.start, placed.end) != (quote.start, quote.end)


def _document(incoming: Incoming, lookups: FileLookups) -> Document:
    """The article the annotation's address names, or the only one holding its quote
    with its context (of the assignment's, if it has one)."""
    slug = document_slug(incoming.source)
    if slug:
        document = lookups.by_slug(slug)
        if document is None:
            raise NotPlaced(f"no article here for {incoming.source}")
        if document not in lookups.allowed:
            raise NotPlaced(f"“{document.title}” is not an article of the assignment")
        return document
    quote, folded = incoming.quote, lookups.folded
    wanted = fold(quote.exact).strip()
    holding = [document for document in lookups.allowed if wanted in folded[document.pk]]
    if len(holding) > 1:
        context = fold(quote.prefix + quote.exact + quote.suffix).strip()
        holding = [document for document in holding if context in folded[document.pk]]
    if not holding:
        raise NotPlaced(f"the quote {_short(quote.exact)} is in none of our articles")
    if len(holding) > 1:
        titles = ", ".join(f"“{document.title}”" for document in holding)
        raise NotPlaced(f"the quote {_short(quote.exact)} is in more than one article ({titles})")
    return holding[0]


def _note_and_tags(incoming: Incoming) -> tuple[str, list[str]]:
    """Held to the editor's rules: a file brings in nothing the editor would refuse."""
    tags = list(dict.fromkeys(tag.strip() for tag in incoming.tags if tag.strip()))
    try:
        check_tags(tags)
        return clean_note(incoming.note.strip()), tags
    except ValidationError as err:
        raise ValueError(err.messages[0]) from None


def _entries(links: list[str], lookups: FileLookups) -> tuple[list[GlossaryEntry], list[str]]:
    """Our glossary's entries the links name (by our URL or their Wikidata id); and
    why the other links were left out."""
    entries, left_out = [], []
    for link in links:
        if link not in lookups.entries:
            lookups.entries[link] = _entry(link)
        entry = lookups.entries[link]
        if entry is None:
            left_out.append(f"no glossary entry here for {link}")
        elif entry not in entries:
            entries.append(entry)
    return entries, left_out


def _entry(link: str) -> GlossaryEntry | None:
    slug, wikidata = entry_slug(link), _WIKIDATA.search(link)
    if slug:
        return GlossaryEntry.objects.filter(slug=slug).first()
    if wikidata:
        return GlossaryEntry.objects.filter(wikidata=wikidata.group(1)).first()
    return None


def _import_reply(incoming: Incoming, report, owners, lookups: FileLookups) -> None:
    """A reply, in the thread of the highlight (or the reply) it answers; both come
    before it in the file, or were imported before."""
    author = owners.reply_author(incoming.author, incoming.author_label)
    if (author.pk, incoming.key) in lookups.replies:
        report.replies_present += 1
        return
    parent = Reply.objects.filter(client_key=incoming.replying_to).first()
    highlight = parent.highlight if parent else None
    highlight = highlight or Highlight.objects.filter(client_key=incoming.replying_to).first()
    if highlight is None:
        raise NotPlaced("a reply to an annotation that was not imported")
    try:
        text = clean_reply(incoming.note)
    except ValidationError as err:
        raise ValueError(err.messages[0]) from None
    modified = incoming.modified or incoming.created
    try:
        with transaction.atomic():  # the annotation's transaction
            add_imported_reply(
                highlight=highlight,
                author=author,
                text=text,
                parent=parent,
                client_key=incoming.key,
                created=incoming.created,
                edited=modified if modified != incoming.created else None,
            )
    except IntegrityError:  # another upload of the file, since `lookups` read the keys
        if not Reply.objects.filter(author=author, client_key=incoming.key).exists():
            raise
        report.replies_present += 1
        return
    lookups.replies.add((author.pk, incoming.key))
    report.replies += 1


def _short(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"
