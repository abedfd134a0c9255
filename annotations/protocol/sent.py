"""What a tool sends to the Web Annotation Protocol (annotations/protocol/): the
annotation a POST or PUT carries, read into what the reading view's forms take
(HighlightForm, HighlightNoteForm, ReplyForm), so that a highlight made through the
Protocol is placed, checked and capped as one made in the browser is. What cannot be
one of ours is a ProtocolError (400 and the reason), before anything is written.
"""

import json
import re
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse

from annotations.anchoring import AnchorError
from annotations.export import JSONLD_CONTENT_TYPE
from annotations.models import Document, GlossaryEntry, Highlight, Reply
from annotations.protocol.answers import SENT_TYPES, ProtocolError, base_url

HIGHLIGHT_MOTIVATIONS = {None, "highlighting", "commenting", "tagging", "identifying"}
CANONICAL = re.compile(r"urn:uuid:([0-9a-fA-F-]{32,36})")
TEXT_FORMATS = (None, "text/plain")
CONTEXT_LENGTH = 64  # the most of a quote's prefix and suffix HighlightForm takes


def read_annotation(request: HttpRequest) -> dict:
    """The annotation a POST or PUT carries: JSON of type Annotation, or ProtocolError."""
    if request.content_type not in SENT_TYPES:
        raise ProtocolError(
            415, f"Send the annotation as {JSONLD_CONTENT_TYPE} (or application/json)."
        )
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        raise ProtocolError(413, "The annotation is too large.") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(400, f"The body is not JSON: {error}.") from None
    if not isinstance(data, dict):
        raise ProtocolError(400, "The body is one annotation, a JSON object.")
    kinds = data.get("type")
    if "Annotation" not in (kinds if isinstance(kinds, list) else [kinds]):
        raise ProtocolError(400, 'An annotation\'s "type" is "Annotation".')
    return data


def motivation_of(data: dict) -> str | None:
    """The motivation: "replying" for a reply, else a highlight's (HIGHLIGHT_MOTIVATIONS)."""
    motivation = data.get("motivation")
    if isinstance(motivation, list) and len(motivation) == 1:
        motivation = motivation[0]
    if not isinstance(motivation, str | None) or (
        motivation != "replying" and motivation not in HIGHLIGHT_MOTIVATIONS
    ):
        raise ProtocolError(
            400,
            "This server keeps highlights (motivation highlighting, commenting, tagging or "
            "identifying) and replies to them (replying).",
            motivation=motivation,
        )
    return motivation


def canonical_key(data: dict) -> uuid.UUID | None:
    """The key a `canonical` urn:uuid: gives, which the annotation keeps (the Protocol:
    a canonical IRI is preserved); None without one."""
    canonical = data.get("canonical")
    if canonical is None:
        return None
    found = CANONICAL.fullmatch(canonical) if isinstance(canonical, str) else None
    try:
        return uuid.UUID(found.group(1))
    except (AttributeError, ValueError):
        raise ProtocolError(
            400, "This server keeps a canonical IRI of the form urn:uuid:<uuid> only."
        ) from None


def refuse_taken_key(key: uuid.UUID | None, user, *, for_highlight: bool) -> None:
    """409 when another annotation has that canonical key: its address would name two.
    For a new highlight, the author's own highlight with it is a retry, which
    create_highlight answers with that one."""
    if key is None:
        return
    highlights = Highlight.objects.filter(client_key=key)
    if for_highlight:
        highlights = highlights.exclude(owner=user)
    if highlights.exists() or Reply.objects.filter(client_key=key).exists():
        raise ProtocolError(409, "An annotation with this canonical IRI exists already.")


def _our_path(request: HttpRequest, iri, what: str):
    """The URL match of one of our addresses (the server's own host), or ProtocolError."""
    try:
        parts = urlsplit(iri) if isinstance(iri, str) else None
        if parts is None or parts.netloc != request.get_host():
            raise Resolver404
        return resolve(parts.path)
    except (Resolver404, ValueError):  # ValueError: not a URL (an IPv6 host unclosed)
        raise ProtocolError(400, what, given=iri if isinstance(iri, str) else None) from None


def _one_target(data: dict):
    target = data.get("target")
    if isinstance(target, list):
        if len(target) != 1:
            raise ProtocolError(400, "An annotation here has one target.")
        target = target[0]
    if target is None:
        raise ProtocolError(400, "An annotation needs a target.")
    return target


def _document_of(request: HttpRequest, target) -> Document:
    source = target.get("source") if isinstance(target, dict) else target
    example = base_url(request) + reverse("document", args=["SLUG"]).replace("SLUG", "<slug>")
    match = _our_path(
        request, source, f"The target's source is the address of one of our articles: {example}"
    )
    document = None
    if match.url_name == "document":
        document = Document.objects.filter(slug=match.kwargs["slug"]).first()
    if document is None:
        raise ProtocolError(400, f"The target's source is not one of our articles: {example}")
    return document


def _selectors(target) -> tuple[dict, dict | None]:
    """The target's TextQuoteSelector (required) and TextPositionSelector (a hint)."""
    selectors = target.get("selector") if isinstance(target, dict) else None
    selectors = [selectors] if isinstance(selectors, dict) else selectors or []
    if not isinstance(selectors, list):
        selectors = []
    by_type = {}
    for selector in selectors:
        if isinstance(selector, dict) and isinstance(selector.get("type"), str):
            by_type.setdefault(selector["type"], selector)
    quote = by_type.get("TextQuoteSelector")
    texts = [quote.get(name, "") for name in ("exact", "prefix", "suffix")] if quote else [None]
    if not all(isinstance(text, str) for text in texts) or not texts[0]:
        raise ProtocolError(
            400,
            "The target needs a TextQuoteSelector: the passage's words (exact), with the "
            "words before (prefix) and after (suffix) it.",
        )
    position = by_type.get("TextPositionSelector")
    numbers = [position.get("start"), position.get("end")] if position else []
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise ProtocolError(400, "A TextPositionSelector's start and end are whole numbers.")
    return quote, position


def highlight_form_data(request: HttpRequest, data: dict) -> tuple[Document, dict]:
    """The article a highlight is in, and what HighlightForm takes for it, from a posted
    annotation: placed by its quote, its position a hint (as the reading view's save)."""
    target = _one_target(data)
    document = _document_of(request, target)
    quote, position = _selectors(target)
    exact, prefix, suffix = quote["exact"], quote.get("prefix", ""), quote.get("suffix", "")
    revision = target.get("korea:revision", document.revision)
    if position is None:
        try:
            placed = document.place(exact=exact, prefix=prefix, suffix=suffix)
        except AnchorError as error:
            raise ProtocolError(400, str(error)) from None
        position = {"start": placed.start, "end": placed.end}
    fields = {
        "start": position["start"],
        "end": position["end"],
        "exact": exact,
        "prefix": prefix[-CONTEXT_LENGTH:],
        "suffix": suffix[:CONTEXT_LENGTH],
        "revision": revision,
        "client_key": canonical_key(data),
        "assignment": _assignment_of(request, data.get("korea:assignment")),
    }
    return document, fields | note_form_data(request, data)


def _assignment_of(request: HttpRequest, assignment) -> int | None:
    if assignment is None:
        return None
    match = _our_path(
        request, assignment, "korea:assignment is the address of an assignment of yours."
    )
    if match.url_name != "assignment":
        raise ProtocolError(400, "korea:assignment is the address of an assignment of yours.")
    return match.kwargs["pk"]


def note_form_data(request: HttpRequest, data: dict) -> dict:
    """What HighlightNoteForm takes (note, tags, who may see it, glossary entries,
    question) from an annotation's bodies and our own terms."""
    notes, tags, entries = _bodies(request, data)
    if len(notes) > 1:
        raise ProtocolError(400, "A highlight has one note: send one commenting TextualBody.")
    visibility = data.get("korea:visibility", Highlight.Visibility.PRIVATE)
    question = data.get("korea:question", False)
    if not isinstance(question, bool):
        raise ProtocolError(400, "korea:question is true or false.")
    if any("," in tag for tag in tags):
        raise ProtocolError(400, "A tag has no comma in it.")
    return {
        "note": notes[0] if notes else "",
        "tags": ", ".join(tags),
        "visibility": visibility,
        "glossary_entries": entries,
        "is_question": question,
    }


BODY_KINDS = (
    "A body here is a note (a TextualBody, commenting), a tag (a TextualBody, tagging) "
    "or a glossary entry (a SpecificResource, identifying, whose source is the entry's "
    "address); text is plain text."
)


def _bodies(request: HttpRequest, data: dict) -> tuple[list[str], list[str], list[int]]:
    """The notes, tags and glossary entries' ids an annotation's bodies give."""
    bodies = data.get("body", [])
    bodies = [bodies] if isinstance(bodies, dict) else bodies
    if not isinstance(bodies, list):
        raise ProtocolError(400, BODY_KINDS)
    if "bodyValue" in data:
        bodies = [*bodies, {"type": "TextualBody", "value": data["bodyValue"]}]
    notes, tags, entries = [], [], []
    for body in bodies:
        kind = body.get("type") if isinstance(body, dict) else "?"
        purpose = body.get("purpose") if isinstance(body, dict) else None
        if kind in ("TextualBody", None) and _plain_text(body):
            if purpose not in (None, "tagging", "commenting", "replying"):
                raise ProtocolError(400, BODY_KINDS, purpose=purpose)
            (tags if purpose == "tagging" else notes).append(body["value"])
        elif kind == "SpecificResource" and purpose == "identifying":
            entries.append(_glossary_entry_of(request, body.get("source")))
        else:
            raise ProtocolError(400, BODY_KINDS)
    return notes, tags, entries


def _plain_text(body: dict) -> bool:
    return isinstance(body.get("value"), str) and body.get("format") in TEXT_FORMATS


def _glossary_entry_of(request: HttpRequest, source) -> int:
    match = _our_path(request, source, BODY_KINDS)
    entry = None
    if match.url_name == "glossary_entry":
        entry = GlossaryEntry.objects.filter(slug=match.kwargs["slug"]).values("pk").first()
    if entry is None:
        raise ProtocolError(400, "No glossary entry has that address.", given=source)
    return entry["pk"]


def target_key(request: HttpRequest, data: dict) -> uuid.UUID:
    """The key of the annotation a reply targets: its address here (or urn:uuid:<key>,
    as the JSON-LD export wrote ids before)."""
    target = _one_target(data)
    if isinstance(target, dict):
        target = target.get("id") or target.get("source")
    found = CANONICAL.fullmatch(target) if isinstance(target, str) else None
    if found is not None:
        try:
            return uuid.UUID(found.group(1))
        except ValueError:
            pass
    match = _our_path(request, target, "A reply's target is the address of an annotation here.")
    if match.url_name != "annotation":
        raise ProtocolError(400, "A reply's target is the address of an annotation here.")
    return match.kwargs["key"]


def reply_text(request: HttpRequest, data: dict) -> str:
    """A reply's words: its one TextualBody (replying, or commenting)."""
    notes, tags, entries = _bodies(request, data)
    if len(notes) != 1 or tags or entries:
        raise ProtocolError(400, "A reply has one body: a TextualBody with its words.")
    return notes[0]


def same_target(request: HttpRequest, data: dict, annotation: Highlight | Reply) -> None:
    """A PUT changes what an annotation says, never what it targets: 400 otherwise."""
    if isinstance(annotation, Reply):
        same = target_key(request, data) in {annotation.highlight.client_key} | (
            {annotation.parent.client_key} if annotation.parent else set()
        )
    else:
        target = _one_target(data)
        quote, _ = _selectors(target)
        same = _document_of(request, target) == annotation.document and (
            quote["exact"] == annotation.exact
        )
    if not same:
        raise ProtocolError(
            400, "An annotation's target cannot change: delete it, and make a new one."
        )


def form_refusal(form) -> ProtocolError:
    """A form's errors, as the reading view would say them, first the one above all."""
    errors = {name: [str(text) for text in texts] for name, texts in form.errors.items()}
    first = errors.get("__all__", next(iter(errors.values()), ["Not valid."]))[0]
    return ProtocolError(400, first, fields=errors)
