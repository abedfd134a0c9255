import re

import pytest

from annotations.models import Tag
from tests.helpers import FROM_PANEL, HTMX

DOCUMENT_URL = "/documents/stalin-and-korean-war/"
MARKUP_NOTE = "<img src=x onerror=alert(1)>"
ESCAPED_NOTE = "&lt;img src=x onerror=alert(1)&gt;"
MARKUP_TAG = "<b>bold</b>"
ESCAPED_TAG = "&lt;b&gt;bold&lt;/b&gt;"


def marks(html: str) -> list[tuple[str, int]]:
    """(kinds, start) of each painted <mark>, e.g. ("hl-own hl-shared", 663)."""
    return [
        (kind, int(s)) for kind, s in re.findall(r'<mark class="hl ([^"]*)" data-s="(\d+)"', html)
    ]


def painted(html: str) -> dict[int, str]:
    """Each highlight painted, with the kinds of the mark where it first shows."""
    found = {}
    for anchors, kind in re.findall(
        r'((?:<span id="h-\d+"[^>]*></span>)+)<mark class="hl ([^"]*)"', html
    ):
        for pk in re.findall(r'id="h-(\d+)"', anchors):
            found[int(pk)] = kind
    return found


def reading(client, user=None) -> str:
    if user is not None:
        client.force_login(user)
    response = client.get(DOCUMENT_URL)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cast(classroom, student, classmate, outsider, make_highlight):
    return {
        "student private": make_highlight(student, "Incheon landing", note="Student secret"),
        "student class": make_highlight(student, "Gimpo airfield", visibility="class"),
        "classmate private": make_highlight(
            classmate, "Soviet dictator", note="Classmate secret", tags=["Hidden tag"]
        ),
        "classmate class": make_highlight(classmate, "Pak Myong-rim", visibility="class"),
        "outsider class": make_highlight(outsider, "amphibious operation", visibility="class"),
    }


def test_it_paints_the_owners_highlights_as_their_own(client, student, cast):
    html = reading(client, student)

    mine = [cast["student private"], cast["student class"]]
    assert painted(html) == {
        **{h.pk: "hl-own" for h in mine},
        cast["classmate class"].pk: "hl-shared",
    }
    for highlight in mine:
        assert ("hl-own", highlight.start) in marks(html)
        assert f'<span id="h-{highlight.pk}" data-end="{highlight.end}"></span>' in html
        assert f'<a class="jump" href="#h-{highlight.pk}">' in html
    count = r'<span class="count" id="my-highlights-count">2</span>'
    assert re.search(r'id="my-highlights-heading">My highlights ' + count, html)
    assert "Student secret" in html


def test_it_paints_the_class_highlights_of_others_as_shared(client, classmate, cast):
    html = reading(client, classmate)

    assert painted(html) == {
        cast["student class"].pk: "hl-shared",
        cast["classmate class"].pk: "hl-own",
        cast["classmate private"].pk: "hl-own",
    }
    assert f'href="#h-{cast["student class"].pk}"' not in html  # not listed as theirs
    assert "Class highlights on this article: 1" in html


def test_it_shows_the_teacher_what_the_class_shares(client, teacher, cast):
    html = reading(client, teacher)

    assert painted(html) == {
        cast["student class"].pk: "hl-shared",
        cast["classmate class"].pk: "hl-shared",
    }
    assert [kind for kind, _ in marks(html)] == ["hl-shared", "hl-shared"]
    assert "Class highlights on this article: 2" in html
    assert "None yet." in html  # the teacher has none of their own


def test_it_shows_an_outsider_only_their_own(client, outsider, cast):
    html = reading(client, outsider)

    highlight = cast["outsider class"]
    assert painted(html) == {highlight.pk: "hl-own"}
    assert marks(html) == [("hl-own", highlight.start)]
    assert "Class highlights on this article" not in html


def test_it_shows_no_highlights_to_anonymous_readers(client, cast):
    html = reading(client)

    assert "<mark" not in html
    assert not re.search(r'id="h-\d+"', html)
    assert 'id="my-highlights"' not in html
    assert "to highlight passages" in html


def test_it_paints_overlapping_highlights_once_with_both_kinds(
    client, classroom, student, classmate, make_highlight
):
    shared = make_highlight(classmate, "Stalin was hardly surprised.", visibility="class")
    own = make_highlight(student, "hardly surprised. He was never")

    html = reading(client, student)

    assert marks(html) == [
        ("hl-shared", shared.start),
        ("hl-own hl-shared", own.start),
        ("hl-own", shared.end),
    ]
    assert painted(html) == {shared.pk: "hl-shared", own.pk: "hl-own hl-shared"}
    assert html.count(f'id="h-{own.pk}"') == 1
    assert html.count(f'id="h-{shared.pk}"') == 1


def test_it_leaves_out_highlights_that_could_not_be_placed(client, student, cast):
    orphan = cast["student class"]
    orphan.anchor_status = "orphaned"
    orphan.save()

    html = reading(client, student)

    assert orphan.pk not in painted(html)
    assert "Could not be placed in the corrected text" in html


def test_it_answers_htmx_with_the_reading_view(client, student, cast):
    client.force_login(student)

    response = client.get(DOCUMENT_URL, headers=HTMX)

    assert response.status_code == 200
    assert 'id="panel"' in response.content.decode()


def test_it_answers_404_for_an_unknown_document(client, outsider):
    client.force_login(outsider)

    assert client.get("/documents/no-such-article/").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods(client, student, cast, method):
    client.force_login(student)

    assert getattr(client, method)(DOCUMENT_URL).status_code == 405


# Private stays private, everywhere


@pytest.mark.parametrize("viewer", ["student", "teacher", "outsider"])
def test_it_never_leaks_a_private_highlight(client, request, cast, viewer):
    secret = cast["classmate private"]
    client.force_login(request.getfixturevalue(viewer))
    pages = [
        DOCUMENT_URL,
        f"{DOCUMENT_URL}highlights/",
        f"{DOCUMENT_URL}highlights/?at={secret.start}",
        "/highlights/",
        "/tag-suggestions/?tags=hidden",
        "/tag-suggestions/?tags=",
    ]

    for url in pages:
        for headers in ({}, HTMX):
            html = client.get(url, headers=headers).content.decode()
            assert not re.search(rf"\bh-{secret.pk}\b", html), url
            assert "Classmate secret" not in html, url
            assert "Hidden tag" not in html, url
    for url in (
        f"/highlights/{secret.pk}/",
        f"/highlights/{secret.pk}/edit/",
        f"/highlights/{secret.pk}/delete/",
        "/tags/hidden-tag/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Classmate secret" not in response.content.decode()


# Notes and tags are text, whatever they contain


@pytest.fixture
def marked_up(classroom, student, make_highlight):
    """Markup stored straight into the database, past the forms that refuse it."""
    highlight = make_highlight(
        student, "Gimpo airfield", note=MARKUP_NOTE, tags=[MARKUP_TAG], visibility="class"
    )
    make_highlight(student, "Incheon landing")
    return highlight


def assert_escaped(html: str, *, tag: bool = True) -> None:
    assert "<img" not in html
    assert ESCAPED_NOTE in html
    assert "<b>bold" not in html
    if tag:
        assert ESCAPED_TAG in html


def test_it_escapes_the_note_in_the_reading_view(client, student, marked_up):
    assert_escaped(reading(client, student))


def test_it_escapes_the_note_on_the_card(client, student, classmate, marked_up):
    for viewer in (student, classmate):
        client.force_login(viewer)
        for headers in ({}, HTMX):
            response = client.get(f"/highlights/{marked_up.pk}/", headers=headers)
            assert_escaped(response.content.decode())


def test_it_escapes_the_note_in_the_lists(client, student, classmate, marked_up):
    tag = Tag.objects.get(name=MARKUP_TAG)
    client.force_login(classmate)
    for url in (f"{DOCUMENT_URL}highlights/", f"/tags/{tag.slug}/"):
        for headers in ({}, HTMX):
            assert_escaped(client.get(url, headers=headers).content.decode())
    client.force_login(student)
    assert_escaped(client.get("/highlights/").content.decode())


def test_it_escapes_the_note_in_the_edit_form(client, student, marked_up):
    client.force_login(student)

    for headers in ({}, HTMX):
        html = client.get(f"/highlights/{marked_up.pk}/edit/", headers=headers).content.decode()
        assert re.search(rf"<textarea[^>]*>\s*{re.escape(ESCAPED_NOTE)}</textarea>", html)
        assert f'value="{ESCAPED_TAG}"' in html
        assert_escaped(html)


def test_it_escapes_the_note_in_the_refreshed_reading_view(client, student, marked_up):
    other = marked_up.owner.highlights.exclude(pk=marked_up.pk).get()
    client.force_login(student)

    response = client.post(f"/highlights/{other.pk}/delete/", headers=FROM_PANEL)

    assert response.status_code == 200
    assert_escaped(response.content.decode())


def test_it_escapes_suggested_tags(client, classmate, marked_up):
    client.force_login(classmate)

    html = client.get("/tag-suggestions/", {"tags": "bold"}).content.decode()

    assert html.strip() == f'<option value="{ESCAPED_TAG}"></option>'
