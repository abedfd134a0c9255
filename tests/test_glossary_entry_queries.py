"""An entry's page makes as many SQL queries with many linked highlights as with few."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.anchoring import quote_at
from annotations.models import Highlight, Reply, Tag, TaggedHighlight
from annotations.views.glossary import HIGHLIGHTS_PER_PAGE

TAGS = ["evidence", "motive", "question"]


def link_highlights(entry, document, owners, count, *, visibility="class", replier=None):
    """`count` highlights spread over the article, by `owners` in turn, each linked to
    `entry` and tagged twice; each answered once by `replier`, if given. Their notes say
    "Note <owner> <visibility> <n>", n counting from 0 in each call."""
    text = document.text
    highlights = []
    for n, owner in zip(range(count), itertools.cycle(owners), strict=False):
        start = (n * 37) % (len(text) - 80)
        placed = quote_at(text, start, start + 20 + n % 50)
        note = f"Note {owner.username} {visibility} {n}"
        highlights.append(
            Highlight.placed(
                placed, owner=owner, document=document, note=note, visibility=visibility
            )
        )
    highlights = Highlight.objects.bulk_create(highlights)
    Highlight.glossary_entries.through.objects.bulk_create(
        Highlight.glossary_entries.through(highlight=highlight, glossaryentry=entry)
        for highlight in highlights
    )
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=highlight, tag=tags[(n + step) % len(tags)])
        for n, highlight in enumerate(highlights)
        for step in (0, 1)
    )
    if replier:
        Reply.objects.bulk_create(
            Reply(highlight=highlight, author=replier, text=f"Reply {n}")
            for n, highlight in enumerate(highlights)
        )
    return highlights


def entry_page(client, entry, **query) -> tuple[str, int]:
    """The entry page's HTML, and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(entry.get_absolute_url(), query)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def cards(html: str) -> int:
    return html.count('<article class="card')


@pytest.fixture
def stalin(glossary):
    return glossary["joseph-stalin"]


def add_work(stalin, document, teacher, student, classmate, count: int) -> None:
    """The student's private and shared highlights (answered by the teacher), and the
    classmate's shared ones: `count` of each kind."""
    link_highlights(stalin, document, [student], count, visibility="private", replier=teacher)
    link_highlights(stalin, document, [student], count, replier=teacher)
    link_highlights(stalin, document, [classmate], count)


@pytest.mark.parametrize(("viewer", "sees"), [("teacher", 2), ("student", 3)])
def test_it_makes_as_many_queries_for_many_linked_highlights_as_for_few(
    client, request, stalin, document, classroom, teacher, student, classmate, viewer, sees
):
    client.force_login(request.getfixturevalue(viewer))
    entry_page(client, stalin)  # the first request may set up the session
    queries = {}

    add_work(stalin, document, teacher, student, classmate, 2)
    html, queries["few"] = entry_page(client, stalin)
    assert cards(html) == 2 * sees
    assert f"{2 * sees} highlights you can see." in html

    add_work(stalin, document, teacher, student, classmate, 40)
    html, queries["many"] = entry_page(client, stalin)
    assert cards(html) == HIGHLIGHTS_PER_PAGE
    assert f"of the {42 * sees} you can see." in html

    assert queries["few"] == queries["many"], queries


def test_it_shows_the_student_the_replies_to_their_own_highlights(
    client, stalin, document, classroom, teacher, student, classmate
):
    add_work(stalin, document, teacher, student, classmate, 10)
    first_page = Highlight.objects.visible_to(student).filter(glossary_entries=stalin)[:20]
    own = sum(1 for highlight in first_page if highlight.owner_id == student.pk)
    assert 0 < own < 20
    client.force_login(student)

    html, _ = entry_page(client, stalin)

    assert html.count('<ul class="replies" aria-label="Replies">') == own
    assert html.count("Grace Park") == own  # the teacher, who wrote each reply


def test_it_bounds_the_queries_of_the_entry_page(
    client, stalin, document, classroom, teacher, student, classmate, django_assert_max_num_queries
):
    add_work(stalin, document, teacher, student, classmate, 40)
    client.force_login(teacher)
    client.get(stalin.get_absolute_url())

    # Session, user; the entry, its aliases, its mentions, their documents, the mentions
    # beside them and their entries; whether the viewer curates (their permissions and
    # their groups'); the viewer's classes, classmates, assignments and progress
    # (visible_to's id lists); the linked highlights counted, one page of them, their
    # tags, entries and replies; the tags counted.
    with django_assert_max_num_queries(20):
        assert client.get(stalin.get_absolute_url()).status_code == 200
