import re

import pytest

from tests.helpers import HTMX, PHRASE, page_html


def test_it_shows_the_card_to_its_owner(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Why?", tags=["Cold War", "Stalin"])
    client.force_login(student)

    response = client.get(f"/highlights/{highlight.pk}/")

    html = page_html(response)
    assert PHRASE in html
    assert '<div class="note">Why?</div>' in html
    assert 'href="/tags/cold-war/"' in html
    assert 'href="/tags/stalin/"' in html
    assert f'href="/documents/stalin-and-korean-war/?outside=1#h-{highlight.pk}"' in html
    assert f'href="/highlights/{highlight.pk}/edit/"' in html
    assert f'href="/highlights/{highlight.pk}/delete/"' in html
    assert "card-shared" not in html


def test_it_shows_only_the_card_to_htmx(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Why?")
    client.force_login(student)

    response = client.get(f"/highlights/{highlight.pk}/", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<article class="card')
    assert html.endswith("</article>")
    assert "Why?" in html


def test_it_keeps_the_line_breaks_of_a_note(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="First line\nSecond line")
    client.force_login(student)

    html = client.get(f"/highlights/{highlight.pk}/").content.decode()

    assert "First line<br>Second line" in html


def test_it_escapes_the_note_and_tags(client, student, make_highlight):
    highlight = make_highlight(
        student, PHRASE, note="<img src=x onerror=alert(1)>\nok", tags=["<b>bold</b>"]
    )
    client.force_login(student)

    for headers in ({}, HTMX):
        html = client.get(f"/highlights/{highlight.pk}/", headers=headers).content.decode()

        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;<br>ok" in html
        assert "<b>bold</b>" not in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize("viewer", ["classmate", "teacher"])
def test_it_shows_a_class_highlight_to_the_class(
    client, request, classroom, student, make_highlight, viewer
):
    highlight = make_highlight(student, PHRASE, note="Shared", visibility="class")
    client.force_login(request.getfixturevalue(viewer))

    response = client.get(f"/highlights/{highlight.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "card-shared" in html
    assert "Min-jun Kim" in html
    assert "Shared" in html
    assert f"/highlights/{highlight.pk}/edit/" not in html
    assert f"/highlights/{highlight.pk}/delete/" not in html


@pytest.mark.parametrize("viewer", ["classmate", "teacher", "outsider"])
def test_it_answers_404_for_a_private_highlight_of_someone_else(
    client, request, classroom, outsider, student, make_highlight, viewer
):
    highlight = make_highlight(student, PHRASE, note="Secret")
    client.force_login(request.getfixturevalue(viewer))

    for headers in ({}, HTMX):
        response = client.get(f"/highlights/{highlight.pk}/", headers=headers)

        assert response.status_code == 404
        assert "Secret" not in response.content.decode()


def test_it_answers_404_to_an_outsider_for_a_class_highlight(
    client, classroom, outsider, student, make_highlight
):
    highlight = make_highlight(student, PHRASE, note="Shared", visibility="class")
    client.force_login(outsider)

    response = client.get(f"/highlights/{highlight.pk}/")

    assert response.status_code == 404
    assert "Shared" not in response.content.decode()


def test_it_answers_404_for_an_unknown_highlight(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    assert client.get(f"/highlights/{highlight.pk + 1}/").status_code == 404


def test_it_sends_anonymous_readers_to_log_in(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, visibility="class")

    response = client.get(f"/highlights/{highlight.pk}/")

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next=/highlights/{highlight.pk}/"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods(client, student, make_highlight, method):
    highlight = make_highlight(student, PHRASE, note="Kept")
    client.force_login(student)

    response = getattr(client, method)(f"/highlights/{highlight.pk}/")

    assert response.status_code == 405
    highlight.refresh_from_db()
    assert highlight.note == "Kept"


def test_it_shows_the_owner_as_you(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    html = client.get(f"/highlights/{highlight.pk}/", headers=HTMX).content.decode()

    assert re.search(r'<p class="meta">\s*You,', html)
