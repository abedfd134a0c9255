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
from annotations.models import ClassHide, Highlight, Reply
from annotations.questions import attach_marks

CARD = "annotations/highlight.html#card"


def card_page(request: HttpRequest, context: dict, status: int = 200) -> TemplateResponse:
    """A highlight's card: alone for htmx (to swap in place), else on its own page."""
    template = CARD if request.htmx else "annotations/highlight.html"
    return TemplateResponse(request, template, context, status=status)


def replies_for(user, viewer=None) -> Prefetch:
    """The replies `user` may read, as the cards' `highlight.threads`."""
    replies = Reply.objects.visible_to(user, viewer).in_threads()
    return Prefetch("replies", queryset=replies, to_attr="visible_replies")


def with_threads(user, highlights, viewer=None, *, fresh: bool = False) -> list[Highlight]:
    """Cards of a list with their threads: each highlight's replies `user` reads, and
    whether they may reply to it (`can_reply`), in a fixed number of queries. `fresh`
    highlights (just made) have no replies to look up."""
    highlights = list(highlights)
    if fresh:
        for highlight in highlights:
            highlight.visible_replies = []
    else:
        prefetch_related_objects(highlights, replies_for(user, viewer))
    classes = reply_classes(user, highlights)
    for highlight in highlights:
        highlight.can_reply = bool(classes[highlight.pk])
    return highlights


def card_context(
    user,
    highlight: Highlight,
    *,
    moderating: bool | None = None,
    can_reply: bool | None = None,
    **extra,
) -> dict:
    """A card's context; `moderating` and `can_reply` when the view knows already (it
    checked access)."""
    highlight.hidden_here = ClassHide.objects.seen_by(user).filter(highlight=highlight).exists()
    # The lookups that found the highlight (access.get_highlight_for_user), if it was.
    prefetch_related_objects([highlight], replies_for(user, getattr(highlight, "viewer", None)))
    attach_marks(highlight, user)
    if moderating is None:
        moderating = teaches_author_of(user, highlight)
    if can_reply is None:
        can_reply = bool(reply_classes(user, [highlight])[highlight.pk])
    highlight.can_reply = can_reply
    return {
        "highlight": highlight,
        "moderating": moderating,
        "reply_form": ReplyForm(),
        **extra,
    }


def back_to_card(
    request: HttpRequest,
    highlight: Highlight,
    message: str,
    *,
    reply: Reply | None = None,
    can_reply: bool | None = None,
) -> HttpResponse:
    """Back to the highlight acted on, not to the top of a page: for htmx its card again,
    focused, saying what was done; else the page it is on, at its anchor (for its
    author's teacher the student's work within an assignment, else the text; for anyone
    else the highlight's page, at the reply), with the message."""
    moderating = teaches_author_of(request.user, highlight)
    if request.htmx:
        context = card_context(
            request.user,
            highlight,
            moderating=moderating,
            can_reply=can_reply,
            card_message=message,
        )
        return TemplateResponse(request, CARD, context)
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
