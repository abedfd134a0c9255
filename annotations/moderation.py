"""What a highlight's card shows of its moderation to the one reading it.

Moderation belongs to a class (models.ClassHide, Reply.classroom): a card says
"hidden" only where the reader sees the hide (a class they teach; for its author, any
class), and lists only the replies they may read (ReplyQuerySet.visible_to).
"""

from django.db.models import Prefetch, prefetch_related_objects

from annotations.access import teaches_author_of
from annotations.forms import ReplyForm
from annotations.models import ClassHide, Highlight, Reply
from annotations.questions import attach_marks


def replies_for(user) -> Prefetch:
    """The replies `user` may read, as the cards' `highlight.replies.all`."""
    return Prefetch("replies", queryset=Reply.objects.visible_to(user).select_related("author"))


def card_context(user, highlight: Highlight, *, moderating: bool | None = None, **extra) -> dict:
    """A card's context; `moderating` when the view knows already (it checked access)."""
    highlight.hidden_here = ClassHide.objects.seen_by(user).filter(highlight=highlight).exists()
    prefetch_related_objects([highlight], replies_for(user))
    attach_marks(highlight, user)
    if moderating is None:
        moderating = teaches_author_of(user, highlight)
    return {"highlight": highlight, "moderating": moderating, "reply_form": ReplyForm(), **extra}
