"""The W3C Web Annotation Protocol (https://www.w3.org/TR/annotation-protocol/) over the
highlights and replies: the container /annotations/ and each annotation in it.

The container is an LDP Basic Container and an AnnotationCollection of what the viewer
may see (HighlightQuerySet.visible_to, ReplyQuerySet.visible_to), in pages of PAGE_SIZE,
oldest first. Each annotation's address is /annotations/<key>, its key the highlight's or
the reply's `client_key`; its description is the export's (annotations/export.py
web_annotation, reply_annotation), with what the Protocol adds around it: `@context`,
`id` (the address) and `canonical` (urn:uuid:<key>, which an import keeps).

What a tool sends is read here into what the reading view's forms take (HighlightForm,
HighlightNoteForm, ReplyForm), so that a highlight made through the Protocol is placed,
checked and capped as one made in the browser is; a refusal is a ProtocolError, answered
as JSON (`{"error": ...}`) with nothing written. docs/EXPORT.md, "Annotation Protocol".
"""

import hashlib
import json
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import transaction
from django.db.models import IntegerField, Value
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import parse_etags

from annotations.anchoring import AnchorError
from annotations.export import JSONLD_CONTENT_TYPE, reply_annotation, web_annotation
from annotations.models import Document, GlossaryEntry, Highlight, Reply, Viewer
from annotations.throttles import LimitReached

PAGE_SIZE = 100
LDP = "http://www.w3.org/ns/ldp#"
OA = "http://www.w3.org/ns/oa#"
PREFER_MINIMAL = LDP + "PreferMinimalContainer"
PREFER_IRIS = OA + "PreferContainedIRIs"
PREFER_DESCRIPTIONS = OA + "PreferContainedDescriptions"
CONSTRAINED_BY = f'<http://www.w3.org/TR/annotation-protocol/>; rel="{LDP}constrainedBy"'
CONTAINER_LINK = f'<{LDP}BasicContainer>; rel="type", {CONSTRAINED_BY}'
ANNOTATION_LINK = f'<{LDP}Resource>; rel="type"'
CONTAINER_METHODS = "GET, HEAD, OPTIONS, POST"
PAGE_METHODS = "GET, HEAD, OPTIONS"
ANNOTATION_METHODS = "GET, HEAD, OPTIONS, PUT, DELETE"
# What a GET may ask for (Accept), best first; what a POST or PUT may send.
MEDIA_TYPES = [JSONLD_CONTENT_TYPE, "application/ld+json", "application/json"]
SENT_TYPES = ("application/ld+json", "application/json")
HIGHLIGHT_MOTIVATIONS = {None, "highlighting", "commenting", "tagging", "identifying"}
CANONICAL = re.compile(r"urn:uuid:([0-9a-fA-F-]{32,36})")
TEXT_FORMATS = (None, "text/plain")
CONTEXT_LENGTH = 64  # the most of a quote's prefix and suffix HighlightForm takes


class ProtocolError(Exception):
    """A request the Protocol refuses, with the status and what to say; nothing written."""

    def __init__(self, status: int, message: str, **details):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details

    def response(self) -> JsonResponse:
        return refusal(self.status, self.message, **self.details)


def refusal(status: int, message: str, **details) -> JsonResponse:
    """`{"error": message, ...}`, with the link to the constraints a write must meet."""
    response = JsonResponse({"error": message, **details}, status=status)
    response["Link"] = CONSTRAINED_BY
    if status == 415:
        response["Accept-Post"] = ", ".join(SENT_TYPES)
    return response


def answers_in_json(view):
    """The Protocol's refusals as JSON, where the site's pages answer with HTML: those
    of access.py (404, 403), the writes' caps (429) and ProtocolError. Below
    @write_limit, whose own 429 is the site's page."""

    @wraps(view)
    def answering(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ProtocolError as error:
            return error.response()
        except Http404 as error:
            return refusal(404, str(error) or "Not found.")
        except PermissionDenied as error:
            return refusal(403, str(error) or "You may not change this.")
        except LimitReached as limit:
            return refusal(429, limit.what, when=limit.when)

    return answering


def account_required(view):
    """What a tool asks of the container needs an account, a session or a token: 401
    with a Bearer challenge (RFC 6750) to someone with neither, where a page would send
    them to log in. Someone logged out sees no annotation (visible_to): an empty
    container would hide a forgotten token. OPTIONS (a CORS preflight) needs none."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "OPTIONS" and not request.user.is_authenticated:
            response = refusal(
                401,
                "Log in, or send a personal access token (Authorization: Bearer <token>): "
                "the annotations one sees are those of one's account.",
            )
            response["WWW-Authenticate"] = 'Bearer realm="Korea Reader"'
            return response
        return view(request, *args, **kwargs)

    return checked


def can_write(request: HttpRequest) -> bool:
    """A stand-in for annotations.tokens.can_write (personal access tokens, another part
    of issue 18): a session may write, and a token of scope "read-write"."""
    token = getattr(request, "token", None)
    return token is None or token.scope == "read-write"


def refuse_read_only(request: HttpRequest) -> None:
    if not can_write(request):
        raise ProtocolError(403, "This token may only read. Make a read-write token to write.")


# Addresses


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def container_iri(base: str, iris: bool = False) -> str:
    return base + reverse("annotation-container") + ("?iris=1" if iris else "")


def page_iri(base: str, page: int, iris: bool) -> str:
    query = {"iris": 1, "page": page} if iris else {"page": page}
    return base + reverse("annotation-container") + "?" + urlencode(query)


def annotation_iri(base: str, key) -> str:
    return base + reverse("annotation", args=[key])


def context(base: str) -> list:
    # As the JSON-LD export has it (annotations/export.py jsonld_chunks).
    return ["http://www.w3.org/ns/anno.jsonld", {"korea": base + "/ns#"}]


# Negotiation and preferences


def negotiated(request: HttpRequest) -> str:
    """The media type to answer in (Accept): JSON-LD with the annotation profile, also
    for application/ld+json or anything; application/json if asked; else 406."""
    chosen = request.get_preferred_type(MEDIA_TYPES)
    if chosen is None:
        raise ProtocolError(406, "This server answers in JSON-LD or JSON.", acceptable=MEDIA_TYPES)
    return "application/json" if chosen == "application/json" else JSONLD_CONTENT_TYPE


@dataclass(frozen=True)
class Preference:
    """How the container describes what it holds (Prefer: return=representation with
    include or omit): the annotations' addresses only (`iris`), or no page at all
    (`minimal`); their descriptions otherwise, as the Protocol advises."""

    iris: bool = False
    minimal: bool = False
    applied: bool = False

    @classmethod
    def of(cls, request: HttpRequest, iris: bool) -> "Preference":
        header = request.headers.get("Prefer", "")
        if not re.search(r"(^|[,;\s])return\s*=\s*representation", header):
            return cls(iris=iris)
        include, omit = _preferred(header, "include"), _preferred(header, "omit")
        minimal = PREFER_MINIMAL in include or {PREFER_IRIS, PREFER_DESCRIPTIONS} <= omit
        iris = iris or PREFER_IRIS in include or PREFER_DESCRIPTIONS in omit
        return cls(iris=iris, minimal=minimal, applied=bool(include or omit))


def _preferred(header: str, name: str) -> set[str]:
    return {
        iri for value in re.findall(rf'{name}\s*=\s*"([^"]*)"', header) for iri in value.split()
    }


# What the viewer may see


def _listed(user, viewer: Viewer):
    """(created, kind, pk, key) of every annotation the viewer sees, highlights (kind 0)
    and replies (1) in one query, oldest first; emptied replies are no annotation."""
    highlights = Highlight.objects.visible_to(user, viewer).order_by()
    replies = Reply.objects.visible_to(user, viewer).filter(deleted__isnull=True).order_by()
    columns = ("created", "kind", "pk", "client_key")
    return (
        highlights.annotate(kind=Value(0, output_field=IntegerField()))
        .values_list(*columns)
        .union(
            replies.annotate(kind=Value(1, output_field=IntegerField())).values_list(*columns),
            all=True,
        )
        .order_by("created", "kind", "pk")
    )


def highlights_for(user, pks) -> dict[int, Highlight]:
    """The highlights, ready for export.web_annotation: `hidden_here` as `user` sees it,
    the marks' counts, tags and glossary entries, in four queries whatever their number."""
    highlights = (
        Highlight.objects.filter(pk__in=pks)
        .select_related("owner", "document", "assignment")
        .with_hidden_for(user)
        .with_mark_counts()
        .prefetch_related("tags", "glossary_entries")
    )
    return {highlight.pk: highlight for highlight in highlights}


def replies_for(pks) -> dict[int, Reply]:
    replies = Reply.objects.filter(pk__in=pks).select_related("author", "parent", "highlight")
    return {reply.pk: reply for reply in replies}


def served(annotation: dict, key, base: str) -> dict:
    """An annotation as the Protocol serves it: the export's description, at its address."""
    return {
        "@context": context(base),
        **annotation,
        "id": annotation_iri(base, key),
        "canonical": f"urn:uuid:{key}",
    }


def describe(user, annotation: Highlight | Reply, base: str) -> dict | None:
    """One annotation (found through access.get_annotation_for_user) as served; None if
    it is gone meanwhile."""
    if isinstance(annotation, Highlight):
        highlight = highlights_for(user, [annotation.pk]).get(annotation.pk)
        if highlight is None:
            return None
        return served(web_annotation(highlight, base), highlight.client_key, base)
    reply = replies_for([annotation.pk]).get(annotation.pk)
    if reply is None:
        return None
    return served(reply_annotation(reply, reply.highlight, base), reply.client_key, base)


def _items(user, rows, base: str, iris: bool) -> list:
    """A page's items: addresses, or descriptions (without the page's @context)."""
    if iris:
        return [annotation_iri(base, key) for *_, key in rows]
    highlights = highlights_for(user, [pk for _, kind, pk, _ in rows if kind == 0])
    replies = replies_for([pk for _, kind, pk, _ in rows if kind == 1])
    items = []
    for _, kind, pk, key in rows:
        if kind == 0 and pk in highlights:
            items.append(served(web_annotation(highlights[pk], base), key, base))
        elif kind == 1 and pk in replies:
            reply = replies[pk]
            items.append(served(reply_annotation(reply, reply.highlight, base), key, base))
    for item in items:
        del item["@context"]
    return items


def page(user, base: str, number: int, iris: bool, *, total: int | None = None) -> dict:
    """Page `number` (from 0) of what the viewer sees: an AnnotationPage; 404 past the
    last. `total`, if the caller counted already."""
    viewer = Viewer.of(user)
    listed = _listed(user, viewer)
    total = listed.count() if total is None else total
    last = max(0, (total - 1) // PAGE_SIZE)
    if number > last or total == 0:
        raise ProtocolError(404, f"No such page: the pages are 0 to {last}.", total=total)
    start = number * PAGE_SIZE
    data = {
        "@context": context(base),
        "id": page_iri(base, number, iris),
        "type": "AnnotationPage",
        "partOf": {"id": container_iri(base, iris), "total": total},
        "startIndex": start,
    }
    if number > 0:
        data["prev"] = page_iri(base, number - 1, iris)
    if number < last:
        data["next"] = page_iri(base, number + 1, iris)
    data["items"] = _items(user, list(listed[start : start + PAGE_SIZE]), base, iris)
    return data


def container(user, base: str, preference: Preference) -> dict:
    """The container: an LDP Basic Container and AnnotationCollection, with its first
    page embedded unless the preference is a minimal container; no pages when empty."""
    iris = preference.iris
    total = _listed(user, Viewer.of(user)).count()
    data = {
        "@context": [*context(base), "http://www.w3.org/ns/ldp.jsonld"],
        "id": container_iri(base, iris),
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": "The annotations you may see on Korea Reader",
        "total": total,
    }
    if total == 0:
        return data
    if preference.minimal:
        data["first"] = page_iri(base, 0, iris)
    else:
        first = page(user, base, 0, iris, total=total)
        del first["@context"], first["partOf"]
        data["first"] = first
    data["last"] = page_iri(base, (total - 1) // PAGE_SIZE, iris)
    return data


# Answers


def body_and_etag(data: dict, media: str) -> tuple[bytes, str]:
    """The JSON, and its strong ETag: a digest of the representation itself (so that a
    new note, tag, mark or hide changes it, as a revision number would not all of them)."""
    body = json.dumps(data, ensure_ascii=False).encode()
    return body, '"' + hashlib.sha256(media.encode() + b"\n" + body).hexdigest()[:40] + '"'


def answer(
    request: HttpRequest,
    data: dict,
    media: str,
    *,
    allow: str,
    link: str | None,
    vary: str = "Accept",
    status: int = 200,
) -> HttpResponse:
    """The representation with the Protocol's headers; 304 to a GET whose If-None-Match
    names its ETag."""
    body, etag = body_and_etag(data, media)
    fresh = _matches(request.headers.get("If-None-Match"), {etag}, weak=True)
    if request.method in ("GET", "HEAD") and fresh:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=media, status=status)
    # What one sees is one's own (a session's cookie, or a token): no shared cache keeps it.
    response["ETag"], response["Allow"], response["Vary"] = etag, allow, f"{vary}, Authorization"
    response["Cache-Control"] = "private"
    if link:
        response["Link"] = link
    return response


def options(allow: str, link: str, *, container: bool = False) -> HttpResponse:
    response = HttpResponse(status=200)
    response["Allow"], response["Link"] = allow, link
    if container:
        response["Accept-Post"] = JSONLD_CONTENT_TYPE
    return response


def container_answer(request: HttpRequest, media: str, number: int | None, iris: bool):
    """The container (number None) or one of its pages, as the viewer may see them."""
    base = base_url(request)
    if number is not None:
        data = page(request.user, base, number, iris)
        return answer(request, data, media, allow=PAGE_METHODS, link=None)
    preference = Preference.of(request, iris)
    data = container(request.user, base, preference)
    response = answer(
        request, data, media, allow=CONTAINER_METHODS, link=CONTAINER_LINK, vary="Accept, Prefer"
    )
    response["Content-Location"] = data["id"]
    response["Accept-Post"] = JSONLD_CONTENT_TYPE
    if preference.applied:
        response["Preference-Applied"] = "return=representation"
    return response


def annotation_answer(
    request: HttpRequest, annotation: Highlight | Reply, media: str, *, status: int = 200
) -> HttpResponse:
    """One annotation, as the viewer sees it; a new one (201) with its Location."""
    data = describe(request.user, annotation, base_url(request))
    if data is None:
        raise ProtocolError(404, "This annotation is gone.")
    response = answer(
        request, data, media, allow=ANNOTATION_METHODS, link=ANNOTATION_LINK, status=status
    )
    if status == 201:
        response["Location"] = data["id"]
    else:
        response["Content-Location"] = data["id"]
    return response


def current_etags(request: HttpRequest, annotation: Highlight | Reply) -> set[str]:
    """The annotation's ETags now, one for each media type it is served in (a tool may
    have read it as JSON, and write as JSON-LD)."""
    data = describe(request.user, annotation, base_url(request))
    if data is None:
        return set()
    return {body_and_etag(data, media)[1] for media in (JSONLD_CONTENT_TYPE, "application/json")}


def _matches(header: str | None, etags: set[str], *, weak: bool) -> bool:
    if not header:
        return False
    tags = parse_etags(header)
    if "*" in tags:
        return True
    if weak:
        tags = [tag.removeprefix("W/") for tag in tags]
    return bool(etags.intersection(tags))


def check_if_match(request: HttpRequest, etags: set[str], *, required: bool) -> None:
    """If-Match, compared strongly with the annotation's ETags now: 428 without one (for
    a PUT, which replaces the whole annotation), 412 when it changed since."""
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise ProtocolError(
                428,
                "Send If-Match with the annotation's ETag, from a GET of it: a PUT "
                "replaces the whole annotation, and must not undo a change you have not seen.",
            )
        return
    if not _matches(header, etags, weak=False):
        raise ProtocolError(
            412, "The annotation changed since you read it: GET it again, and send its new ETag."
        )


@contextmanager
def locked(annotation: Highlight | Reply):
    """The annotation's row locked until the write commits: its ETag, compared with
    If-Match, stays what it is until the change is made."""
    with transaction.atomic():
        type(annotation).objects.select_for_update().filter(pk=annotation.pk).exists()
        yield


# What a tool sends


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
    """ "replying" for a reply; a highlight's motivation (HIGHLIGHT_MOTIVATIONS) else."""
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


def refuse_taken_key(key: uuid.UUID | None, user) -> None:
    """409 when another annotation has that canonical key: its address would name two.
    The author's own highlight with it is a retry, which create_highlight answers."""
    if key is None:
        return
    taken = Highlight.objects.filter(client_key=key).exclude(owner=user).exists()
    if taken or Reply.objects.filter(client_key=key).exists():
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
