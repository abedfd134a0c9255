"""The Web Annotation Protocol's container (annotations/protocol/): an LDP Basic
Container and an AnnotationCollection of what the viewer may see
(HighlightQuerySet.visible_to, ReplyQuerySet.visible_to), in pages of PAGE_SIZE, oldest
first, and each annotation in it.

Each annotation's address is /annotations/<key>, its key the highlight's or the reply's
`client_key`; its description is the export's (annotations/export.py web_annotation,
reply_annotation), with what the Protocol adds around it: `@context`, `id` (the address)
and `canonical` (urn:uuid:<key>, which an import keeps). A page costs the same few
queries whatever its number of annotations.
"""

from urllib.parse import urlencode

from django.db.models import IntegerField, Value
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from annotations.export import (
    JSONLD_CONTENT_TYPE,
    annotation_iri,
    reply_annotation,
    web_annotation,
)
from annotations.models import Highlight, Reply, Viewer
from annotations.protocol.answers import (
    ANNOTATION_LINK,
    ANNOTATION_METHODS,
    CONTAINER_LINK,
    CONTAINER_METHODS,
    PAGE_METHODS,
    Preference,
    ProtocolError,
    answer,
    base_url,
    body_and_etag,
)
from annotations.vocabulary import export_context

PAGE_SIZE = 100


def container_iri(base: str, iris: bool = False) -> str:
    return base + reverse("annotation-container") + ("?iris=1" if iris else "")


def page_iri(base: str, page: int, iris: bool) -> str:
    query = {"iris": 1, "page": page} if iris else {"page": page}
    return base + reverse("annotation-container") + "?" + urlencode(query)


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
    """An annotation as the Protocol serves it: the export's description (with its
    @context, so that it stands alone wherever it is found), at its address."""
    return {
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
    """A page's items: addresses, or descriptions (each with its @context, as in the
    JSON-LD export: one taken out of the page still says what its terms mean)."""
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
    return items


def page(
    user, viewer: Viewer, base: str, number: int, iris: bool, *, total: int | None = None
) -> dict:
    """Page `number` (from 0) of what the viewer sees (`viewer`, their lookups): an
    AnnotationPage; 404 past the last. `total`, if the caller counted already."""
    listed = _listed(user, viewer)
    total = listed.count() if total is None else total
    last = max(0, (total - 1) // PAGE_SIZE)
    if number > last or total == 0:
        raise ProtocolError(404, f"No such page: the pages are 0 to {last}.", total=total)
    start = number * PAGE_SIZE
    data = {
        "@context": export_context(),
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


def container(user, viewer: Viewer, base: str, preference: Preference) -> dict:
    """The container: an LDP Basic Container and AnnotationCollection, with its first
    page embedded unless the preference is a minimal container; no pages when empty."""
    iris = preference.iris
    total = _listed(user, viewer).count()
    data = {
        "@context": [*export_context(), "http://www.w3.org/ns/ldp.jsonld"],
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
        first = page(user, viewer, base, 0, iris, total=total)
        del first["@context"], first["partOf"]
        data["first"] = first
    data["last"] = page_iri(base, (total - 1) // PAGE_SIZE, iris)
    return data


# Answers


def container_answer(request: HttpRequest, media: str, number: int | None, iris: bool):
    """The container (number None) or one of its pages, as the viewer may see them."""
    base, viewer = base_url(request), Viewer.of_request(request)
    if number is not None:
        data = page(request.user, viewer, base, number, iris)
        return answer(request, data, media, allow=PAGE_METHODS, link=None)
    preference = Preference.of(request, iris)
    data = container(request.user, viewer, base, preference)
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
