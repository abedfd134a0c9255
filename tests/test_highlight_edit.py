import re

import pytest
from django.test import Client
from django.utils.html import escape

from annotations.models import Highlight, Tag
from tests.helpers import (
    FROM_PANEL,
    HTMX,
    PHRASE,
    hide_everywhere,
    page_html,
    painted_mark,
    partial_html,
)


def edit_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/edit/"


def state(highlight) -> tuple:
    """What an edit may change, read back from the database."""
    highlight = Highlight.objects.get(pk=highlight.pk)
    return highlight.note, highlight.visibility, sorted(highlight.tags.names())


@pytest.fixture
def highlight(student, make_highlight):
    return make_highlight(student, PHRASE, note="Old note", tags=["Cold War", "Stalin"])


def test_it_shows_the_form_with_what_is_there(client, student, highlight):
    client.force_login(student)

    response = client.get(edit_url(highlight))

    html = page_html(response)
    assert PHRASE in html
    assert re.search(r"<textarea[^>]* name=\"note\"[^>]*>\s*Old note</textarea>", html)
    assert 'value="Cold War, Stalin"' in html
    assert re.search(r'<input(?=[^>]*name="visibility")(?=[^>]*value="private")[^>]* checked', html)


def test_it_shows_only_the_form_to_htmx(client, student, highlight):
    client.force_login(student)

    response = client.get(edit_url(highlight), headers=HTMX)

    html = partial_html(response)
    assert "Edit highlight" in html
    assert f'hx-post="/highlights/{highlight.pk}/edit/"' in html


def test_it_saves_the_changes_and_redirects(client, student, highlight):
    client.force_login(student)

    response = client.post(
        edit_url(highlight),
        {"note": "New note\nline two", "tags": "cold war, Moscow", "visibility": "class"},
    )

    assert response.status_code == 302
    assert response.url == f"/documents/stalin-and-korean-war/#h-{highlight.pk}"
    assert state(highlight) == ("New note\nline two", "class", ["Cold War", "Moscow"])
    assert Highlight.objects.get(pk=highlight.pk).exact == PHRASE
    assert Tag.objects.filter(name__iexact="cold war").count() == 1


def test_it_shows_the_message_after_the_redirect(client, student, highlight):
    client.force_login(student)

    response = client.post(
        edit_url(highlight), {"note": "", "tags": "", "visibility": "private"}, follow=True
    )

    assert "Highlight updated." in response.content.decode()
    assert state(highlight) == ("", "private", [])


def test_it_refreshes_the_reading_view_for_htmx(client, student, highlight):
    client.force_login(student)

    response = client.post(
        edit_url(highlight),
        {"note": "Changed note", "tags": "Stalin", "visibility": "private"},
        headers=FROM_PANEL,
    )

    html = partial_html(response)
    assert "Highlight updated." in html
    assert "Changed note" in html
    assert 'hx-swap-oob="true"' in html
    assert painted_mark(highlight) in html
    assert state(highlight) == ("Changed note", "private", ["Stalin"])


BAD_INPUT = {
    "note too long": (
        {"note": "x" * 5001},
        "Ensure this value has at most 5000 characters (it has 5001).",
    ),
    "bold note": ({"note": "<b>hi</b>"}, "Notes are plain text"),
    "script note": ({"note": "<script>alert(1)</script>"}, "Notes are plain text"),
    "too many tags": (
        {"tags": ", ".join(f"tag {n}" for n in range(21))},
        "At most 20 tags per highlight; this has 21.",
    ),
    "tag too long": ({"tags": "new tag, " + "a" * 51}, "Tags are at most 50 characters"),
    "markup in a tag": ({"tags": "new tag, <x>"}, "Tags cannot contain < or >."),
    "unknown visibility": ({"visibility": "public"}, "Select a valid choice."),
}


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
@pytest.mark.parametrize("headers", [{}, FROM_PANEL], ids=["page", "htmx"])
def test_it_refuses_bad_input(client, student, highlight, changes, message, headers):
    before = state(highlight), Tag.objects.count()
    client.force_login(student)
    data = {"note": "Fine note", "tags": "new tag", "visibility": "class", **changes}

    response = client.post(edit_url(highlight), data, headers=headers)

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert ("<html" in html) is not bool(headers)
    assert "<script>alert(1)" not in html
    assert "<b>hi</b>" not in html
    assert (state(highlight), Tag.objects.count()) == before


def test_it_refuses_an_empty_post(client, student, highlight):
    client.force_login(student)

    response = client.post(edit_url(highlight), {})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert state(highlight) == ("Old note", "private", ["Cold War", "Stalin"])


def test_it_refuses_a_post_without_csrf_token(student, highlight):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)

    response = client.post(edit_url(highlight), {"note": "x", "visibility": "class"})

    assert response.status_code == 403
    assert state(highlight) == ("Old note", "private", ["Cold War", "Stalin"])


@pytest.mark.parametrize("viewer", ["classmate", "teacher"])
def test_it_forbids_the_class_to_change_a_shared_highlight(
    client, request, classroom, student, make_highlight, viewer
):
    highlight = make_highlight(student, PHRASE, note="Shared", visibility="class")
    client.force_login(request.getfixturevalue(viewer))

    for headers in ({}, HTMX):
        assert client.get(edit_url(highlight), headers=headers).status_code == 403
        response = client.post(
            edit_url(highlight), {"note": "Hijacked", "visibility": "private"}, headers=headers
        )
        assert response.status_code == 403
    assert state(highlight) == ("Shared", "class", [])


@pytest.mark.parametrize("viewer", ["classmate", "teacher", "outsider"])
def test_it_answers_404_for_a_private_highlight_of_someone_else(
    client, request, classroom, outsider, highlight, viewer
):
    client.force_login(request.getfixturevalue(viewer))

    assert client.get(edit_url(highlight)).status_code == 404
    response = client.post(edit_url(highlight), {"note": "Hijacked", "visibility": "class"})
    assert response.status_code == 404
    assert "Old note" not in response.content.decode()
    assert state(highlight) == ("Old note", "private", ["Cold War", "Stalin"])


def test_it_answers_404_to_an_outsider_for_a_class_highlight(
    client, classroom, outsider, student, make_highlight
):
    highlight = make_highlight(student, PHRASE, note="Shared", visibility="class")
    client.force_login(outsider)

    assert client.get(edit_url(highlight)).status_code == 404
    response = client.post(edit_url(highlight), {"note": "Hijacked", "visibility": "private"})
    assert response.status_code == 404
    assert state(highlight) == ("Shared", "class", [])


def test_it_sends_anonymous_readers_to_log_in(client, highlight):
    for response in (
        client.get(edit_url(highlight)),
        client.post(edit_url(highlight), {"note": "x", "visibility": "class"}),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")
    assert state(highlight) == ("Old note", "private", ["Cold War", "Stalin"])


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_it_refuses_other_methods(client, student, highlight, method):
    client.force_login(student)

    response = getattr(client, method)(edit_url(highlight))

    assert response.status_code == 405
    assert Highlight.objects.filter(pk=highlight.pk).exists()
    assert state(highlight) == ("Old note", "private", ["Cold War", "Stalin"])


@pytest.mark.parametrize("page", ["?hidden=1", ""], ids=["with hidden", "without"])
def test_the_passage_painted_again_keeps_the_hidden_highlights_the_page_shows(
    client, document, teacher, classroom, classmate, make_highlight, page
):
    """A teacher's page with `?hidden=1` paints the highlights hidden from the class; the
    paragraphs an edit paints again do so too, and without it they leave them out."""
    hidden = make_highlight(classmate, "Incheon landing", visibility="class")
    hide_everywhere(hidden)
    mine = make_highlight(teacher, PHRASE)
    client.force_login(teacher)
    headers = {
        **FROM_PANEL,
        "HX-Current-URL": f"http://testserver/documents/{document.slug}/{page}",
    }

    response = client.post(
        edit_url(mine), {"note": "Mine", "visibility": "private"}, headers=headers
    )

    html = partial_html(response)
    assert painted_mark(mine) in html
    painted = f'<mark class="hl hl-shared hl-hidden" data-s="{hidden.start}"'
    assert (painted in html) == bool(page)
