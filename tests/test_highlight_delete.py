import pytest
from django.test import Client

from annotations.models import Highlight, Tag, TaggedHighlight
from tests.helpers import FROM_PANEL, HTMX, PHRASE, page_html, painted_mark, partial_html


def delete_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/delete/"


@pytest.fixture
def highlight(student, make_highlight):
    return make_highlight(student, PHRASE, note="A note", tags=["Cold War"])


def test_it_asks_before_deleting(client, student, highlight):
    client.force_login(student)

    response = client.get(delete_url(highlight))

    html = page_html(response)
    assert "Delete this highlight?" in html
    assert PHRASE in html
    assert "Its note and tags are deleted with it." in html
    assert f'action="/highlights/{highlight.pk}/delete/"' in html
    assert Highlight.objects.filter(pk=highlight.pk).exists()


def test_it_shows_only_the_question_to_htmx(client, student, highlight):
    client.force_login(student)

    response = client.get(delete_url(highlight), headers=HTMX)

    html = partial_html(response)
    assert "Delete this highlight?" in html
    assert Highlight.objects.filter(pk=highlight.pk).exists()


def test_it_deletes_and_redirects_to_the_document(client, student, highlight, make_highlight):
    other = make_highlight(student, "Incheon landing", tags=["Cold War"])
    client.force_login(student)

    response = client.post(delete_url(highlight))

    assert response.status_code == 302
    assert response.url == "/documents/stalin-and-korean-war/"
    assert list(Highlight.objects.all()) == [other]
    assert not TaggedHighlight.objects.filter(content_object_id=highlight.pk).exists()
    assert Tag.objects.filter(name="Cold War").exists()  # still used by the other one


def test_it_shows_the_message_after_the_redirect(client, student, highlight):
    client.force_login(student)

    response = client.post(delete_url(highlight), follow=True)

    html = response.content.decode()
    assert "Highlight deleted." in html
    assert f'id="h-{highlight.pk}"' not in html
    assert Highlight.objects.count() == 0


def test_it_refreshes_the_reading_view_for_htmx(client, student, highlight, make_highlight):
    other = make_highlight(student, "Incheon landing")
    client.force_login(student)

    response = client.post(delete_url(highlight), headers=FROM_PANEL)

    html = partial_html(response)
    assert "Highlight deleted." in html
    assert 'hx-swap-oob="true"' in html
    assert f'id="h-{highlight.pk}"' not in html
    assert f'href="#h-{highlight.pk}"' not in html
    assert painted_mark(other) in html
    assert list(Highlight.objects.all()) == [other]


def test_it_answers_404_once_deleted(client, student, highlight):
    client.force_login(student)
    client.post(delete_url(highlight))

    assert client.post(delete_url(highlight)).status_code == 404
    assert client.get(delete_url(highlight)).status_code == 404


def test_it_refuses_a_post_without_csrf_token(student, highlight):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)

    response = client.post(delete_url(highlight))

    assert response.status_code == 403
    assert Highlight.objects.filter(pk=highlight.pk).exists()


@pytest.mark.parametrize("viewer", ["classmate", "teacher"])
def test_it_forbids_the_class_to_delete_a_shared_highlight(
    client, request, classroom, student, make_highlight, viewer
):
    highlight = make_highlight(student, PHRASE, visibility="class")
    client.force_login(request.getfixturevalue(viewer))

    for headers in ({}, FROM_PANEL):
        assert client.get(delete_url(highlight), headers=headers).status_code == 403
        assert client.post(delete_url(highlight), headers=headers).status_code == 403
    assert Highlight.objects.filter(pk=highlight.pk).exists()


@pytest.mark.parametrize("viewer", ["classmate", "teacher", "outsider"])
def test_it_answers_404_for_a_private_highlight_of_someone_else(
    client, request, classroom, outsider, highlight, viewer
):
    client.force_login(request.getfixturevalue(viewer))

    assert client.get(delete_url(highlight)).status_code == 404
    assert client.post(delete_url(highlight)).status_code == 404
    assert Highlight.objects.filter(pk=highlight.pk).exists()


def test_it_answers_404_to_an_outsider_for_a_class_highlight(
    client, classroom, outsider, student, make_highlight
):
    highlight = make_highlight(student, PHRASE, visibility="class")
    client.force_login(outsider)

    assert client.get(delete_url(highlight)).status_code == 404
    assert client.post(delete_url(highlight)).status_code == 404
    assert Highlight.objects.filter(pk=highlight.pk).exists()


def test_it_sends_anonymous_readers_to_log_in(client, highlight):
    for response in (client.get(delete_url(highlight)), client.post(delete_url(highlight))):
        assert response.status_code == 302
        assert response.url == f"/accounts/login/?next=/highlights/{highlight.pk}/delete/"
    assert Highlight.objects.filter(pk=highlight.pk).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_it_refuses_other_methods(client, student, highlight, method):
    client.force_login(student)

    response = getattr(client, method)(delete_url(highlight))

    assert response.status_code == 405
    assert Highlight.objects.filter(pk=highlight.pk).exists()
