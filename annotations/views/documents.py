"""The library, the reading view, and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from annotations.access import can_correct_text, get_document
from annotations.models import Document, GlossaryEntry, Highlight
from annotations.progress import student_progress
from annotations.segments import MentionSpan, Span, render_reading_text

READING = "annotations/document.html"


@require_safe
def library(request: HttpRequest) -> TemplateResponse:
    documents = Document.objects.in_library_order()
    return TemplateResponse(request, "annotations/library.html", {"documents": documents})


def reading_context(
    request: HttpRequest, document: Document, *, assignment=None, student=None, **panel
) -> dict:
    """Everything the reading view shows; `panel` fills the side panel (editor, cards).

    Within an assignment only its highlights show, and the reader's progress; a teacher
    may narrow the view to one `student`.
    """
    user = request.user
    visible = _visible(user, document, assignment, student)
    spans = _spans(visible.exclude(anchor_status=Highlight.AnchorStatus.ORPHANED), user)
    mine = _mine(visible, user)
    # A correction of the text may leave a highlight without a place: its author sees it
    # in "My highlights", their teachers here.
    students_orphaned = (
        list(
            visible.taught_by(user)
            .filter(anchor_status=Highlight.AnchorStatus.ORPHANED)
            .select_related("owner")
            .order_by("owner__last_name", "owner__username", "id")
        )
        if user.is_authenticated
        else []
    )
    mentions = document.mentions.filter(revision=document.revision)
    mention_spans = [
        MentionSpan(start, end, slug)
        for start, end, slug in mentions.order_by().values_list("start", "end", "entry__slug")
    ]
    return {
        "document": document,
        "reading_html": render_reading_text(
            document.text, document.paragraphs, spans, mention_spans
        ),
        "glossary_entries": GlossaryEntry.objects.filter(mentions__in=mentions).distinct(),
        "my_highlights": mine,
        "students_orphaned": students_orphaned,
        "can_correct": can_correct_text(user),
        "shared_count": sum(1 for span in spans if not span.own),
        "assignment": assignment,
        "progress": _progress(assignment, user),
        "only_student": student,
        **panel,
    }


def _progress(assignment, user):
    """A student's progress in the assignment they read in; none for its teacher."""
    if assignment is None or assignment.classroom.viewer_role != "student":
        return None
    return student_progress(assignment, user)


def _visible(user, document: Document, assignment, student):
    visible = Highlight.objects.visible_to(user).in_document(document)
    if assignment is not None:
        visible = visible.filter(assignment=assignment)
    if student is not None:
        visible = visible.filter(owner=student)
    return visible


def _spans(placed, user) -> list[Span]:
    # No ordering: the painting sorts what it needs (Highlight's default order would join
    # the documents to sort by them).
    rows = placed.order_by().values_list("id", "start", "end", "owner_id")
    viewer = user.pk  # once: `user` is a lazy object, slow to read 1,200 times
    return [Span(i, start, end, owner == viewer) for i, start, end, owner in rows]


def _mine(visible, user) -> list[Highlight]:
    if not user.is_authenticated:
        return []
    return list(visible.owned_by(user).prefetch_related("tags").order_by("start", "id"))


def passage_refresh_context(
    request: HttpRequest, document: Document, passage: tuple[int, int], *, assignment=None, **panel
) -> dict:
    """What a save, edit or delete changes on the reading view, and only that.

    The paragraphs of the changed `passage` (start, end) are painted again, each to
    replace its old self; My highlights and the progress box are redrawn; the rest of
    the page stays as it is. Rendering the whole text again after every save was most of
    a save's time.
    """
    user = request.user
    start, end = passage
    paragraphs = [p for p in document.paragraphs if p.start < end and p.end > start]
    visible = _visible(user, document, assignment, None)
    placed = visible.exclude(anchor_status=Highlight.AnchorStatus.ORPHANED)
    html = ""
    if paragraphs:
        low, high = paragraphs[0].start, paragraphs[-1].end
        mentions = (
            document.mentions.filter(revision=document.revision, start__lt=high, end__gt=low)
            .order_by()
            .values_list("start", "end", "entry__slug")
        )
        html = render_reading_text(
            document.text,
            paragraphs,
            _spans(placed.filter(start__lt=high, end__gt=low), user),
            [MentionSpan(*mention) for mention in mentions],
            swap_oob=True,
        )
    return {
        "document": document,
        "paragraphs_html": html,
        "my_highlights": _mine(visible, user),
        "shared_count": placed.exclude(owner=user).count(),
        "assignment": assignment,
        "progress": _progress(assignment, user),
        **panel,
    }


@require_safe
def document_detail(request: HttpRequest, slug: str) -> TemplateResponse:
    document = get_document(slug)
    return TemplateResponse(request, READING, reading_context(request, document))


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and uptime checks: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means unhealthy
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
