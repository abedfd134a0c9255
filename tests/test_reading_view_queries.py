"""The reading view makes as many SQL queries with 200 highlights as with none."""

import itertools
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Highlight, Tag, TaggedHighlight
from tests.helpers import spread_highlights


def tag_all(highlights, names) -> None:
    tags = [Tag.objects.create(name=name) for name in names]
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=highlight, tag=tag)
        for highlight, tag in zip(highlights, itertools.cycle(tags), strict=False)
    )


def read(client, document) -> tuple[str, int]:
    """The reading view's HTML, and how many queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def anchored(html: str) -> int:
    return len(re.findall(r'<span id="h-\d+"', html))


def test_it_makes_as_many_queries_for_200_shared_highlights_as_for_none(
    client, document, classroom, teacher, student, classmate
):
    client.force_login(teacher)
    read(client, document)  # the first request may set up the session
    queries = {}

    for total in (0, 10, 200):
        spread_highlights(
            document,
            [student, classmate],
            total - Highlight.objects.count(),
            note="Note {n}",
            visibility="class",
        )
        html, queries[total] = read(client, document)
        assert anchored(html) == total
        assert 'class="hl hl-own' not in html

    assert queries[0] == queries[10] == queries[200], queries
    assert "Class highlights on this article: 200" in html


def test_it_makes_as_many_queries_for_200_own_tagged_highlights_as_for_one(
    client, document, classroom, student
):
    client.force_login(student)
    read(client, document)
    queries = {}

    for total in (1, 10, 200):
        added = spread_highlights(
            document,
            [student],
            total - Highlight.objects.count(),
            note="Note {n}",
            visibility="private",
        )
        tag_all(added, [f"Tag {total} {n}" for n in range(3)])
        html, queries[total] = read(client, document)
        assert anchored(html) == total
        assert html.count('<a class="jump"') == total

    assert queries[1] == queries[10] == queries[200], queries


def test_it_bounds_the_queries_of_the_reading_view(
    client, document, classroom, teacher, student, classmate, django_assert_max_num_queries
):
    spread_highlights(document, [student, classmate], 200, note="Note {n}", visibility="class")
    spread_highlights(document, [teacher], 20, note="Note {n}", visibility="private")
    client.force_login(teacher)
    client.get(document.get_absolute_url())

    # Session, user, document; the reader's classes, classmates, assignments and progress
    # in them (visible_to's id lists); highlight positions, own highlights, their tags,
    # glossary mentions, the entries their cards describe, the students' orphaned
    # highlights, whether the reader may correct the text (two: permissions), and the
    # reader's assignments that set the article (to work in them); the live page's token
    # (the newest highlight and reply) and whether the reader has any new notification
    # (the header's badge: with none, as here, it builds neither its rules nor their
    # lookups; 18 before it asked). A reader with new ones: tests/test_notifications.py.
    with django_assert_max_num_queries(16):
        assert client.get(document.get_absolute_url()).status_code == 200
