"""The live reading view: classmates' new shared highlights and replies painted while a
student reads, without a reload (static/js/live.js polls; docs/PERFORMANCE.md, "Polls").

The page is rendered with a token, the newest highlight and reply ids of its article
then ("H.R"). A poll sends it back. With nothing new from the viewer's classes, one
indexed query answers (304, no body); else the viewer's own rules (visible_to, and the
hides the page leaves out) say what of it they see: its paragraphs are painted again,
each to replace its old self, and a polite live region says what came.

Ids come from sequences: a highlight whose transaction commits after a later one's poll
was answered is not painted live, and shows at the next reload.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from annotations.models import Document, Highlight, Membership, Reply
from annotations.paragraphs import Paragraph
from annotations.reading import paint_paragraphs, visible_on_page

TOKEN = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})")


@dataclass(frozen=True)
class Since:
    """What a page has seen: the newest highlight and reply of its article."""

    highlight: int = 0
    reply: int = 0

    def __str__(self) -> str:
        return f"{self.highlight}.{self.reply}"

    @classmethod
    def parse(cls, token: str) -> "Since | None":
        found = TOKEN.fullmatch(token)
        return cls(int(found[1]), int(found[2])) if found else None

    def then(self, highlight, reply) -> "Since":
        return Since(max(self.highlight, highlight or 0), max(self.reply, reply or 0))


def live_context(user, document: Document, *, assignment=None, show_hidden=False) -> dict:
    """What the reading view needs to poll: where, how often, and its token (one query)."""
    if not user.is_authenticated:
        return {}
    newest = Document.objects.filter(pk=document.pk).values_list(
        Subquery(_newest(Highlight.objects.filter(document=OuterRef("pk")))),
        Subquery(_newest(Reply.objects.filter(highlight__document=OuterRef("pk")))),
    )
    highlight, reply = newest.get()
    if assignment is None:
        url = reverse("document_changes", args=[document.slug])
    else:
        url = reverse("assignment_document_changes", args=[assignment.pk, document.slug])
    return {
        "url": url + ("?hidden=1" if show_hidden else ""),
        "since": str(Since().then(highlight, reply)),
        "seconds": settings.LIVE_POLL_SECONDS,
    }


def news_since(user, document: Document, since: Since, *, assignment=None) -> Since:
    """The newest highlight and reply since `since` that might be news to `user`: made by
    someone else in their classes, on this page. One query; `since` itself when none."""
    my_classes = Membership.objects.filter(user=user.pk).values("classroom")
    classmates = Membership.objects.filter(classroom__in=my_classes).values("user")
    highlights = Highlight.objects.filter(
        document=document.pk, pk__gt=since.highlight, owner__in=classmates
    ).exclude(owner=user.pk)
    replies = Reply.objects.filter(highlight__document=document.pk, pk__gt=since.reply).filter(
        Q(classroom__in=my_classes) | Q(highlight__owner=user.pk)
    )
    if assignment is None:
        highlights = highlights.filter(
            assignment__isnull=True, visibility=Highlight.Visibility.CLASS
        )
        replies = replies.filter(highlight__assignment__isnull=True)
    else:
        highlights = highlights.filter(assignment=assignment.pk)
        replies = replies.filter(highlight__assignment=assignment.pk)
    row = Document.objects.filter(pk=document.pk).values_list(
        Subquery(_newest(highlights)), Subquery(_newest(replies.exclude(author=user.pk)))
    )
    return since.then(*row.get())


def changes_context(
    user, document: Document, since: Since, *, assignment=None, show_hidden=False
) -> dict | None:
    """What is new to `user` on the page since `since`, painted; None when nothing is
    (304). `since` in the answer is what the page has seen from now on."""
    news = news_since(user, document, since, assignment=assignment)
    if news == since:
        return None
    visible = visible_on_page(user, document, assignment)
    fresh = visible.not_orphaned().filter(pk__gt=since.highlight).exclude(owner=user.pk)
    fresh = fresh.with_hidden_for(user).values_list("start", "end", "hidden_here")
    fresh = [(start, end) for start, end, hidden in fresh if show_hidden or not hidden]
    replies = (
        Reply.objects.visible_to(user)
        .filter(highlight__in=visible, pk__gt=since.reply)
        .exclude(author=user.pk)
        .count()
    )
    context = {"since": str(news), "highlights": len(fresh), "replies": replies}
    if not fresh and not replies:
        return {**context, "nothing": True}
    runs = _runs({p for start, end in fresh for p in document.paragraphs_between(start, end)})
    context["paragraphs_html"] = paint_paragraphs(user, document, visible, runs, show_hidden)
    context["announcement"] = announcement(len(fresh), replies)
    return context


def announcement(highlights: int, replies: int) -> str:
    """ "2 new highlights from your class, 1 new reply": what the live region says."""
    said = []
    if highlights:
        said.append(f"{highlights} new highlight{'s' if highlights != 1 else ''} from your class")
    if replies:
        said.append(f"{replies} new repl{'ies' if replies != 1 else 'y'}")
    return ", ".join(said) + "."


def _newest(queryset):
    return queryset.order_by("-pk").values("pk")[:1]


def _runs(paragraphs: set[Paragraph]) -> list[list[Paragraph]]:
    """The paragraphs in runs of neighbours, each painted as one piece of text."""
    runs: list[list[Paragraph]] = []
    for paragraph in sorted(paragraphs, key=lambda p: p.number):
        if runs and runs[-1][-1].number + 1 == paragraph.number:
            runs[-1].append(paragraph)
        else:
            runs.append([paragraph])
    return runs
