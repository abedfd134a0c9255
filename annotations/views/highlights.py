"""Highlights: the editor, the card, edit, delete, lists, and tags."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from annotations.access import (
    Role,
    get_assignment_to_work_in,
    get_document,
    get_highlight_for_user,
    get_highlight_to_mark,
    get_highlight_to_move,
    get_role_in_assignment,
    get_tag_for_user,
)
from annotations.forms import HighlightForm, HighlightMoveForm, HighlightNoteForm, MarkForm
from annotations.models import Document, Highlight, HighlightMark, Viewer
from annotations.moderation import card_context, card_page, with_threads
from annotations.pages import HIGHLIGHTS_PER_PAGE, form_page
from annotations.query_forms import OffsetForm, ReadingQueryForm, SelectionForm, TagQueryForm
from annotations.questions import attach_marks
from annotations.reading import TEMPLATE as READING
from annotations.reading import (
    glossary_choices,
    passage_refresh_context,
    reading_context,
    reading_url,
    saved_highlight_context,
)
from annotations.tagging import tag_options
from annotations.throttles import write_limit
from annotations.writes import (
    create_highlight,
    delete_highlight,
    move_highlight,
    set_mark,
    update_highlight,
)

NO_WORK = (None, None)  # reading outside any assignment: (assignment, role)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("highlights")
def highlight_create(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the editor for a selection (see SelectionForm); POST: save the highlight."""
    document = get_document(slug)
    if request.method == "POST":
        return _save_new_highlight(request, document)
    selection = SelectionForm(request.GET, document=document)
    placed = selection.is_valid()
    work = get_assignment_to_work_in(request, document, selection.cleaned_data["assignment"])
    if not placed:
        error = selection.non_field_errors()[0]
        return _editor(request, document, None, work, status=422, selection_error=error)
    form = HighlightForm(
        document=document,
        user=request.user,
        initial={"assignment": work[0], **selection.editor_initial()},
    )
    quote = selection.cleaned_data["anchor"].exact
    return _editor(request, document, form, work, quote=quote, **selection.selection)


def _save_new_highlight(request: HttpRequest, document: Document) -> HttpResponse:
    form = HighlightForm(request.POST, document=document, user=request.user)
    if not form.is_valid():
        work = _working_assignment(request, None, form)
        return _editor(request, document, form, work, status=422, quote=form.posted_quote())
    highlight, new = create_highlight(owner=request.user, document=document, **form.highlight())
    # Placed where the page's text has it (not again by its quote in a corrected text).
    on_the_page = highlight.revision == form.cleaned_data["revision"] and (
        highlight.anchor_status == Highlight.AnchorStatus.ANCHORED
    )
    if new and on_the_page and _from_the_panel(request):
        return _saved(request, highlight)
    return _after_change(request, highlight.document, highlight, "Highlight saved.", fresh=new)


def _saved(request: HttpRequest, highlight: Highlight) -> TemplateResponse:
    """A new highlight, on the text the page shows: its card, its item in My highlights
    and the progress; the browser paints its mark where the server placed it."""
    # HighlightForm offers only the assignments one works in as a student (to_work_in).
    role = Role.STUDENT if highlight.assignment_id else None
    context = saved_highlight_context(
        request.user, highlight, role=role, message="Highlight saved."
    )
    response = TemplateResponse(request, READING + "#saved-highlight", context)
    place = {"id": highlight.pk, "start": highlight.start, "end": highlight.end}
    return trigger_client_event(response, "highlight-saved", place, after="swap")


def _from_the_panel(request: HttpRequest) -> bool:
    """Sent by htmx from the reading view's side panel (its editor or a card)."""
    return bool(request.htmx) and request.htmx.target == "panel"


def _shows_hidden(request: HttpRequest) -> bool:
    """Whether the page htmx sent the request from paints the highlights hidden from the
    class (`?hidden=1`): the paragraphs painted again for it do too."""
    page = urlsplit(request.htmx.current_url or "").query
    query = ReadingQueryForm(QueryDict(page))
    return query.is_valid() and query.cleaned_data["hidden"]


def _editor(request, document, form, work, *, status=200, **extra) -> TemplateResponse:
    """The editor: alone for htmx, else the reading view with the editor open."""
    assignment, role = work
    context = {"form": form, "panel": "editor", "assignment": assignment, **extra}
    if form is not None:
        start, end = form.passage(extra.get("anchor"))
        context.update(glossary_choices(form, document, start, end))
    if request.htmx:
        context["document"] = document
        return TemplateResponse(request, READING + "#panel", context, status=status)
    context = reading_context(request.user, document, role=role, **context)
    return TemplateResponse(request, READING, context, status=status)


def _working_assignment(request: HttpRequest, highlight: Highlight | None, form=None):
    """The assignment to show after a change, and the user's role in it: the highlight's,
    or the one being worked in."""
    assignment = highlight.assignment if highlight is not None else None
    if assignment is None and form is not None and form.is_bound:
        assignment = form.cleaned_data.get("assignment")
    return get_role_in_assignment(request, assignment) if assignment else NO_WORK


def _after_change(
    request, document, highlight, message: str, work=None, *, fresh: bool = False
) -> HttpResponse:
    """After a save or delete: refresh the reading view in place, or redirect to it. A
    `fresh` highlight (just made) has no marks to look up for its card."""
    assignment, role = work or _working_assignment(request, highlight)
    if _from_the_panel(request):
        if highlight.pk and not fresh:
            attach_marks(highlight, request.user)  # its card, in the panel
        # Looked up after the change, once for the card's replies and the passage.
        viewer = Viewer.of(request.user)
        card = (
            with_threads(request.user, [highlight], viewer, fresh=fresh) if highlight.pk else None
        )
        context = passage_refresh_context(
            request.user,
            document,
            (highlight.start, highlight.end),
            assignment=assignment,
            role=role,
            viewer=viewer,
            show_hidden=_shows_hidden(request),
            panel="card",
            highlight=card[0] if card else None,
            message=message,
        )
        return TemplateResponse(request, READING + "#refresh-passage", context)
    messages.success(request, message)
    anchor_link = f"#{highlight.anchor}" if highlight and highlight.pk else ""
    return HttpResponseRedirect(reading_url(request.user, document, assignment) + anchor_link)


@login_required
@require_safe
def highlight_detail(request: HttpRequest, pk: int) -> TemplateResponse:
    highlight = get_highlight_for_user(request, pk)
    # The author's teacher sees their class's replies, and may hide the highlight or answer it.
    return card_page(request, card_context(request.user, highlight))


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("highlights")
def highlight_edit(request: HttpRequest, pk: int) -> HttpResponse:
    highlight = get_highlight_for_user(request, pk, change=True)
    # Not `request.POST or None`: an empty POST must be bound, and refused.
    data = request.POST if request.method == "POST" else None
    form = HighlightNoteForm(data, instance=highlight)
    if request.method == "POST" and form.is_valid():
        update_highlight(highlight=highlight, **form.cleaned_data)
        return _after_change(request, highlight.document, highlight, "Highlight updated.")
    context = {
        "highlight": highlight,
        "form": form,
        "assignment": highlight.assignment,  # its suggested tags, offered in the Tags field
        **glossary_choices(form, highlight.document, highlight.start, highlight.end),
    }
    return form_page(request, "annotations/highlight_edit.html", context, partial="edit-form")


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("highlights")
def highlight_delete(request: HttpRequest, pk: int) -> HttpResponse:
    highlight = get_highlight_for_user(request, pk, change=True)
    if request.method == "POST":
        document = highlight.document
        work = _working_assignment(request, highlight)
        delete_highlight(highlight=highlight)
        # Deleted, it keeps its place (pk None): the passage to paint again.
        return _after_change(request, document, highlight, "Highlight deleted.", work)
    template = "annotations/highlight_delete.html"
    if request.htmx:
        template += "#confirm"
    return TemplateResponse(request, template, {"highlight": highlight})


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("highlights")
def highlight_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Count a highlight made outside any assignment for one of the owner's that sets
    its article."""
    highlight = get_highlight_to_move(request, pk)
    data = request.POST if request.method == "POST" else None  # an empty POST is refused
    form = HighlightMoveForm(data, highlight=highlight)
    if form.is_valid():
        assignment = form.cleaned_data["assignment"]
        move_highlight(highlight=highlight, assignment=assignment)
        messages.success(request, f"The highlight now counts for “{assignment.title}”.")
        url = reverse("assignment_document", args=[assignment.pk, highlight.document.slug])
        url += f"#{highlight.anchor}"
        return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
    context = {"form": form, "highlight": highlight}
    return form_page(request, "annotations/highlight_move.html", context, partial="form")


@login_required
@require_POST
@write_limit("marks")
def highlight_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """A classmate presses "Same question" or "Helpful" on a highlight, or presses it
    again to take the mark back. For htmx, the card again, focus on the button pressed."""
    highlight = get_highlight_to_mark(request, pk)
    form = MarkForm(request.POST, highlight=highlight)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return card_page(request, card_context(request.user, highlight, mark_error=error), 422)
    kind, pressed = form.cleaned_data["kind"], form.cleaned_data["pressed"]
    set_mark(highlight=highlight, person=request.user, kind=kind, pressed=pressed)
    if request.htmx:
        context = card_context(request.user, highlight, focus_mark=kind)
        return TemplateResponse(request, "annotations/highlight.html#card", context)
    label = HighlightMark.Kind(kind).label
    messages.success(request, f"Marked “{label}”." if pressed else f"“{label}” taken back.")
    if highlight.anchor_status == Highlight.AnchorStatus.ORPHANED:
        return HttpResponseRedirect(highlight.get_absolute_url())  # no place in the text
    url = reading_url(request.user, highlight.document, highlight.assignment)
    return HttpResponseRedirect(f"{url}#{highlight.anchor}")


@login_required
@require_safe
def document_highlights(request: HttpRequest, slug: str) -> TemplateResponse:
    """Every highlight on one article the viewer may see; `?at=N`: those covering offset N."""
    document = get_document(slug)
    highlights = (
        Highlight.objects.visible_to(request.user)
        .in_document(document)
        .for_listing()
        .with_hidden_for(request.user)
        .with_marks_for(request.user)
    )
    query = OffsetForm(request.GET)
    at = query.cleaned_data["at"] if query.is_valid() else None
    if at is not None:
        highlights = highlights.filter(start__lte=at, end__gt=at)
    # In the order of the text, a page at a time: a class's 1,200 shared highlights are
    # read, and opened in the reading view's panel, twenty by twenty.
    page = Paginator(highlights, HIGHLIGHTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_threads(request.user, page.object_list)
    template = "annotations/highlight_list.html"
    if request.htmx:
        template += "#cards"
    context = {
        "document": document,
        "highlights": page.object_list,
        "page": page,
        "page_query": urlencode({"at": at}) if at is not None else "",
        "title": document.title,
    }
    return TemplateResponse(request, template, context)


@login_required
@require_safe
def my_highlights(request: HttpRequest) -> TemplateResponse:
    highlights = (
        Highlight.objects.owned_by(request.user)
        .for_listing()
        .with_hidden_for(request.user)
        .with_marks_for(request.user)
    )
    context = {
        "highlights": with_threads(request.user, highlights),
        "title": "My highlights",
        "mine": True,
        "export_query": urlencode({"student": request.user.username}),
    }
    return TemplateResponse(request, "annotations/highlight_list.html", context)


@login_required
@require_safe
def tag_detail(request: HttpRequest, slug: str) -> TemplateResponse:
    tag = get_tag_for_user(request, slug)
    context = {
        "tag": tag,
        "highlights": with_threads(
            request.user,
            Highlight.objects.visible_to(request.user)
            .filter(tags=tag)
            .for_listing()
            .with_hidden_for(request.user)
            .with_marks_for(request.user),
        ),
        "title": f"Tagged “{tag.name}”",
        "export_query": urlencode({"tag": tag.slug}),
    }
    return TemplateResponse(request, "annotations/highlight_list.html", context)


@login_required
@require_safe
def tag_suggestions(request: HttpRequest) -> TemplateResponse:
    """Options for the Tags field: the text typed so far, completed by tags in use."""
    query = TagQueryForm(request.GET)
    query.is_valid()  # every field reads as not given when it does not parse
    options = tag_options(
        request.user, query.cleaned_data["tags"], query.cleaned_data["assignment"]
    )
    return TemplateResponse(request, "annotations/tag_options.html", {"options": options})
