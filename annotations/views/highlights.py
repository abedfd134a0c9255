"""Highlights: the editor, the card, edit, delete, lists, and tags."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from annotations.access import (
    get_assignment_for_user,
    get_document,
    get_highlight_for_user,
    teaches_author_of,
)
from annotations.anchoring import AnchorError, quote_at
from annotations.forms import HighlightForm, HighlightNoteForm, ReplyForm, parse_tags
from annotations.models import (
    Assignment,
    Document,
    GlossaryEntry,
    Highlight,
    Tag,
    TaggedHighlight,
)
from annotations.paragraphs import split_sentences
from annotations.views.documents import READING, passage_refresh_context, reading_context
from annotations.writes import create_highlight, delete_highlight, update_highlight


def _selection_from_query(query, document: Document) -> dict:
    """The editor's starting point: a browser selection, or a paragraph and its sentences."""
    if "paragraph" in query:
        count = len(document.paragraphs)
        number = _bounded_int(query["paragraph"], 1, count, default=None)
        if number is None:
            raise AnchorError(f"Choose a paragraph number from 1 to {count}.")
        paragraph = document.paragraphs[number - 1]
        sentences = split_sentences(paragraph)
        first = _bounded_int(query.get("first_sentence"), 1, len(sentences), default=1)
        last = _bounded_int(
            query.get("last_sentence"), first, len(sentences), default=len(sentences)
        )
        placed = quote_at(document.text, sentences[first - 1][0], sentences[last - 1][1])
        choices = [
            (number, document.text[start:end])
            for number, (start, end) in enumerate(sentences, start=1)
        ]
        return {
            "anchor": placed,
            "paragraph": paragraph,
            "sentences": choices,
            "first_sentence": first,
            "last_sentence": last,
        }
    placed = document.place(
        start=_bounded_int(query.get("start"), 0, None, default=None),
        end=_bounded_int(query.get("end"), 0, None, default=None),
        revision=_bounded_int(query.get("revision"), 1, None, default=None),
        exact=query.get("exact", ""),
        prefix=query.get("prefix", ""),
        suffix=query.get("suffix", ""),
    )
    return {"anchor": placed}


def _bounded_int(raw, low: int, high: int | None, *, default):
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    if value < low or (high is not None and value > high):
        return default
    return value


def glossary_choices(form, document: Document, start: int, end: int) -> dict:
    """The editor's Glossary field: entries named in or near the passage first, then all."""
    suggested = GlossaryEntry.objects.near(document, start, end)
    shown = {entry.pk for entry in suggested}
    labels = dict(GlossaryEntry.Kind.choices)
    others: dict[str, list] = {}
    for entry in GlossaryEntry.objects.order_by("kind", "name"):
        if entry.pk not in shown:
            others.setdefault(labels[entry.kind], []).append(entry)
    chosen = form["glossary_entries"].value() or []
    return {
        "suggested_entries": suggested,
        "other_entries": list(others.items()),
        "chosen_entries": {str(getattr(value, "pk", value)) for value in chosen},
    }


def _editor(request, document, form, *, status=200, **extra) -> TemplateResponse:
    """The editor: alone for htmx, else the reading view with the editor open."""
    context = {"form": form, "panel": "editor", **extra}
    if form is not None:
        placed = extra.get("anchor")
        if placed is None and form.is_bound:
            placed = form.cleaned_data.get("anchor")
        if placed:
            start, end = placed.start, placed.end
        else:  # a refused selection: suggest what is near where the browser said it was
            start = _bounded_int(form.data.get("start"), 0, None, default=0)
            end = _bounded_int(form.data.get("end"), 0, None, default=0)
        context.update(glossary_choices(form, document, start, end))
    if request.htmx:
        return TemplateResponse(
            request, READING + "#panel", {"document": document, **context}, status=status
        )
    return TemplateResponse(
        request, READING, reading_context(request, document, **context), status=status
    )


def _working_assignment(request: HttpRequest, highlight: Highlight | None, form=None):
    """The assignment to show after a change: the highlight's, or the one being worked in."""
    assignment = highlight.assignment if highlight is not None else None
    if assignment is None and form is not None and form.is_bound:
        assignment = form.cleaned_data.get("assignment")
    return get_assignment_for_user(request, assignment.pk) if assignment else None


@login_required
@require_http_methods(["GET", "POST"])
def highlight_create(request: HttpRequest, slug: str) -> HttpResponse:
    document = get_document(slug)
    if request.method == "POST":
        form = HighlightForm(request.POST, document=document, user=request.user)
        if not form.is_valid():
            assignment = _working_assignment(request, None, form)
            return _editor(
                request,
                document,
                form,
                status=422,
                quote=_posted_quote(form),
                assignment=assignment,
            )
        data = form.cleaned_data
        highlight, _ = create_highlight(
            owner=request.user,
            document=document,
            anchor=data["anchor"],
            note=data["note"],
            tags=data["tags"],
            visibility=data["visibility"],
            glossary_entries=data["glossary_entries"],
            assignment=data["assignment"],
            client_key=data.get("client_key"),
        )
        return _after_change(request, highlight.document, highlight, "Highlight saved.")

    assignment = _assignment_in_query(request, document)
    try:
        selection = _selection_from_query(request.GET, document)
    except AnchorError as err:
        return _editor(
            request, document, None, status=422, selection_error=str(err), assignment=assignment
        )
    placed = selection["anchor"]
    form = HighlightForm(
        document=document,
        user=request.user,
        initial={
            "assignment": assignment,
            "start": placed.start,
            "end": placed.end,
            "exact": placed.exact,
            "prefix": placed.prefix,
            "suffix": placed.suffix,
            "revision": document.revision,
            "client_key": _client_key(request.GET.get("client_key")),
            # Changing the sentence range re-renders the editor: keep what was typed.
            "note": request.GET.get("note", ""),
            "tags": request.GET.get("tags", ""),
            "visibility": request.GET.get("visibility", Highlight.Visibility.PRIVATE),
        },
    )
    return _editor(request, document, form, quote=placed.exact, assignment=assignment, **selection)


def _client_key(raw) -> uuid.UUID:
    """The browser's idempotency key for this selection, or a new one if it sent none."""
    try:
        return uuid.UUID(raw)
    except (TypeError, ValueError):
        return uuid.uuid4()


def _assignment_in_query(request: HttpRequest, document: Document):
    """The assignment a reader is working in, if the query names one of theirs."""
    number = _bounded_int(request.GET.get("assignment"), 1, None, default=None)
    if number is None:
        return None
    found = Assignment.objects.for_student(request.user).filter(documents=document, pk=number)
    return get_assignment_for_user(request, number) if found.exists() else None


def _posted_quote(form: HighlightForm) -> str:
    placed = form.cleaned_data.get("anchor")  # absent when the selection was refused
    return placed.exact if placed else form.data.get("exact", "")


def _after_change(request, document, highlight, message: str, assignment=None) -> HttpResponse:
    """After a save or delete: refresh the reading view in place, or redirect to it."""
    assignment = assignment or _working_assignment(request, highlight)
    if request.htmx and request.htmx.target == "panel":
        context = passage_refresh_context(
            request,
            document,
            (highlight.start, highlight.end),
            assignment=assignment,
            panel="card",
            highlight=highlight if highlight.pk else None,
            message=message,
        )
        return TemplateResponse(request, READING + "#refresh-passage", context)
    messages.success(request, message)
    anchor_link = f"#{highlight.anchor}" if highlight and highlight.pk else ""
    url = (
        reverse("assignment_document", args=[assignment.pk, document.slug])
        if assignment
        else document.get_absolute_url()
    )
    return HttpResponseRedirect(url + anchor_link)


@login_required
@require_safe
def highlight_detail(request: HttpRequest, pk: int) -> TemplateResponse:
    highlight = get_highlight_for_user(request, pk)
    template = "annotations/highlight.html"
    if request.htmx:
        template += "#card"
    context = {
        "highlight": highlight,
        # The author's teacher sees replies, and may hide the highlight or answer it.
        "moderating": teaches_author_of(request.user, highlight),
        "reply_form": ReplyForm(),
    }
    return TemplateResponse(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def highlight_edit(request: HttpRequest, pk: int) -> HttpResponse:
    highlight = get_highlight_for_user(request, pk, change=True)
    # Not `request.POST or None`: an empty POST must be bound, and refused.
    data = request.POST if request.method == "POST" else None
    form = HighlightNoteForm(data, instance=highlight)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        update_highlight(
            highlight=highlight,
            note=data["note"],
            tags=data["tags"],
            visibility=data["visibility"],
            glossary_entries=data["glossary_entries"],
        )
        return _after_change(request, highlight.document, highlight, "Highlight updated.")
    template = "annotations/highlight_edit.html"
    if request.htmx:
        template += "#edit-form"
    status = 422 if form.is_bound else 200
    context = {
        "highlight": highlight,
        "form": form,
        **glossary_choices(form, highlight.document, highlight.start, highlight.end),
    }
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def highlight_delete(request: HttpRequest, pk: int) -> HttpResponse:
    highlight = get_highlight_for_user(request, pk, change=True)
    if request.method == "POST":
        document = highlight.document
        assignment = _working_assignment(request, highlight)
        delete_highlight(highlight=highlight)
        # Deleted, it keeps its place (pk None): the passage to paint again.
        return _after_change(request, document, highlight, "Highlight deleted.", assignment)
    template = "annotations/highlight_delete.html"
    if request.htmx:
        template += "#confirm"
    return TemplateResponse(request, template, {"highlight": highlight})


@login_required
@require_safe
def document_highlights(request: HttpRequest, slug: str) -> TemplateResponse:
    """Every highlight on one article the viewer may see; `?at=N`: those covering offset N."""
    document = get_document(slug)
    highlights = Highlight.objects.visible_to(request.user).in_document(document).for_listing()
    at = _bounded_int(request.GET.get("at"), 0, None, default=None)
    if at is not None:
        highlights = highlights.filter(start__lte=at, end__gt=at)
    template = "annotations/highlight_list.html"
    if request.htmx:
        template += "#cards"
    context = {"document": document, "highlights": highlights, "title": document.title}
    return TemplateResponse(request, template, context)


@login_required
@require_safe
def my_highlights(request: HttpRequest) -> TemplateResponse:
    highlights = Highlight.objects.owned_by(request.user).for_listing()
    context = {
        "highlights": highlights,
        "title": "My highlights",
        "mine": True,
        "export_query": urlencode({"student": request.user.username}),
    }
    return TemplateResponse(request, "annotations/highlight_list.html", context)


@login_required
@require_safe
def tag_detail(request: HttpRequest, slug: str) -> TemplateResponse:
    tag = get_object_or_404(Tag, slug=slug)
    highlights = Highlight.objects.visible_to(request.user).filter(tags=tag).for_listing()
    if not highlights.exists():
        # A tag seen only on others' private highlights must not reveal that it exists.
        raise Http404("No such tag")
    context = {
        "tag": tag,
        "highlights": highlights,
        "title": f"Tagged “{tag.name}”",
        "export_query": urlencode({"tag": tag.slug}),
    }
    return TemplateResponse(request, "annotations/highlight_list.html", context)


@login_required
@require_safe
def tag_suggestions(request: HttpRequest) -> TemplateResponse:
    """Options for the Tags field: the text typed so far, completed by tags in use.

    Ranked by how often they are used on highlights the viewer can see, so nothing
    written privately by someone else is ever suggested.
    """
    typed = request.GET.get("tags", "")
    done, _, partial = typed.rpartition(",")
    partial = " ".join(partial.split())
    chosen = {name.casefold() for name in parse_tags(done)}
    visible = Highlight.objects.visible_to(request.user)
    ranked = (
        TaggedHighlight.objects.filter(content_object__in=visible, tag__name__icontains=partial)
        .values("tag__name")
        .annotate(uses=Count("id"))
        .order_by("-uses", "tag__name")[:20]
    )
    assignment_id = _bounded_int(request.GET.get("assignment"), 1, None, default=None)
    suggested = (
        Assignment.objects.for_student(request.user)
        .filter(pk=assignment_id)
        .values_list("suggested_tags", flat=True)
        .first()
        if assignment_id
        else None
    ) or []
    names = [name for name in suggested if partial.casefold() in name.casefold()]
    names += [row["tag__name"] for row in ranked]
    lead = ", ".join(parse_tags(done))
    options = []
    for name in names:
        if name.casefold() not in chosen:
            chosen.add(name.casefold())
            options.append(f"{lead}, {name}" if lead else name)
    options = options[:10]
    return TemplateResponse(request, "annotations/tag_options.html", {"options": options})
