"""Notifications in the app: who hears of a reply, the header's badge, and the page
that lists them. No mail: a notification is read on /notifications/.

A reply notifies the author of its highlight and, for a reply to a reply (`parent`),
the parent's author: once each, never its own writer. The reply a teacher marks as the
answer to a question notifies the question's author (`notify_answer`). What a recipient
is shown is what they may still read (NotificationQuerySet.shown_to), counted the same
way in the badge.
"""

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.utils import timezone

from annotations.models import Notification, Reply, Viewer

PER_PAGE = 20


def notify_reply(reply: Reply, answering: Reply | None = None) -> list[Notification]:
    """The notifications a new reply makes, in its transaction (writes.add_reply).

    `answering` is the reply it answers, when that is not its thread's first (whose
    place in the thread it takes: one level of nesting); else its parent, if any."""
    recipients = {reply.highlight.owner_id: Notification.Kind.REPLY_TO_HIGHLIGHT}
    # A reply to a reply: the author of the one answered hears of it too, once, even when
    # they also wrote the highlight (the highlight's kind wins: it says more).
    if answering is None and reply.parent_id is not None:
        answering = Reply.objects.only("author").get(pk=reply.parent_id)
    if answering is not None:
        recipients.setdefault(answering.author_id, Notification.Kind.REPLY_TO_REPLY)
    recipients.pop(reply.author_id, None)
    return Notification.objects.bulk_create(
        [Notification(recipient_id=pk, reply=reply, kind=kind) for pk, kind in recipients.items()],
        ignore_conflicts=True,
    )


@transaction.atomic
def notify_answer(reply: Reply) -> Notification | None:
    """The teacher marked `reply` as the answer to its highlight's question: its author
    hears of it as new, even if the reply notified them already (one notification a
    reply, now saying "answered"). None when they wrote the answer themselves."""
    recipient = reply.highlight.owner_id
    if recipient == reply.author_id:
        return None
    notification, _ = Notification.objects.update_or_create(
        recipient_id=recipient,
        reply=reply,
        defaults={"kind": Notification.Kind.ANSWER, "read": None, "created": timezone.now()},
    )
    return notification


def forget_answer(reply: Reply) -> None:
    """The teacher took back the answer mark: the notification, if any, says "replied"
    again (as read or new as it was)."""
    Notification.objects.filter(reply=reply, kind=Notification.Kind.ANSWER).update(
        kind=Notification.Kind.REPLY_TO_HIGHLIGHT
    )


class Badge:
    """The header's count of new notifications: asked for only when a page shows it, from
    the lookups the page's view made (models.Viewer.of_request), if it made them, and
    the highlights the viewer sees (`highlights`), if the page built those already."""

    def __init__(self, request, highlights=None):
        self.request = request
        self.highlights = highlights

    @cached_property
    def count(self) -> int:
        # No user on a request refused before the authentication middleware (a NUL).
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        viewer = Viewer.of_request(self.request)
        shown = Notification.objects.shown_to(user, viewer, self.highlights)
        return shown.unread().count()


def badge(request) -> dict:
    """Context processor: `notifications.count` in every page's header."""
    return {"notifications": Badge(request)}


def notifications_page(user, number, viewer: Viewer | None = None) -> Page:
    """One page of the user's notifications, newest first, with what each links to."""
    notifications = Notification.objects.shown_to(user, viewer).select_related(
        "reply__author", "reply__highlight__document"
    )
    return Paginator(notifications, PER_PAGE).get_page(number)


def mark_read(notifications) -> int:
    """Mark these (the ones a page showed) read; they keep what they were for this page."""
    new = [notification.pk for notification in notifications if notification.read is None]
    if not new:
        return 0
    return Notification.objects.filter(pk__in=new, read__isnull=True).update(read=timezone.now())


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user).unread().update(read=timezone.now())
