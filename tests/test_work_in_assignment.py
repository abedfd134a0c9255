"""A student reading an article their assignment sets works in that assignment, and a
highlight made outside one can be moved into one from its card."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.models import Highlight
from tests.helpers import HTMX, PHRASE, add_class, page_html, partial_html, selection

SLUG = "stalin-and-korean-war"
LIBRARY = f"/documents/{SLUG}/"


def in_assignment(assignment) -> str:
    return f"/assignments/{assignment.pk}/documents/{SLUG}/"


@pytest.fixture
def one(classroom, document, make_assignment):
    return make_assignment(classroom, title="Stalin's aims", documents=[document])


@pytest.fixture
def other_class_work(student, other_teacher, document, make_assignment):
    """A second class of the student's (History 201), whose assignment sets the article."""
    history_201 = add_class("History 201", other_teacher, student)
    return make_assignment(history_201, title="The war's origins", documents=[document], days=3)


# Reading in the assignment ------------------------------------------------------------


def test_it_takes_a_student_into_their_one_assignment(client, student, one):
    client.force_login(student)

    response = client.get(LIBRARY)

    assert response.status_code == 302
    assert response.url == in_assignment(one)
    html = page_html(client.get(response.url))
    assert "Your highlights here count for this assignment." in html
    assert f'href="{LIBRARY}?outside=1"' in html


def test_it_takes_a_student_into_an_assignment_past_due(client, student, one):
    one.due = timezone.now() - timedelta(days=2)
    one.save()
    client.force_login(student)

    response = client.get(LIBRARY)

    assert response.url == in_assignment(one)
    assert "Past due" in page_html(client.get(response.url))


def test_outside_it_the_page_says_highlights_there_do_not_count(client, student, one):
    client.force_login(student)

    html = page_html(client.get(LIBRARY, {"outside": "1"}))

    section = html.split('id="work-in-heading"', 1)[1].split("</section>", 1)[0]
    assert "This article is set in your assignment" in section
    assert "do not count for it" in section
    assert f'href="{in_assignment(one)}"' in section
    assert "Work in “Stalin&#x27;s aims”" in section


def test_it_offers_the_choice_between_several_assignments(client, student, one, other_class_work):
    other_class_work.due = timezone.now() - timedelta(days=1)
    other_class_work.save()
    client.force_login(student)

    html = page_html(client.get(LIBRARY))

    section = html.split('id="work-in-heading"', 1)[1].split("</section>", 1)[0]
    assert "This article is set in 2 of your assignments" in section
    assert "Choose the one to work in" in section
    assert f'href="{in_assignment(one)}"' in section
    assert f'href="{in_assignment(other_class_work)}"' in section
    assert "History 201, <strong>past due</strong>" in section


def test_an_archived_classs_assignment_is_not_worked_in(client, student, classroom, one):
    classroom.archived = timezone.now()
    classroom.save()
    client.force_login(student)

    html = page_html(client.get(LIBRARY))

    assert "work-in-heading" not in html


@pytest.mark.parametrize("who", ["teacher", "outsider", "other_student"])
def test_others_read_the_article_as_it_is(client, request, one, who):
    client.force_login(request.getfixturevalue(who))

    html = page_html(client.get(LIBRARY))

    assert "work-in-heading" not in html


def test_anonymous_visitors_read_the_article_as_it_is(client, one):
    assert "work-in-heading" not in page_html(client.get(LIBRARY))


def test_a_highlight_saved_outside_returns_to_the_article_outside(client, student, document, one):
    client.force_login(student)

    response = client.post(f"/documents/{SLUG}/highlights/new/", selection(document))

    highlight = Highlight.objects.get()
    assert highlight.assignment is None
    assert response.url == f"{LIBRARY}?outside=1#h-{highlight.pk}"


# Moving a highlight into an assignment ----------------------------------------------


def move_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/move/"


def test_the_card_of_a_highlight_outside_offers_the_move(client, student, one, make_highlight):
    outside = make_highlight(student, PHRASE)
    inside = make_highlight(student, "He was never an enthusiast", assignment=one)
    client.force_login(student)

    assert f'href="{move_url(outside)}"' in page_html(client.get(f"/highlights/{outside.pk}/"))
    assert "/move/" not in page_html(client.get(f"/highlights/{inside.pk}/"))


def test_it_moves_a_highlight_into_the_assignment(client, student, one, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Why?", tags=["motive"])
    client.force_login(student)
    form = page_html(client.get(move_url(highlight)))
    assert "Stalin&#x27;s aims (History 101)" in form

    response = client.post(move_url(highlight), {"assignment": one.pk})

    assert response.status_code == 302
    assert response.url == f"{in_assignment(one)}#h-{highlight.pk}"
    highlight.refresh_from_db()
    assert highlight.assignment == one
    assert highlight.note == "Why?"
    assert [tag.name for tag in highlight.tags.all()] == ["motive"]
    html = page_html(client.get(response.url))
    assert "The highlight now counts for “Stalin&#x27;s aims”." in html
    assert "1 highlight (3 needed)" in html


def test_it_moves_for_htmx_and_sends_the_browser_to_the_assignment(
    client, student, one, make_highlight
):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)
    assert "<form" in partial_html(client.get(move_url(highlight), headers=HTMX))

    response = client.post(move_url(highlight), {"assignment": one.pk}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{in_assignment(one)}#h-{highlight.pk}"
    highlight.refresh_from_db()
    assert highlight.assignment == one


def test_it_says_when_no_assignment_sets_the_article(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    html = page_html(client.get(move_url(highlight)))

    assert "None of your open assignments sets this article." in html
    assert "<select" not in html


@pytest.mark.parametrize("where", ["another class's", "another article's", "archived", "none"])
def test_it_refuses_an_assignment_it_cannot_count_for(
    client, student, classroom, other_classroom, documents, one, make_assignment,
    make_highlight, where,
):  # fmt: skip
    highlight = make_highlight(student, PHRASE)
    if where == "another class's":
        wanted = make_assignment(other_classroom, documents=[documents[SLUG]]).pk
    elif where == "another article's":
        wanted = make_assignment(classroom, documents=[documents["stalins-hot-war"]]).pk
    elif where == "archived":
        classroom.archived = timezone.now()
        classroom.save()
        wanted = one.pk
    else:
        wanted = ""
    client.force_login(student)

    response = client.post(move_url(highlight), {"assignment": wanted})

    assert response.status_code == 422
    html = response.content.decode()
    assert (
        "That is not an open assignment of yours that sets this article." in html
        or "Choose the assignment it should count for." in html
    )
    highlight.refresh_from_db()
    assert highlight.assignment is None


def test_a_highlight_in_an_assignment_is_not_moved(client, student, one, make_highlight):
    highlight = make_highlight(student, PHRASE, assignment=one)
    client.force_login(student)

    response = client.post(move_url(highlight), {"assignment": one.pk})

    assert response.status_code == 403


def test_only_the_owner_moves_a_highlight(
    client, student, classmate, outsider, one, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    client.force_login(classmate)
    assert client.post(move_url(shared), {"assignment": one.pk}).status_code == 403
    client.force_login(outsider)
    assert client.post(move_url(shared), {"assignment": one.pk}).status_code == 404
    shared.refresh_from_db()
    assert shared.assignment is None


def test_it_refuses_other_methods(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    assert client.put(move_url(highlight)).status_code == 405
