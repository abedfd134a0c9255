"""What the reading view shows: the painted text, the reader's highlights and progress,
and the editor's glossary choices. Shared by every view that shows or changes it.

Within an assignment only its highlights show, with the reader's progress if they are a
student of it; a teacher may narrow the view to one student.
"""

from django.db.models import Prefetch
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from annotations.access import Role, can_correct_text, can_reply_to_new
from annotations.models import Assignment, Document, GlossaryEntry, Highlight
from annotations.paragraphs import Paragraph
from annotations.progress import student_progress
from annotations.questions import UNMARKED
from annotations.segments import MentionSpan, Span, render_reading_text

TEMPLATE = "annotations/document.html"


def reading_context(
    user,
    document: Document,
    *,
    assignment=None,
    role=None,
    student=None,
    show_hidden: bool = False,
    query=None,
    **panel,
) -> dict:
    """Everything the reading view shows; `panel` fills the side panel (editor, cards).

    Others' highlights hidden in a class the reader teaches are left unpainted unless
    `show_hidden` (`?hidden=1`): a flood a teacher hid does not cover their page; the key
    says how many, with a link to the page with them (`query` is the page's query)."""
    visible = _visible(user, document, assignment, student)
    spans = _spans(visible.not_orphaned(), user)
    hidden_count = sum(1 for span in spans if not span.own and span.hidden)
    shared_count = sum(1 for span in spans if not span.own)
    if not show_hidden:
        spans = _unhidden(spans)
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
        "my_highlights": _mine(visible, user),
        "students_orphaned": _students_orphaned(visible, user),
        "can_correct": can_correct_text(user),
        "shared_count": shared_count,
        "hidden_count": hidden_count,
        "show_hidden": show_hidden,
        "hidden_link": _hidden_link(query, not show_hidden) if hidden_count else "",
        "assignment": assignment,
        "progress": _progress(assignment, role, user),
        "teaching": assignment is not None and role == Role.TEACHER,
        "only_student": student,
        **panel,
    }


def passage_refresh_context(
    user,
    document: Document,
    passage: tuple[int, int],
    *,
    assignment=None,
    role=None,
    viewer=None,
    show_hidden: bool = False,
    **panel,
) -> dict:
    """What a save, edit or delete changes on the reading view, and only that.

    The paragraphs of the changed `passage` (start, end) are painted again, each to
    replace its old self, with the highlights hidden from the class if the page paints
    them (`show_hidden`); My highlights and the progress box are redrawn; the rest of
    the page stays as it is. Rendering the whole text again after every save was most of
    a save's time. `viewer` (models.Viewer) is the lookups the card used, if it did.
    """
    paragraphs = document.paragraphs_between(*passage)
    visible = visible_on_page(user, document, assignment, viewer)
    return {
        "document": document,
        "paragraphs_html": paint_paragraphs(
            user, document, visible, [paragraphs] if paragraphs else [], show_hidden
        ),
        "my_highlights": _mine(visible, user),
        "shared_count": visible.not_orphaned().exclude(owner=user).count(),
        "assignment": assignment,
        "progress": _progress(assignment, role, user),
        "teaching": assignment is not None and role == Role.TEACHER,
        **panel,
    }


def saved_highlight_context(user, highlight: Highlight, *, role=None, message: str) -> dict:
    """What a new highlight, saved from the editor on a page showing the text it was
    placed on, adds to that page: its card in the panel, its item for My highlights, and
    the progress box anew.

    Nothing the page shows is read again: the browser paints the new mark on the text it
    has (static/js/highlighter.js, as segments.py paints it) and puts the item in its
    place; the others' highlights are as the page had them (its poll brings the class's
    news). The card shows the tags and entries the save wrote (writes._as_written), and
    no replies: it has none yet.
    """
    highlight.visible_replies = []
    highlight.can_reply = can_reply_to_new(user, highlight)
    # Nor marks or hides (its card asks for them all the same).
    for name, value in {**UNMARKED, "hidden_here": False}.items():
        setattr(highlight, name, value)
    return {
        "document": highlight.document,
        "panel": "card",
        "highlight": highlight,
        "message": message,
        "assignment": highlight.assignment,
        "progress": _progress(highlight.assignment, role, user),
    }


def visible_on_page(user, document: Document, assignment=None, viewer=None):
    """The highlights the reading view of `document` (in `assignment`) may show `user`."""
    return _visible(user, document, assignment, None, viewer)


def paint_paragraphs(
    user, document: Document, visible, runs: list[list[Paragraph]], show_hidden: bool = False
) -> SafeString:
    """Runs of neighbouring paragraphs painted again with the `visible` highlights, each
    paragraph marked to replace its old self (htmx, out of band)."""
    placed = visible.not_orphaned()
    html = ""
    for paragraphs in runs:
        low, high = paragraphs[0].start, paragraphs[-1].end
        mentions = (
            document.mentions.filter(revision=document.revision, start__lt=high, end__gt=low)
            .order_by()
            .values_list("start", "end", "entry__slug")
        )
        spans = _spans(placed.filter(start__lt=high, end__gt=low), user)
        html += render_reading_text(
            document.text,
            paragraphs,
            spans if show_hidden else _unhidden(spans),
            [MentionSpan(*mention) for mention in mentions],
            swap_oob=True,
        )
    return mark_safe(html)  # each run rendered (and escaped) by render_reading_text


def assignments_to_work_in(user, document: Document) -> list[tuple[Assignment, bool]]:
    """The student's assignments that set this article, soonest due first, each with
    whether it is past due."""
    if not user.is_authenticated:
        return []
    now = timezone.now()
    assignments = Assignment.objects.to_work_in(user, document).select_related("classroom")
    return [(assignment, assignment.due <= now) for assignment in assignments]


def reading_url(user, document: Document, assignment=None) -> str:
    """Where a highlight is read: in its assignment, or outside any (`?outside=1` when
    an assignment of the reader's would otherwise take them into it)."""
    if assignment is not None:
        return reverse("assignment_document", args=[assignment.pk, document.slug])
    if assignments_to_work_in(user, document):
        return document.get_absolute_url() + "?outside=1"
    return document.get_absolute_url()


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


def _progress(assignment, role, user):
    """A student's progress in the assignment they read in; none for its teacher."""
    if assignment is None or role != Role.STUDENT:
        return None
    return student_progress(assignment, user)


def _visible(user, document: Document, assignment, student, viewer=None):
    visible = Highlight.objects.visible_to(user, viewer).in_document(document)
    if assignment is not None:
        visible = visible.in_assignment(assignment)
    if student is not None:
        visible = visible.owned_by(student)
    return visible


def _unhidden(spans: list[Span]) -> list[Span]:
    return [span for span in spans if span.own or not span.hidden]


def _hidden_link(query, show: bool) -> str:
    """The page's own query, with `hidden=1` when `show`, without it otherwise."""
    query = query.copy() if query is not None else QueryDict(mutable=True)
    query.pop("hidden", None)
    if show:
        query["hidden"] = "1"
    return "?" + query.urlencode()


def _spans(placed, user) -> list[Span]:
    # No ordering: the painting sorts what it needs (Highlight's default order would join
    # the documents to sort by them).
    rows = (
        placed.with_hidden_for(user)
        .order_by()
        .values_list("id", "start", "end", "owner_id", "hidden_here")
    )
    viewer = user.pk  # once: `user` is a lazy object, slow to read 1,200 times
    return [Span(i, start, end, owner == viewer, hidden) for i, start, end, owner, hidden in rows]


def _mine(visible, user) -> list[Highlight]:
    if not user.is_authenticated:
        return []
    # Into a list of each: taggit's manager builds a query for each highlight it caches
    # the tags of, a few milliseconds for a reader's thirty highlights.
    tags = Prefetch("tags", to_attr="tag_list")
    return list(visible.owned_by(user).prefetch_related(tags).order_by("start", "id"))


def _students_orphaned(visible, user) -> list[Highlight]:
    """A correction of the text may leave a highlight without a place: its author sees it
    in "My highlights", their teachers here."""
    if not user.is_authenticated:
        return []
    orphaned = visible.taught_by(user).filter(anchor_status=Highlight.AnchorStatus.ORPHANED)
    return list(
        orphaned.select_related("owner").order_by("owner__last_name", "owner__username", "id")
    )
