"""The Web Annotation Protocol: its container, /annotations/, and each annotation in it,
/annotations/<key> (annotations/protocol.py reads and writes what they carry)."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from annotations import protocol
from annotations.access import get_annotation_for_user, get_thread_to_join
from annotations.forms import HighlightForm, HighlightNoteForm, ReplyForm
from annotations.models import Highlight, Reply
from annotations.query_forms import AnnotationPageQueryForm
from annotations.throttles import write_limit
from annotations.writes import (
    add_reply,
    create_highlight,
    delete_highlight,
    delete_reply,
    edit_reply,
    update_highlight,
)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@protocol.account_required
@write_limit("annotations")
@protocol.answers_in_json
def annotation_container(request: HttpRequest) -> HttpResponse:
    """GET: the container of what the viewer may see, or with `?page=N` one of its
    pages; POST: a new highlight, or a reply (motivation replying) to one."""
    if request.method == "OPTIONS":
        return protocol.options(protocol.CONTAINER_METHODS, protocol.CONTAINER_LINK, container=True)
    media = protocol.negotiated(request)
    if request.method == "POST":
        protocol.refuse_read_only(request)
        data = protocol.read_annotation(request)
        if protocol.motivation_of(data) == "replying":
            reply = _new_reply(request, data)
            return protocol.annotation_answer(request, reply, media, status=201)
        highlight, new = _new_highlight(request, data)
        # The same canonical key again: a retry, answered with the one it made.
        return protocol.annotation_answer(request, highlight, media, status=201 if new else 200)
    query = AnnotationPageQueryForm(request.GET)
    query.is_valid()  # a page number that does not parse reads as none: the container
    page, iris = query.cleaned_data["page"], query.cleaned_data["iris"]
    return protocol.container_answer(request, media, page, iris)


def _new_highlight(request: HttpRequest, data: dict) -> tuple[Highlight, bool]:
    """Placed, checked and capped as the reading view's save (HighlightForm)."""
    document, fields = protocol.highlight_form_data(request, data)
    protocol.refuse_taken_key(fields["client_key"], request.user)
    form = HighlightForm(fields, document=document, user=request.user)
    if not form.is_valid():
        raise protocol.form_refusal(form)
    return create_highlight(owner=request.user, document=document, **form.highlight())


def _new_reply(request: HttpRequest, data: dict) -> Reply:
    """A reply to the highlight targeted, or an answer to the reply targeted, made in a
    class its writer shares with the highlight's author (access.get_thread_to_join)."""
    text = protocol.reply_text(request, data)
    key = protocol.canonical_key(data)
    protocol.refuse_taken_key(key, request.user)
    highlight, classes, parent = get_thread_to_join(request, protocol.target_key(request, data))
    form = ReplyForm({"text": text})
    if not form.is_valid():
        raise protocol.form_refusal(form)
    return add_reply(
        highlight=highlight,
        author=request.user,
        text=form.cleaned_data["text"],
        classroom=classes[0],
        parent=parent,
        client_key=key,
    )


@require_http_methods(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
@protocol.account_required
@write_limit("annotations")
@protocol.answers_in_json
def annotation(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """GET: one highlight or reply the viewer sees; PUT (with If-Match): its author
    replaces what it says; DELETE: its author deletes it."""
    if request.method == "OPTIONS":
        return protocol.options(protocol.ANNOTATION_METHODS, protocol.ANNOTATION_LINK)
    if request.method in ("GET", "HEAD"):
        media = protocol.negotiated(request)
        return protocol.annotation_answer(request, get_annotation_for_user(request, key), media)
    protocol.refuse_read_only(request)
    media = protocol.negotiated(request) if request.method == "PUT" else None
    found = get_annotation_for_user(request, key, change=True)
    with protocol.locked(found):
        etags = protocol.current_etags(request, found)
        protocol.check_if_match(request, etags, required=request.method == "PUT")
        if request.method == "DELETE":
            if isinstance(found, Reply):
                delete_reply(reply=found)
            else:
                delete_highlight(highlight=found)
            return HttpResponse(status=204)
        _replace(request, found)
    return protocol.annotation_answer(request, found, media)


def _replace(request: HttpRequest, found: Highlight | Reply) -> None:
    """What a PUT says the annotation now says, through the reading view's forms; its
    target and its kind (highlight or reply) stay."""
    data = protocol.read_annotation(request)
    if (protocol.motivation_of(data) == "replying") != isinstance(found, Reply):
        raise protocol.ProtocolError(400, "A highlight stays a highlight, a reply a reply.")
    protocol.same_target(request, data, found)
    if isinstance(found, Reply):
        form = ReplyForm({"text": protocol.reply_text(request, data)})
        if not form.is_valid():
            raise protocol.form_refusal(form)
        edit_reply(reply=found, text=form.cleaned_data["text"])
        return
    form = HighlightNoteForm(protocol.note_form_data(request, data), instance=found)
    if not form.is_valid():
        raise protocol.form_refusal(form)
    update_highlight(highlight=found, **form.cleaned_data)
