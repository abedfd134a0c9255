"""What a highlight's card shows of its thread and moderation to the one reading it.

Moderation belongs to a class (models.ClassHide, Reply.classroom): a card says
"hidden" only where the reader sees the hide (a class they teach; for its author, any
class), and lists only the replies they may read (ReplyQuerySet.visible_to), as threads.
"""

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from annotations.access import reply_classes, teaches_author_of
from annotations.forms import ReplyForm
from annotations.models import Highlight, Reply, Viewer
from annotations.questions import MARK_FIELDS

CARD = "annotations/highlight.html#card"
THREAD = "annotations/highlight.html#thread"


def card_page(request: HttpRequest, context: dict, status: int = 200) -> TemplateResponse:
    """A highlight's card: alone for htmx (to swap in place), else on its own page."""
    template = CARD if request.htmx else "annotations/highlight.html"
    return TemplateResponse(request, template, context, status=status)


def lookups(user, highlight: Highlight | None = None) -> Viewer | None:
    """The reader's models.Viewer: the one that found `highlight` for them
    (access.get_highlight_for_user), else made here; None for someone logged out."""
    viewer = getattr(highlight, "viewer", None)
    if viewer is not None and viewer.user.pk == user.pk:
        return viewer
    return Viewer.of(user) if user.is_authenticated else None


def replies_for(user, viewer=None, *, highlights_seen: bool = False) -> Prefetch:
    """The replies `user` may read, as the cards' `highlight.threads`; `highlights_seen`
    when `viewer` found the highlights (ReplyQuerySet.visible_to)."""
    replies = Reply.objects.visible_to(user, viewer, highlights_seen=highlights_seen)
    return Prefetch("replies", queryset=replies.in_threads(), to_attr="visible_replies")


def with_threads(user, highlights, viewer=None, *, fresh: bool = False) -> list[Highlight]:
    """Cards of a list with their threads: each highlight's replies `user` reads, and
    whether they may reply to it (`can_reply`), in a fixed number of queries, from one
    models.Viewer (`viewer`, if the caller made it). `fresh` highlights (just made) have
    no replies to look up."""
    highlights = list(highlights)
    viewer = viewer or lookups(user)
    if fresh:
        for highlight in highlights:
            highlight.visible_replies = []
    else:
        prefetch_related_objects(highlights, replies_for(user, viewer))
    classes = reply_classes(user, highlights, viewer)
    for highlight in highlights:
        highlight.can_reply = bool(classes[highlight.pk])
    return highlights


def thread_context(
    user,
    highlight: Highlight,
    *,
    moderating: bool | None = None,
    can_reply: bool | None = None,
    viewer: Viewer | None = None,
    **extra,
) -> dict:
    """What a card's thread shows (the replies `user` reads, the forms to reply and, for
    the author's teacher, to mark an answer); `moderating` and `can_reply` when the view
    knows already (it checked access), from the reader's lookups (`viewer`, by default
    `lookups()`): no query but the replies'."""
    viewer = viewer or lookups(user, highlight)
    seen = viewer is not None and viewer is getattr(highlight, "viewer", None)
    if not hasattr(highlight, "visible_replies"):  # as replies_for prefetches them
        replies = Reply.objects.visible_to(user, viewer, highlights_seen=seen)
        highlight.visible_replies = list(replies.in_threads().filter(highlight=highlight))
    if moderating is None:
        moderating = teaches_author_of(user, highlight, viewer)
    if can_reply is None:
        can_reply = bool(reply_classes(user, [highlight], viewer)[highlight.pk])
    highlight.can_reply = can_reply
    return {
        "highlight": highlight,
        "moderating": moderating,
        "reply_form": ReplyForm(),
        **extra,
    }


def card_context(user, highlight: Highlight, *, viewer: Viewer | None = None, **extra) -> dict:
    """A card's context: its thread's (thread_context, which takes the same keywords),
    its marks and whether the reader sees it hidden (one query more)."""
    viewer = viewer or lookups(user, highlight)
    attach_card_marks(highlight, user, viewer)
    return thread_context(user, highlight, viewer=viewer, **extra)


def attach_card_marks(highlight: Highlight, user, viewer=None) -> Highlight:
    """What one card shows `user` of its marks (questions.attach_marks) and whether they
    see it hidden (`hidden_here`: HighlightQuerySet.with_hidden_for), in one query."""
    row = (
        Highlight.objects.filter(pk=highlight.pk)
        .order_by()
        .with_marks_for(user, viewer)
        .with_hidden_for(user)
        .values(*MARK_FIELDS, "hidden_here")
        .first()
    )
    for name, value in (row or {}).items():
        setattr(highlight, name, value)
    return highlight


def back_to_card(
    request: HttpRequest,
    highlight: Highlight,
    message: str,
    *,
    reply: Reply | None = None,
    thread_only: bool = False,
) -> HttpResponse:
    """Back to the highlight acted on, not to the top of a page: for htmx its card again,
    focused, saying what was done; else the page it is on, at its anchor (_back_to_place).
    `thread_only` (after a reply): for htmx only the card's thread, as a reply changes
    nothing else on it (its marks, tags, hide stay as the page has them)."""
    viewer = lookups(request.user, highlight)
    moderating = teaches_author_of(request.user, highlight, viewer)
    if not request.htmx:
        return _back_to_place(request, highlight, message, reply=reply, moderating=moderating)
    if thread_only:
        context = thread_context(
            request.user,
            highlight,
            moderating=moderating,
            can_reply=True,
            viewer=viewer,
            thread_message=message,
        )
        return TemplateResponse(request, THREAD, context)
    context = card_context(
        request.user, highlight, moderating=moderating, viewer=viewer, card_message=message
    )
    return TemplateResponse(request, CARD, context)


def thread_page(request: HttpRequest, highlight: Highlight, status: int, **extra) -> HttpResponse:
    """A reply to correct (`extra`: its form): for htmx in the thread it was sent from,
    else on the highlight's page."""
    if request.htmx:
        context = thread_context(request.user, highlight, can_reply=True, **extra)
        return TemplateResponse(request, THREAD, context, status=status)
    context = card_context(request.user, highlight, can_reply=True, **extra)
    return card_page(request, context, status)


def _back_to_place(
    request: HttpRequest,
    highlight: Highlight,
    message: str,
    *,
    reply: Reply | None,
    moderating: bool,
) -> HttpResponseRedirect:
    """The page the highlight is on, at its anchor (for its author's teacher the
    student's work within an assignment, else the text; for anyone else the highlight's
    page, at the reply), with the message."""
    messages.success(request, message)
    if not moderating:
        place = reply.anchor if reply is not None and reply.pk else highlight.anchor
        return HttpResponseRedirect(f"{highlight.get_absolute_url()}#{place}")
    if highlight.assignment_id:
        url = reverse("assignment_student", args=[highlight.assignment_id, highlight.owner_id])
    elif highlight.anchor_status == Highlight.AnchorStatus.ORPHANED:
        return HttpResponseRedirect(highlight.get_absolute_url())  # no place in the text
    else:
        # With the hidden ones painted: the teacher sees the one they acted on.
        url = highlight.document.get_absolute_url() + "?hidden=1"
    return HttpResponseRedirect(f"{url}#{highlight.anchor}")
