"""A session that ends mid-note: the log-in page, then back to the page the reader was on
(annotations.middleware.LogInAgainThenCarryOn)."""

from urllib.parse import quote

import pytest

from annotations.models import Highlight
from tests.helpers import HTMX, PASSWORD, selection

SITE = "http://testserver"


def reading_view(assignment, document) -> str:
    return f"/assignments/{assignment.pk}/documents/{document.slug}/"


def log_in_with_next(place: str) -> str:
    return "/accounts/login/?next=" + quote(place, safe="/")


def save_url(document) -> str:
    return f"/documents/{document.slug}/highlights/new/"


def test_it_sends_an_htmx_save_to_the_log_in_page_and_back_to_the_assignment(
    client, assignment, document
):
    place = reading_view(assignment, document)
    data = selection(document, note="Half a thought", assignment=assignment.pk)

    response = client.post(
        save_url(document), data, headers={**HTMX, "HX-Current-URL": SITE + place}
    )

    # Not a redirect htmx would follow and swap into the panel: the browser goes there.
    assert response.status_code == 200
    assert response["HX-Redirect"] == log_in_with_next(place)
    assert response.content == b""
    assert Highlight.objects.count() == 0


def test_it_keeps_the_place_in_the_article_and_its_query(client, assignment, document):
    place = reading_view(assignment, document) + "?student=3#p-4"

    response = client.get(
        "/tag-suggestions/?tags=ev", headers={**HTMX, "HX-Current-URL": SITE + place}
    )

    assert response["HX-Redirect"] == "/accounts/login/?next=" + quote(place, safe="/")


def test_the_log_in_page_then_leads_back_to_the_reading_view(client, student, assignment, document):
    place = reading_view(assignment, document)
    response = client.post(
        save_url(document), selection(document), headers={**HTMX, "HX-Current-URL": SITE + place}
    )

    login = client.get(response["HX-Redirect"])
    assert f'name="next" value="{place}"' in login.content.decode()
    answer = client.post(
        "/accounts/login/", {"username": student.username, "password": PASSWORD, "next": place}
    )
    assert answer.status_code == 302
    assert answer["Location"] == place
    assert client.get(place).status_code == 200


@pytest.mark.parametrize(
    "current_url",
    [
        None,  # not said
        "http://elsewhere.example/assignments/1/documents/x/",  # another site
        "https://testserver/documents/x/",  # another scheme
        SITE + "/accounts/login/?next=/highlights/",  # the log-in page itself
    ],
)
def test_without_a_page_of_this_site_it_keeps_the_views_next(client, document, current_url):
    headers = {**HTMX, "HX-Current-URL": current_url} if current_url else HTMX

    response = client.post(save_url(document), selection(document), headers=headers)

    assert response.status_code == 200
    assert response["HX-Redirect"] == log_in_with_next(save_url(document))


def test_a_plain_form_post_goes_back_to_the_page_of_the_form(client, db):
    place = "/assignments/4/students/7/"

    response = client.post(
        "/highlights/1/replies/", {"text": "Good"}, headers={"Referer": SITE + place}
    )

    assert response.status_code == 302
    assert response.url == log_in_with_next(place)
    assert "HX-Redirect" not in response


def test_a_plain_form_post_from_elsewhere_keeps_the_views_next(client, db):
    response = client.post(
        "/highlights/1/replies/", {"text": "Good"}, headers={"Referer": "http://elsewhere.example/"}
    )

    assert response.url == log_in_with_next("/highlights/1/replies/")


def test_a_page_opened_logged_out_comes_back_to_itself(client, assignment, document):
    place = reading_view(assignment, document)

    response = client.get(place, headers={"Referer": SITE + "/"})

    assert response.status_code == 302
    assert response.url == log_in_with_next(place)


def test_it_leaves_a_logged_in_reader_alone(client, student, assignment, document):
    client.force_login(student)
    place = reading_view(assignment, document)
    data = selection(document, note="Whole thought", assignment=assignment.pk)

    response = client.post(
        save_url(document),
        data,
        headers={**HTMX, "HX-Target": "panel", "HX-Current-URL": SITE + place},
    )

    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert Highlight.objects.get().assignment == assignment


def test_a_log_out_still_lands_on_the_library(client, student):
    client.force_login(student)

    response = client.post("/accounts/logout/", headers={"Referer": SITE + "/highlights/"})

    assert response.status_code == 302
    assert response.url == "/"
