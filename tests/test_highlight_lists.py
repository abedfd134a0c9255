import re

import pytest

from tests.helpers import HTMX, page_html, partial_html

LIST_URL = "/documents/stalin-and-korean-war/highlights/"


def cards(html: str) -> list[int]:
    """Ids of the highlights shown as cards, in order (each card links to its place)."""
    return [
        int(pk) for pk in re.findall(r'href="/documents/[\w-]+/(?:\?outside=1)?#h-(\d+)"', html)
    ]


@pytest.fixture
def cast(classroom, student, classmate, outsider, make_highlight, documents):
    """Highlights of everyone on the document, and one of the student's on another."""
    elsewhere = documents["stalins-hot-war"]
    return {
        "student private": make_highlight(student, "Incheon"),
        "student class": make_highlight(student, "Gimpo airfield", visibility="class"),
        "classmate private": make_highlight(classmate, "Moscow", note="Classmate secret"),
        "classmate class": make_highlight(classmate, "Pyongyang", visibility="class"),
        "outsider class": make_highlight(outsider, "Beijing", visibility="class"),
        "student elsewhere": make_highlight(
            student, "The archive on the Korean war", doc=elsewhere, visibility="class"
        ),
    }


def ids(cast, *names) -> list[int]:
    return sorted(cast[name].pk for name in names)


# The highlights on one document


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("student", ["student private", "student class", "classmate class"]),
        ("classmate", ["student class", "classmate private", "classmate class"]),
        ("teacher", ["student class", "classmate class"]),
        ("outsider", ["outsider class"]),
    ],
)
def test_it_lists_what_the_viewer_may_see_on_the_document(client, request, cast, viewer, visible):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get(LIST_URL)

    html = page_html(response)
    assert "Stalin and Korean War" in html
    assert sorted(cards(html)) == ids(cast, *visible)
    if viewer != "classmate":
        assert "Classmate secret" not in html


def test_it_lists_in_the_order_of_the_text(client, student, cast):
    client.force_login(student)

    html = client.get(LIST_URL).content.decode()

    starts = [cast[name].start for name in ("student private", "student class", "classmate class")]
    by_id = {h.pk: h.start for h in cast.values()}
    assert [by_id[pk] for pk in cards(html)] == sorted(starts)


def test_it_says_when_there_is_nothing_to_show(client, outsider, documents):
    client.force_login(outsider)

    html = client.get(LIST_URL).content.decode()

    assert cards(html) == []
    assert "No highlights here yet." in html


def test_it_narrows_to_the_highlights_at_an_offset(client, student, cast, make_highlight):
    covering = make_highlight(student, "the Gimpo airfield and entered", visibility="class")
    gimpo = cast["student class"]
    client.force_login(student)

    for at in (gimpo.start, gimpo.end - 1):
        html = client.get(LIST_URL, {"at": at}).content.decode()
        assert sorted(cards(html)) == sorted([gimpo.pk, covering.pk]), at
    html = client.get(LIST_URL, {"at": gimpo.end}).content.decode()
    assert cards(html) == [covering.pk]


def test_it_never_shows_hidden_highlights_at_an_offset(client, student, cast, make_highlight):
    secret = cast["classmate private"]
    mine = make_highlight(student, "the outskirts of Moscow")
    client.force_login(student)

    html = client.get(LIST_URL, {"at": secret.start}).content.decode()

    assert cards(html) == [mine.pk]
    assert "Classmate secret" not in html


@pytest.mark.parametrize("at", ["0", "4986", "99999999999999999999999"])
def test_it_finds_nothing_at_an_offset_without_highlights(client, student, cast, at):
    client.force_login(student)

    response = client.get(LIST_URL, {"at": at})

    assert response.status_code == 200
    assert cards(response.content.decode()) == []
    assert "No highlights here yet." in response.content.decode()


@pytest.mark.parametrize("at", ["abc", "-1", " ", "1.5", "²"])
def test_it_ignores_an_offset_that_is_not_one(client, student, cast, at):
    client.force_login(student)

    response = client.get(LIST_URL, {"at": at})

    assert response.status_code == 200
    assert sorted(cards(response.content.decode())) == ids(
        cast, "student private", "student class", "classmate class"
    )


def test_it_sends_only_the_cards_to_htmx(client, student, cast):
    client.force_login(student)
    pk = cast["classmate class"].pk

    response = client.get(LIST_URL, {"at": cast["classmate class"].start}, headers=HTMX)

    html = partial_html(response)
    assert "<h1>" not in html
    assert '<ol class="cards"' in html
    assert cards(html) == [pk]
    assert "Sofia Alvarez" in html


def test_it_answers_404_for_an_unknown_document(client, outsider):
    client.force_login(outsider)

    assert client.get("/documents/no-such-article/highlights/").status_code == 404
    assert client.get("/documents/no-such-article/highlights/", headers=HTMX).status_code == 404


def test_it_sends_anonymous_readers_to_log_in_from_the_document_list(client, documents):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={LIST_URL}"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods_on_the_document_list(client, student, cast, method):
    client.force_login(student)

    assert getattr(client, method)(LIST_URL).status_code == 405


# My highlights, across documents


def test_it_lists_my_highlights_across_documents(client, student, cast):
    client.force_login(student)

    response = client.get("/highlights/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "My highlights" in html
    assert sorted(cards(html)) == ids(cast, "student private", "student class", "student elsewhere")
    assert html.count('class="card-document"') == 3
    assert 'href="/documents/stalins-hot-war/"' in html


@pytest.mark.parametrize("viewer", ["teacher", "outsider"])
def test_it_lists_none_of_the_others_highlights_as_mine(client, request, cast, viewer):
    client.force_login(request.getfixturevalue(viewer))

    html = client.get("/highlights/").content.decode()

    expected = ids(cast, "outsider class") if viewer == "outsider" else []
    assert sorted(cards(html)) == expected


def test_it_says_when_i_have_no_highlights(client, teacher, cast):
    client.force_login(teacher)

    html = client.get("/highlights/", headers=HTMX).content.decode()

    assert "No highlights here yet." in html


def test_it_sends_anonymous_readers_to_log_in_from_my_highlights(client, cast):
    response = client.get("/highlights/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/highlights/"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods_on_my_highlights(client, student, cast, method):
    client.force_login(student)

    assert getattr(client, method)("/highlights/").status_code == 405
