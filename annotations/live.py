"""The live reading view: classmates' new shared highlights and replies painted while a
student reads, without a reload (static/js/live.js polls; docs/PERFORMANCE.md, "Polls").

The page is rendered with a token, the newest highlight and reply ids of its article
then ("H.R"), and a signed key saying whose page it is (the viewer, the article, the
assignment). A poll sends both back. With nothing new from the viewer's classes, one
indexed query answers, 304 with no body, before the session is read (`PollShortcut`, a
middleware: a poll is the commonest request of all). Else the view, with the viewer's
session, applies their own rules (visible_to, and the hides the page leaves out): the
paragraphs with new marks are painted again, each to replace its old self, and a polite
live region says what came.

The key tells nothing by itself: a 304 says only that nothing is new on that page, and
anything more is the view's, for the session's viewer. Ids come from sequences: a
highlight whose transaction commits after a later one's poll was answered is not
painted live, and shows at the next reload.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from annotations.models import Document, Highlight, Reply
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
    query = {"key": poll_key(user.pk, document.pk, assignment and assignment.pk, url)}
    if show_hidden:
        query["hidden"] = "1"
    return {
        "url": f"{url}?{urlencode(query)}",
        "since": str(Since().then(highlight, reply)),
        "seconds": settings.LIVE_POLL_SECONDS,
    }


# The newest highlight and reply that might be news to a viewer on an article's page:
# made by someone else in their classes since the page's token. In SQL: Django's building
# of the same query took several times its running. Each reads one index,
# highlight_assignment_since or highlight_shared_since, and the replies' key. In an
# assignment everyone's highlights are its class's: no need to ask who.
_NEWS_IN_ASSIGNMENT = """
SELECT
  (SELECT max(h.id) FROM annotations_highlight h
    WHERE h.assignment_id = %(assignment)s AND h.id > %(highlight)s
      AND h.document_id = %(document)s AND h.owner_id <> %(viewer)s),
  (SELECT max(r.id) FROM annotations_reply r
    JOIN annotations_highlight h ON h.id = r.highlight_id
    WHERE h.assignment_id = %(assignment)s AND r.id > %(reply)s
      AND h.document_id = %(document)s AND r.author_id <> %(viewer)s)
"""
# Outside assignments: what classmates shared, and the replies made in the viewer's
# classes or to their own highlights.
_NEWS_OUTSIDE = """
SELECT
  (SELECT max(h.id) FROM annotations_highlight h
    WHERE h.document_id = %(document)s AND h.id > %(highlight)s
      AND h.assignment_id IS NULL AND h.visibility = 'class' AND h.owner_id <> %(viewer)s
      AND h.owner_id IN (
        SELECT classmate.user_id FROM annotations_membership classmate
        JOIN annotations_membership mine ON mine.classroom_id = classmate.classroom_id
        WHERE mine.user_id = %(viewer)s)),
  (SELECT max(r.id) FROM annotations_reply r
    JOIN annotations_highlight h ON h.id = r.highlight_id
    WHERE r.id > %(reply)s AND h.document_id = %(document)s AND h.assignment_id IS NULL
      AND r.author_id <> %(viewer)s
      AND (h.owner_id = %(viewer)s OR r.classroom_id IN (
        SELECT mine.classroom_id FROM annotations_membership mine
        WHERE mine.user_id = %(viewer)s)))
"""


def news_since(viewer: int, document: int, assignment: int | None, since: Since) -> Since:
    """What the page has seen, moved on to the newest highlight and reply that might be
    news to `viewer` (ids all); `since` itself when nothing is. One query."""
    sql = _NEWS_OUTSIDE if assignment is None else _NEWS_IN_ASSIGNMENT
    params = {
        "viewer": viewer,
        "document": document,
        "assignment": assignment,
        "highlight": since.highlight,
        "reply": since.reply,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return since.then(*cursor.fetchone())


# The key: whose page, on which article and assignment, polled at which address.
_SIGNER = Signer(salt="annotations.live.poll")


def poll_key(viewer: int, document: int, assignment: int | None, path: str) -> str:
    return _SIGNER.sign(f"{viewer}|{document}|{assignment or 0}|{path}")


def read_poll_key(key: str, path: str) -> tuple[int, int, int | None] | None:
    """(viewer, article, assignment) of a key this site signed for `path`; else None."""
    try:
        viewer, document, assignment, signed_path = _SIGNER.unsign(key).split("|")
        page = (int(viewer), int(document), int(assignment) or None)
    except (BadSignature, ValueError):
        return None
    return page if signed_path == path else None


class PollShortcut:
    """Middleware, before the session's: a poll with a key of this site and nothing new
    is answered here, 304, in one query. Anything else (news, no key, a key of another
    page) goes on to the view, which reads the session as every view does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and "key" in request.GET:
            answer = _nothing_new(request)
            if answer is not None:
                return answer
        return self.get_response(request)


def _nothing_new(request: HttpRequest) -> HttpResponse | None:
    page = read_poll_key(request.GET["key"], request.path)
    since = Since.parse(request.GET.get("since", ""))
    if page is None or since is None or news_since(*page, since) != since:
        return None
    return not_modified(since)


def not_modified(since: Since) -> HttpResponse:
    response = HttpResponseNotModified()
    response["Live-Since"] = str(since)
    add_never_cache_headers(response)
    return response


def changes_context(
    user, document: Document, since: Since, *, assignment=None, show_hidden=False
) -> dict | None:
    """What is new to `user` on the page since `since`, painted; None when nothing is
    (304). `since` in the answer is what the page has seen from now on."""
    news = news_since(user.pk, document.pk, assignment, since)
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
