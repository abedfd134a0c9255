"""The Web Annotation Protocol: its container, /annotations/, and each annotation in it,
/annotations/<key> (annotations/protocol/ reads and writes what they carry)."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from annotations.access import get_annotation_for_user, get_thread_to_join
from annotations.forms import HighlightForm, HighlightNoteForm, ReplyForm
from annotations.models import Highlight, Reply
from annotations.protocol import answers, collection, sent
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
@answers.account_required
@write_limit("annotations")
@answers.answers_in_json
def annotation_container(request: HttpRequest) -> HttpResponse:
    """GET: the container of what the viewer may see, or with `?page=N` one of its
    pages; POST: a new highlight, or a reply (motivation replying) to one."""
    if request.method == "OPTIONS":
        return answers.options(answers.CONTAINER_METHODS, answers.CONTAINER_LINK, container=True)
    media = answers.negotiated(request)
    if request.method == "POST":
        answers.refuse_read_only(request)
        data = sent.read_annotation(request)
        if sent.motivation_of(data) == "replying":
            reply = _new_reply(request, data)
            return collection.annotation_answer(request, reply, media, status=201)
        highlight, new = _new_highlight(request, data)
        # The same canonical key again: a retry, answered with the one it made.
        return collection.annotation_answer(request, highlight, media, status=201 if new else 200)
    query = AnnotationPageQueryForm(request.GET)
    query.is_valid()  # a page number that does not parse reads as none: the container
    page, iris = query.cleaned_data["page"], query.cleaned_data["iris"]
    return collection.container_answer(request, media, page, iris)


def _new_highlight(request: HttpRequest, data: dict) -> tuple[Highlight, bool]:
    """Placed, checked and capped as the reading view's save (HighlightForm)."""
    document, fields = sent.highlight_form_data(request, data)
    sent.refuse_taken_key(fields["client_key"], request.user, for_highlight=True)
    form = HighlightForm(fields, document=document, user=request.user)
    if not form.is_valid():
        raise sent.form_refusal(form)
    return create_highlight(owner=request.user, document=document, **form.highlight())


def _new_reply(request: HttpRequest, data: dict) -> Reply:
    """A reply to the highlight targeted, or an answer to the reply targeted, made in a
    class its writer shares with the highlight's author (access.get_thread_to_join)."""
    text = sent.reply_text(request, data)
    key = sent.canonical_key(data)
    sent.refuse_taken_key(key, request.user, for_highlight=False)
    highlight, classes, parent = get_thread_to_join(request, sent.target_key(request, data))
    form = ReplyForm({"text": text})
    if not form.is_valid():
        raise sent.form_refusal(form)
    return add_reply(
        highlight=highlight,
        author=request.user,
        text=form.cleaned_data["text"],
        classroom=classes[0],
        parent=parent,
        client_key=key,
    )


@require_http_methods(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
@answers.account_required
@write_limit("annotations")
@answers.answers_in_json
def annotation(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """GET: one highlight or reply the viewer sees; PUT (with If-Match): its author
    replaces what it says; DELETE: its author deletes it."""
    if request.method == "OPTIONS":
        return answers.options(answers.ANNOTATION_METHODS, answers.ANNOTATION_LINK)
    if request.method in ("GET", "HEAD"):
        media = answers.negotiated(request)
        return collection.annotation_answer(request, get_annotation_for_user(request, key), media)
    answers.refuse_read_only(request)
    media = answers.negotiated(request) if request.method == "PUT" else None
    found = get_annotation_for_user(request, key, change=True)
    with answers.locked(found):
        etags = collection.current_etags(request, found)
        answers.check_if_match(request, etags, required=request.method == "PUT")
        if request.method == "DELETE":
            if isinstance(found, Reply):
                delete_reply(reply=found)
            else:
                delete_highlight(highlight=found)
            return HttpResponse(status=204)
        _replace(request, found)
    return collection.annotation_answer(request, found, media)


def _replace(request: HttpRequest, found: Highlight | Reply) -> None:
    """What a PUT says the annotation now says, through the reading view's forms; its
    target and its kind (highlight or reply) stay."""
    data = sent.read_annotation(request)
    if (sent.motivation_of(data) == "replying") != isinstance(found, Reply):
        raise answers.ProtocolError(400, "A highlight stays a highlight, a reply a reply.")
    sent.same_target(request, data, found)
    if isinstance(found, Reply):
        form = ReplyForm({"text": sent.reply_text(request, data)})
        if not form.is_valid():
            raise sent.form_refusal(form)
        edit_reply(reply=found, text=form.cleaned_data["text"])
        return
    form = HighlightNoteForm(sent.note_form_data(request, data), instance=found)
    if not form.is_valid():
        raise sent.form_refusal(form)
    update_highlight(highlight=found, **form.cleaned_data)
