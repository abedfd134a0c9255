"""The Web Annotation Protocol's HTTP (annotations/protocol/): its headers, media types,
preferences, ETags and refusals, for the container and its annotations alike.

A refusal is a ProtocolError, answered as JSON (`{"error": ...}`, with the Link to the
constraints a write must meet), as are the refusals of access.py and of the writes' caps
(answers_in_json): a tool reads them, where a person reads the site's pages.
"""

import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.http import parse_etags

from annotations.export import JSONLD_CONTENT_TYPE
from annotations.models import Highlight, Reply
from annotations.throttles import LimitReached
from annotations.tokens import can_write

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
    @write_limit, whose own 429 is JSON to a client that takes no HTML (too_many)."""

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


def refuse_read_only(request: HttpRequest) -> None:
    if not can_write(request):
        raise ProtocolError(403, "This token may only read. Make a read-write token to write.")


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


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
