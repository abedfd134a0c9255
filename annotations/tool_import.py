"""Placing and writing annotations other tools made (annotations/tool_formats.py).

Their offsets count another page's text (a web page's, a PDF's), so the quote and its
context decide where a highlight goes; the position is only a hint. Which article: the
target's address when it is one of ours (`/documents/<slug>/` on any host), else the one
article whose text holds the quote with its context. What cannot be placed is reported
with the reason and written nowhere: unlike our own export, such an annotation never was
a highlight here, so there is nothing to keep as orphaned.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.anchoring import AnchorError, fold
from annotations.models import Document, GlossaryEntry, Highlight, Reply
from annotations.tool_formats import Incoming
from annotations.validators import check_tags, clean_note, clean_reply
from annotations.writes import add_imported_reply, create_highlight

_DOCUMENT_PATH = re.compile(r"/documents/([-\w]+)/?$")
_ENTRY_PATH = re.compile(r"/glossary/([-\w]+)/?$")
_WIKIDATA = re.compile(r"wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)$")


class NotPlaced(ValueError):
    """The annotation has no place in our articles; the message says why."""


@transaction.atomic
def import_incoming(incoming: Incoming, report, owners, assignment=None) -> None:
    """One annotation from another tool: a highlight, or a reply to one imported."""
    if incoming.refusal:
        raise NotPlaced(incoming.refusal)
    if incoming.replying_to is not None:
        _import_reply(incoming, report, owners)
        return
    document, placed, moved = _place(incoming, assignment)  # reads only: first
    owner = owners.owner_named(incoming.author, incoming.author_label, report)
    if Highlight.objects.filter(owner=owner, client_key=incoming.key).exists():
        report.already_present += 1
        return
    note, tags = _note_and_tags(incoming)
    entries, left_out = _entries(incoming.links)
    highlight, _ = create_highlight(
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
    )
    if incoming.created is not None:  # the tool's times (auto_now would write today's)
        updated = incoming.modified or incoming.created
        Highlight.objects.filter(pk=highlight.pk).update(created=incoming.created, updated=updated)
    report.created += 1
    report.reanchored += moved
    report.problems += [f"{incoming.label}: {why}; the link was left out" for why in left_out]


def _status(moved: bool) -> str:
    return Highlight.AnchorStatus.REANCHORED if moved else Highlight.AnchorStatus.ANCHORED


def _place(incoming: Incoming, assignment) -> tuple[Document, object, bool]:
    """The article, the anchor in it, and whether the quote moved it off its position."""
    quote = incoming.quote
    if quote is None or not fold(quote.exact).strip():
        raise NotPlaced("it quotes no text (no TextQuoteSelector), so it cannot be placed")
    documents = Document.objects.all()
    if assignment is not None:
        documents = assignment.documents.all()
    document = _document(incoming, documents)
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


def _document(incoming: Incoming, documents) -> Document:
    """The article the annotation's address names, or the only one holding its quote
    with its context."""
    found = _DOCUMENT_PATH.search(urlsplit(incoming.source).path)
    if found:
        document = Document.objects.filter(slug=found.group(1)).first()
        if document is None:
            raise NotPlaced(f"no article here for {incoming.source}")
        if not documents.filter(pk=document.pk).exists():
            raise NotPlaced(f"“{document.title}” is not an article of the assignment")
        return document
    quote = incoming.quote
    wanted = fold(quote.exact).strip()
    holding = [d for d in documents.only("pk", "slug", "title", "text") if wanted in fold(d.text)]
    if len(holding) > 1:
        context = fold(quote.prefix + quote.exact + quote.suffix).strip()
        holding = [document for document in holding if context in fold(document.text)]
    if not holding:
        raise NotPlaced(f"the quote {_short(quote.exact)} is in none of our articles")
    if len(holding) > 1:
        titles = ", ".join(f"“{document.title}”" for document in holding)
        raise NotPlaced(f"the quote {_short(quote.exact)} is in more than one article ({titles})")
    return Document.objects.get(pk=holding[0].pk)


def _note_and_tags(incoming: Incoming) -> tuple[str, list[str]]:
    """Held to the editor's rules: a file brings in nothing the editor would refuse."""
    tags = list(dict.fromkeys(tag.strip() for tag in incoming.tags if tag.strip()))
    try:
        check_tags(tags)
        return clean_note(incoming.note.strip()), tags
    except ValidationError as err:
        raise ValueError(err.messages[0]) from None


def _entries(links: list[str]) -> tuple[list[GlossaryEntry], list[str]]:
    """Our glossary's entries the links name (by our URL or their Wikidata id); and
    why the other links were left out."""
    entries, left_out = [], []
    for link in links:
        path, wikidata = _ENTRY_PATH.search(urlsplit(link).path), _WIKIDATA.search(link)
        entry = None
        if path:
            entry = GlossaryEntry.objects.filter(slug=path.group(1)).first()
        elif wikidata:
            entry = GlossaryEntry.objects.filter(wikidata=wikidata.group(1)).first()
        if entry is None:
            left_out.append(f"no glossary entry here for {link}")
        elif entry not in entries:
            entries.append(entry)
    return entries, left_out


def _import_reply(incoming: Incoming, report, owners) -> None:
    """A reply, in the thread of the highlight (or the reply) it answers; both come
    before it in the file, or were imported before."""
    author = owners.reply_author(incoming.author, incoming.author_label)
    if Reply.objects.filter(author=author, client_key=incoming.key).exists():
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
    add_imported_reply(
        highlight=highlight,
        author=author,
        text=text,
        parent=parent,
        client_key=incoming.key,
        created=incoming.created,
        edited=modified if modified != incoming.created else None,
    )
    report.replies += 1


def _short(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"
