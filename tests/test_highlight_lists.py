import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.anchoring import quote_at
from annotations.models import Highlight
from annotations.pages import HIGHLIGHTS_PER_PAGE
from tests.helpers import HTMX, page_html, partial_html, spread_highlights

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


def shared_pages(document, classmate, count):
    return spread_highlights(document, [classmate], count, note="Shared {n}", visibility="class")


def test_it_shows_an_articles_highlights_twenty_at_a_time_in_the_order_of_the_text(
    client, student, classmate, classroom, document
):
    made = shared_pages(document, classmate, HIGHLIGHTS_PER_PAGE + 5)
    in_text_order = [h.pk for h in sorted(made, key=lambda h: (h.start, h.end, h.pk))]
    client.force_login(student)

    first = page_html(client.get(LIST_URL))
    second = page_html(client.get(LIST_URL + "?page=2"))

    assert cards(first) == in_text_order[:HIGHLIGHTS_PER_PAGE]
    assert cards(second) == in_text_order[HIGHLIGHTS_PER_PAGE:]
    assert f"Highlights 1–{HIGHLIGHTS_PER_PAGE} of the {len(made)} you can see" in first
    assert '<a href="?page=2" rel="next">Next page</a>' in first
    assert '<a href="?page=1" rel="prev">Previous page</a>' in second


def test_its_pages_in_the_panel_open_in_the_panel_and_keep_the_offset(
    client, student, classmate, classroom, document
):
    shared_pages(document, classmate, HIGHLIGHTS_PER_PAGE + 1)
    at = 500
    Highlight.objects.bulk_create(  # more than a page over one place
        Highlight.placed(
            quote_at(document.text, at - n, at + 10),
            owner=classmate,
            document=document,
            visibility="class",
        )
        for n in range(HIGHLIGHTS_PER_PAGE + 1)
    )
    client.force_login(student)

    whole = partial_html(client.get(LIST_URL, headers=HTMX))
    narrowed = partial_html(client.get(f"{LIST_URL}?at={at}", headers=HTMX))

    page_two = f"{LIST_URL}?page=2"
    assert f'<a href="{page_two}" rel="next" hx-get="{page_two}" hx-target="#panel"' in whole
    assert f'href="{LIST_URL}?at={at}&amp;page=2" rel="next"' in narrowed
    html = partial_html(client.get(f"{LIST_URL}?at={at}&page=2", headers=HTMX))
    listed = Highlight.objects.filter(pk__in=cards(narrowed) + cards(html))
    assert len(listed) == Highlight.objects.filter(start__lte=at, end__gt=at).count()


def test_a_page_out_of_range_shows_the_last_one(client, student, classmate, classroom, document):
    made = shared_pages(document, classmate, HIGHLIGHTS_PER_PAGE + 2)
    client.force_login(student)

    html = page_html(client.get(LIST_URL + "?page=99"))

    assert len(cards(html)) == len(made) - HIGHLIGHTS_PER_PAGE


def test_the_list_costs_the_same_queries_for_one_page_as_for_three(
    client, student, classmate, classroom, document
):
    client.force_login(student)
    counts = []
    for total in (HIGHLIGHTS_PER_PAGE, 3 * HIGHLIGHTS_PER_PAGE):
        shared_pages(document, classmate, total - Highlight.objects.count())
        with CaptureQueriesContext(connection) as queries:
            assert len(cards(page_html(client.get(LIST_URL)))) == HIGHLIGHTS_PER_PAGE
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


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
