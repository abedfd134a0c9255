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
from django.db import connections, router, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from annotations.models import Notification, Reply, Viewer

PER_PAGE = 20


def save_notifying(reply: Reply, answering: Reply | None = None) -> None:
    """Save a new reply with the notifications it makes (reply_recipients), in one
    statement: its INSERT (Django's, as save() makes it) in a CTE whose id the
    notifications' INSERT takes. Atomic as any statement is, in one round trip: no
    BEGIN and COMMIT around two inserts."""
    recipients = reply_recipients(reply, answering)
    if not recipients:
        reply.save()
        return
    using = router.db_for_write(Reply)
    connection = connections[using]
    quote, meta = connection.ops.quote_name, Notification._meta
    insert = InsertQuery(Reply)
    insert.insert_values([f for f in Reply._meta.concrete_fields if not f.primary_key], [reply])
    [(reply_sql, params)] = insert.get_compiler(connection=connection).as_sql()
    names = ("recipient", "reply", "kind", "created")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    made = ", ".join(["(%s, %s)"] * len(recipients))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH reply AS ({reply_sql} RETURNING {quote(Reply._meta.pk.column)} AS id), "
            f"notified AS (INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT recipient, reply.id, kind, %s FROM reply, (VALUES {made}) AS made "
            "(recipient, kind) ON CONFLICT DO NOTHING) SELECT id FROM reply",
            [*params, timezone.now(), *(value for pair in recipients.items() for value in pair)],
        )
        reply.pk = cursor.fetchone()[0]
    reply._state.adding, reply._state.db = False, using


def reply_recipients(reply: Reply, answering: Reply | None = None) -> dict[int, str]:
    """Who hears of a new reply, and as what: {recipient: Notification.Kind}.

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
    return recipients


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
        # Most pages are opened by someone with nothing new: one indexed probe (the
        # partial index notification_unread) answers them, without the viewer's lookups
        # or the visibility rules (about 10 ms of the ORM). With some new, the count is
        # shown_to's: one on a reply they may no longer read still does not count.
        if not has_unread(user):
            return 0
        viewer = Viewer.of_request(self.request)
        shown = Notification.objects.shown_to(user, viewer, self.highlights)
        return shown.unread().count()


def has_unread(user) -> bool:
    """Whether `user` has any new notification row at all, readable or not."""
    return Notification.objects.filter(recipient=user.pk).unread().exists()


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
