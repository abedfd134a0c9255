"""The live reading view's poll: 304 with no body while nothing new is visible to the
viewer; the new marks, painted, with what the live region says, once a classmate shares.
The rules are the reading view's own (Highlight.objects.visible_to and the hides)."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.live import Since
from annotations.models import Assignment, ClassHide, Membership
from annotations.writes import add_reply
from tests.helpers import PHRASE, add_assignment

OTHER = "Incheon landing"


def token(client, url: str) -> str:
    html = client.get(url).content.decode()
    found = re.search(
        r'<div id="live" data-url="([^"]*)" data-since="([^"]*)" data-seconds="(\d+)"', html
    )
    assert found, "the page does not poll"
    return found.group(2)


def changes_url(document, assignment=None) -> str:
    if assignment is None:
        return f"/documents/{document.slug}/changes/"
    return f"/assignments/{assignment.pk}/documents/{document.slug}/changes/"


def poll(client, document, since, assignment=None, **query):
    return client.get(changes_url(document, assignment), {"since": since, **query})


@pytest.fixture
def reading(client, student, classroom, document):
    """The student reading the article outside any assignment, and the page's token."""
    client.force_login(student)
    return token(client, document.get_absolute_url())


def test_it_answers_304_with_no_body_when_nothing_is_new(client, reading, document):
    response = poll(client, document, reading)

    assert response.status_code == 304
    assert response.content == b""
    assert response["Live-Since"] == reading


def test_without_the_pages_key_nothing_new_costs_the_session_and_two_queries(
    client, reading, document, django_assert_num_queries
):
    # The session, the user, the article, and what is new on it.
    with django_assert_num_queries(4):
        assert poll(client, document, reading).status_code == 304


def page_poll(client, url: str) -> tuple[str, str]:
    """The poll's address as the page has it (with its key), and the page's token."""
    html = client.get(url).content.decode()
    found = re.search(r'<div id="live" data-url="([^"]*)" data-since="([^"]*)"', html)
    return unescape(found.group(1)), found.group(2)


def test_with_the_pages_key_nothing_new_costs_one_query_and_no_session(
    client, student, classroom, document, django_assert_num_queries
):
    client.force_login(student)
    url, since = page_poll(client, document.get_absolute_url())

    with django_assert_num_queries(1):
        response = client.get(f"{url}&since={since}")

    assert response.status_code == 304
    assert response.content == b""
    assert response["Live-Since"] == since
    assert "no-cache" in response["Cache-Control"]


def test_in_an_assignment_too(
    client, document, classroom, student, classmate, make_highlight, django_assert_num_queries
):
    assignment = add_assignment(
        classroom, documents=[document], visibility=Assignment.Visibility.CLASS
    )
    client.force_login(student)
    url, since = page_poll(client, f"/assignments/{assignment.pk}/documents/{document.slug}/")
    with django_assert_num_queries(1):
        assert client.get(f"{url}&since={since}").status_code == 304

    shared = make_highlight(classmate, PHRASE, visibility="class", assignment=assignment)

    response = client.get(f"{url}&since={since}")
    assert response.status_code == 200
    assert f'id="h-{shared.pk}"' in response.content.decode()


def test_the_key_alone_tells_nothing_but_that_nothing_is_new(
    client, student, classmate, classroom, document, make_highlight
):
    """Logged out, a page's key still gets the 304; news goes to the view, which asks
    for the log-in (live.js then stops asking)."""
    client.force_login(student)
    url, since = page_poll(client, document.get_absolute_url())
    client.logout()
    assert client.get(f"{url}&since={since}").status_code == 304

    make_highlight(classmate, PHRASE, visibility="class", note="Shared")

    response = client.get(f"{url}&since={since}")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_key_is_good_only_for_its_own_page(
    client, student, classroom, document, documents, django_assert_num_queries
):
    client.force_login(student)
    url, since = page_poll(client, document.get_absolute_url())
    key = url.split("key=")[1]
    other = next(d for d in documents.values() if d != document)
    other_url = f"/documents/{other.slug}/changes/?key={key}"

    with django_assert_num_queries(4):  # the view's way, with the session
        assert client.get(f"{other_url}&since={since}").status_code == 304
    with django_assert_num_queries(4):
        tampered = url.replace("key=", "key=x")
        assert client.get(f"{tampered}&since={since}").status_code == 304


def test_it_paints_a_classmates_shared_highlight(
    client, reading, document, classmate, make_highlight
):
    shared = make_highlight(classmate, PHRASE, visibility="class")

    response = poll(client, document, reading)

    assert response.status_code == 200
    html = response.content.decode()
    paragraph = document.paragraph_at(shared.start)
    assert f'<p id="{paragraph.anchor}" class="para' in html
    assert 'hx-swap-oob="true"' in html
    assert (
        f'<span id="h-{shared.pk}" data-end="{shared.end}"></span><mark class="hl hl-shared"'
        in html
    )
    assert (
        '<div id="live-status" hx-swap-oob="innerHTML">1 new highlight from your class.</div>'
        in html
    )
    assert html.count('class="para') == 1  # only the paragraph that changed
    assert response["Live-Since"] == str(Since(shared.pk, 0))
    assert poll(client, document, response["Live-Since"]).status_code == 304


def test_it_counts_several_and_a_reply(
    client, reading, document, classmate, teacher, classroom, student, make_highlight
):
    mine = make_highlight(student, OTHER, visibility="class")
    make_highlight(classmate, PHRASE, visibility="class")
    make_highlight(classmate, "Gimpo airfield", visibility="class")
    add_reply(highlight=mine, author=teacher, text="Good find", classroom=classroom.pk)

    html = poll(client, document, reading).content.decode()

    assert "2 new highlights from your class, 1 new reply." in html


def test_it_leaves_out_a_private_highlight_and_the_readers_own(
    client, reading, document, classmate, student, make_highlight
):
    private = make_highlight(classmate, PHRASE, visibility="private")
    make_highlight(student, OTHER, visibility="class")

    response = poll(client, document, reading)

    assert response.status_code == 304
    assert response.content == b""
    # Neither could be news to the student: the one question found none.
    assert response["Live-Since"] == reading
    assert private.pk > Since.parse(reading).highlight


def test_it_leaves_out_another_classs_highlight(
    client, reading, document, other_student, other_classroom, make_highlight
):
    make_highlight(other_student, PHRASE, visibility="class")

    with CaptureQueriesContext(connection) as queries:
        response = poll(client, document, reading)

    assert response.status_code == 304
    assert len(queries) == 4  # found no news: not even the rules were asked


def test_it_leaves_out_a_highlight_hidden_from_the_class(
    client, reading, document, classroom, classmate, teacher, make_highlight
):
    shared = make_highlight(classmate, PHRASE, visibility="class")
    ClassHide.objects.create(highlight=shared, classroom=classroom, hidden_by=teacher)

    response = poll(client, document, reading)

    assert response.status_code == 304
    assert response["Live-Since"] == str(Since(shared.pk, Since.parse(reading).reply))


def test_the_teacher_sees_the_hidden_one_only_on_the_page_that_shows_them(
    client, document, classroom, classmate, teacher, make_highlight
):
    client.force_login(teacher)
    since = token(client, document.get_absolute_url() + "?hidden=1")
    shared = make_highlight(classmate, PHRASE, visibility="class")
    ClassHide.objects.create(highlight=shared, classroom=classroom, hidden_by=teacher)

    assert poll(client, document, since).status_code == 304
    html = poll(client, document, since, hidden="1").content.decode()
    assert "hl-hidden" in html
    assert "1 new highlight from your class." in html


def test_a_highlight_in_an_assignment_shows_on_its_page_not_outside(
    client, document, classroom, student, classmate, make_highlight
):
    assignment = add_assignment(
        classroom, documents=[document], visibility=Assignment.Visibility.CLASS
    )
    client.force_login(student)
    inside = token(client, f"/assignments/{assignment.pk}/documents/{document.slug}/")
    outside = token(client, document.get_absolute_url() + "?outside=1")

    make_highlight(classmate, PHRASE, visibility="class", assignment=assignment)

    assert poll(client, document, outside).status_code == 304
    response = poll(client, document, inside, assignment)
    assert response.status_code == 200
    assert "1 new highlight from your class." in response.content.decode()


def test_the_assignments_minimum_holds_for_the_live_page_too(
    client, document, classroom, student, classmate, make_highlight
):
    assignment = add_assignment(
        classroom,
        documents=[document],
        min_highlights=1,
        visibility=Assignment.Visibility.AFTER_MINIMUM,
    )
    client.force_login(student)
    since = token(client, f"/assignments/{assignment.pk}/documents/{document.slug}/")
    make_highlight(classmate, PHRASE, visibility="class", assignment=assignment)

    assert poll(client, document, since, assignment).status_code == 304

    make_highlight(student, OTHER, assignment=assignment)
    later = make_highlight(classmate, "Gimpo airfield", visibility="class", assignment=assignment)

    html = poll(client, document, since, assignment).content.decode()
    assert "2 new highlights from your class." in html
    assert f'id="h-{later.pk}"' in html


def test_another_classs_reply_is_not_news(
    client, reading, document, classmate, other_teacher, other_classroom, make_highlight
):
    """The classmate is in History 102 too, whose teacher replies there: not the student's."""
    Membership.objects.create(classroom=other_classroom, user=classmate)
    theirs = make_highlight(classmate, PHRASE, visibility="class")
    since = token(client, document.get_absolute_url())
    add_reply(
        highlight=theirs, author=other_teacher, text="Elsewhere", classroom=other_classroom.pk
    )

    with CaptureQueriesContext(connection) as queries:
        response = poll(client, document, since)

    assert response.status_code == 304
    assert len(queries) == 4


def test_a_page_for_one_student_does_not_poll(client, document, classroom, teacher, student):
    assignment = add_assignment(classroom, documents=[document])
    client.force_login(teacher)

    html = client.get(
        f"/assignments/{assignment.pk}/documents/{document.slug}/?student={student.pk}"
    ).content.decode()

    assert 'id="live"' not in html
    assert (
        'id="live"'
        in client.get(f"/assignments/{assignment.pk}/documents/{document.slug}/").content.decode()
    )


def test_an_anonymous_reader_gets_no_poll_and_the_log_in(
    client, document, classmate, classroom, make_highlight
):
    make_highlight(classmate, PHRASE, visibility="class")

    assert 'id="live"' not in client.get(document.get_absolute_url()).content.decode()
    response = poll(client, document, "0.0")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_outsider_gets_404_for_an_assignments_page(client, document, classroom, outsider):
    assignment = add_assignment(classroom, documents=[document])
    client.force_login(outsider)

    assert poll(client, document, "0.0", assignment).status_code == 404
    assert client.get("/documents/no-such-article/changes/", {"since": "0.0"}).status_code == 404


@pytest.mark.parametrize(
    "since", ["", "1", "a.b", "1.2.3", "-1.0", "1" * 19 + ".0", "1.2\x00", "０.０"]
)
def test_a_token_this_site_did_not_make_gets_400(client, reading, document, since):
    response = poll(client, document, since)

    assert response.status_code == 400
    assert "reload" in response.content.decode()


def test_it_answers_only_gets(client, reading, document):
    assert client.post(changes_url(document), {"since": reading}).status_code == 405
    assert client.head(changes_url(document), {"since": reading}).status_code == 304
