"""An entry's page shows the highlights linked to it a page at a time."""

import re

import pytest

from annotations.models import Highlight
from annotations.pages import HIGHLIGHTS_PER_PAGE
from tests.helpers import link_highlights

PAGES = 3
SHARED = 2 * HIGHLIGHTS_PER_PAGE + 5  # three pages, the last one short


@pytest.fixture
def stalin(glossary):
    return glossary["joseph-stalin"]


@pytest.fixture
def shared(stalin, document, classroom, classmate):
    """The classmate's highlights shared with the class, all linked to Stalin."""
    return link_highlights(stalin, document, [classmate], SHARED)


def get(client, entry, **query) -> str:
    response = client.get(entry.get_absolute_url(), query)
    assert response.status_code == 200
    return response.content.decode()


def notes(html: str) -> list[str]:
    return re.findall(r'<div class="note">([^<]*)</div>', html)


def page_links(html: str) -> dict[str, str]:
    nav = re.search(
        r'<nav class="card-actions" aria-label="Pages of linked highlights">(.*?)</nav>', html, re.S
    )
    if not nav:
        return {}
    return {
        rel: href for href, rel in re.findall(r'<a href="([^"]*)" rel="(prev|next)">', nav.group(1))
    }


def test_it_shows_the_first_page_and_a_link_to_the_next(client, student, stalin, shared):
    client.force_login(student)

    html = get(client, stalin)

    assert len(notes(html)) == HIGHLIGHTS_PER_PAGE
    assert f"Highlights 1–{HIGHLIGHTS_PER_PAGE} of the {SHARED} you can see." in html
    assert f"Page 1 of {PAGES}" in html
    assert page_links(html) == {"next": "?page=2#highlights-heading"}


def test_it_shows_a_middle_page_with_links_both_ways(client, student, stalin, shared):
    client.force_login(student)

    html = get(client, stalin, page=2)

    assert len(notes(html)) == HIGHLIGHTS_PER_PAGE
    first, last = HIGHLIGHTS_PER_PAGE + 1, 2 * HIGHLIGHTS_PER_PAGE
    assert f"Highlights {first}–{last} of the {SHARED} you can see." in html
    assert page_links(html) == {
        "prev": "?page=1#highlights-heading",
        "next": "?page=3#highlights-heading",
    }


def test_it_shows_each_highlight_once_across_the_pages_in_reading_order(
    client, student, stalin, shared
):
    client.force_login(student)

    shown = [
        note for number in range(1, PAGES + 1) for note in notes(get(client, stalin, page=number))
    ]

    expected = Highlight.objects.filter(glossary_entries=stalin).values_list("note", flat=True)
    assert shown == list(expected)  # the model's order: by article, then place in it
    assert len(set(shown)) == SHARED


def test_it_shows_the_last_page_without_a_next_link(client, student, stalin, shared):
    client.force_login(student)

    html = get(client, stalin, page=PAGES)

    assert len(notes(html)) == SHARED - (PAGES - 1) * HIGHLIGHTS_PER_PAGE
    assert page_links(html) == {"prev": f"?page={PAGES - 1}#highlights-heading"}


@pytest.mark.parametrize(
    ("asked", "shown"), [("abc", 1), ("", 1), ("2.5", 1), ("99", PAGES), ("0", PAGES)]
)
def test_it_shows_a_page_that_exists_whatever_is_asked(
    client, student, stalin, shared, asked, shown
):
    client.force_login(student)

    html = get(client, stalin, page=asked)

    assert f"Page {shown} of {PAGES}" in html
    assert notes(html)


def test_it_shows_no_page_links_when_every_highlight_fits(
    client, student, stalin, document, classroom, classmate
):
    link_highlights(stalin, document, [classmate], 3)
    client.force_login(student)

    html = get(client, stalin)

    assert len(notes(html)) == 3
    assert "3 highlights you can see." in html
    assert "Pages of linked highlights" not in html
    assert page_links(html) == {}


def test_it_says_one_highlight_in_the_singular(
    client, student, stalin, document, classroom, classmate
):
    link_highlights(stalin, document, [classmate], 1)
    client.force_login(student)

    assert "1 highlight you can see." in get(client, stalin)


def test_it_counts_the_tags_of_every_page(client, student, stalin, shared):
    client.force_login(student)

    html = get(client, stalin)

    listing = re.search(r"Tags on these highlights:</p>\s*<ul[^>]*>(.*?)</ul>", html, re.S)
    uses = [int(n) for n in re.findall(r"\((\d+)\)</a>", listing.group(1))]
    assert sum(uses) == 2 * SHARED  # each highlight has two tags


def test_it_counts_and_pages_only_what_the_viewer_may_see(
    client, teacher, student, stalin, document, classroom, classmate, shared
):
    link_highlights(stalin, document, [classmate], 30, visibility="private")
    client.force_login(student)

    html = get(client, stalin, page=PAGES)

    assert f"of the {SHARED} you can see." in html
    assert f"Page {PAGES} of {PAGES}" in html
    assert not any(" private " in note for note in notes(html))


@pytest.mark.parametrize("page", ["1", "2"])
def test_it_shows_an_outsider_no_page_of_highlights(client, outsider, stalin, shared, page):
    client.force_login(outsider)

    html = get(client, stalin, page=page)

    assert "No highlight you can see is linked to this entry yet." in html
    assert notes(html) == []
    assert "you can see." not in html
    assert "Pages of linked highlights" not in html


def test_it_asks_anonymous_readers_to_log_in_on_any_page(client, stalin, shared):
    html = get(client, stalin, page=2)

    assert '<a href="/accounts/login/?next=/glossary/joseph-stalin/%3Fpage%3D2">Log in</a>' in html
    assert notes(html) == []
    assert "Pages of linked highlights" not in html
