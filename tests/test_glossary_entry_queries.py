"""An entry's page makes as many SQL queries with many linked highlights as with few."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Highlight
from annotations.pages import HIGHLIGHTS_PER_PAGE
from tests.helpers import link_highlights


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
    # tags, entries and replies (whose rule looks up the same id lists again), and the
    # classes the viewer may reply in (theirs, the authors', the assignments'); the tags
    # counted; the cards' "Same question" and "Helpful" counts and whether the viewer may
    # press them (their classes); whether the viewer has any new notification (the
    # header's badge: with none, as here, no rules and no lookups for it; 24 before).
    with django_assert_max_num_queries(22):
        assert client.get(stalin.get_absolute_url()).status_code == 200
