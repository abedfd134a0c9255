"""Linking highlights to glossary entries: in the editor, on the card, and when editing."""

import re

import pytest
from django.utils.html import escape

from annotations.models import GlossaryEntry, Highlight, Mention
from tests.helpers import FROM_PANEL, HTMX, PHRASE, selection

# Inside it: Kim Il-sung; close to it: Stalin, Moscow, the USSR, Pyongyang.
KIM_PHRASE = "Kim Il-sung had reported"
# Two names inside it, Stalin first.
BOTH_PHRASE = "Stalin was hardly surprised. He was never an enthusiast for Kim Il-sung’s invasion"
Links = Highlight.glossary_entries.through


def create_url(document) -> str:
    return f"/documents/{document.slug}/highlights/new/"


def edit_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/edit/"


def card_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/"


def editor_query(document, phrase: str) -> dict:
    start = document.text.index(phrase)
    return {"start": start, "end": start + len(phrase), "exact": phrase}


def editor_html(client, document, phrase: str) -> str:
    """The editor htmx opens for `phrase`."""
    return client.get(
        create_url(document), editor_query(document, phrase), headers=HTMX
    ).content.decode()


def linked_slugs(highlight) -> set[str]:
    entries = GlossaryEntry.objects.filter(highlights__pk=highlight.pk)
    return set(entries.values_list("slug", flat=True))


def all_links() -> list[tuple[int, int]]:
    return list(Links.objects.order_by("pk").values_list("highlight_id", "glossaryentry_id"))


def about_links(html: str) -> list[tuple[str, str]]:
    """The card's "About:" line, as (href, name) pairs; [] when it has none."""
    line = re.search(r'<p class="linked-entries">About: (.*?)</p>', html, re.S)
    if not line:
        return []
    return re.findall(r'<a href="([^"]*)">([^<]*)</a>', line.group(1))


def glossary_field(html: str) -> str:
    field = re.search(r'<fieldset class="field glossary-field".*?</fieldset>', html, re.S)
    assert field, "no Glossary field"
    return field.group()


def checkbox_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="glossary_entries" value="(\d+)"', html)]


def offered(html: str) -> tuple[list[int], list[int]]:
    """Entry ids offered first, as named in or near the passage, then all the others."""
    field = glossary_field(html)
    first, found, rest = field.partition('<details class="more-entries">')
    assert found, "no list of other entries"
    return checkbox_ids(first), checkbox_ids(rest)


def checked(html: str) -> set[int]:
    field = glossary_field(html)
    return {int(pk) for pk in re.findall(r'name="glossary_entries" value="(\d+)" checked>', field)}


@pytest.fixture
def kim(glossary):
    return glossary["kim-il-sung"]


@pytest.fixture
def stalin(glossary):
    return glossary["joseph-stalin"]


@pytest.fixture
def lie(glossary):
    """Trygve Lie: an entry named nowhere near the passages these tests select."""
    return glossary["trygve-lie"]


def unknown_id() -> int:
    return max(GlossaryEntry.objects.values_list("pk", flat=True)) + 1000


# Creating a highlight with links


def test_it_links_the_chosen_entries_to_a_new_highlight(client, document, student, kim, stalin):
    client.force_login(student)
    data = selection(
        document,
        BOTH_PHRASE,
        glossary_entries=[kim.pk, stalin.pk],
        note="Who wanted the war?",
        tags="leaders, cold war",
        visibility="class",
    )

    response = client.post(create_url(document), data)

    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert response.url == f"/documents/{document.slug}/#h-{highlight.pk}"
    assert linked_slugs(highlight) == {"kim-il-sung", "joseph-stalin"}
    assert highlight.exact == BOTH_PHRASE
    assert highlight.note == "Who wanted the war?"
    assert highlight.visibility == "class"
    assert sorted(highlight.tags.names()) == ["cold war", "leaders"]


def test_it_links_an_entry_not_named_near_the_passage(client, document, student, lie):
    client.force_login(student)

    response = client.post(create_url(document), selection(document, glossary_entries=[lie.pk]))

    assert response.status_code == 302
    assert linked_slugs(Highlight.objects.get()) == {"trygve-lie"}


def test_it_links_nothing_when_no_entry_is_chosen(client, document, student, glossary):
    client.force_login(student)

    response = client.post(create_url(document), selection(document))

    assert response.status_code == 302
    assert linked_slugs(Highlight.objects.get()) == set()
    assert all_links() == []


def test_it_shows_the_links_on_the_refreshed_card_for_htmx(client, document, student, kim, stalin):
    client.force_login(student)
    data = selection(document, BOTH_PHRASE, glossary_entries=[stalin.pk, kim.pk])

    response = client.post(create_url(document), data, headers=FROM_PANEL)

    assert response.status_code == 200
    assert linked_slugs(Highlight.objects.get()) == {"kim-il-sung", "joseph-stalin"}
    assert about_links(response.content.decode()) == [
        ("/glossary/joseph-stalin/", "Joseph Stalin"),
        ("/glossary/kim-il-sung/", "Kim Il-sung"),
    ]


def test_it_lists_the_linked_entries_on_the_card(client, document, student, kim, stalin):
    client.force_login(student)
    client.post(create_url(document), selection(document, glossary_entries=[kim.pk, stalin.pk]))
    highlight = Highlight.objects.get()

    for headers in ({}, HTMX):
        response = client.get(card_url(highlight), headers=headers)

        assert response.status_code == 200
        assert about_links(response.content.decode()) == [
            ("/glossary/joseph-stalin/", "Joseph Stalin"),
            ("/glossary/kim-il-sung/", "Kim Il-sung"),
        ]


def test_it_shows_no_about_line_without_links(client, student, make_highlight, glossary):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    html = client.get(card_url(highlight)).content.decode()

    assert "About:" not in html
    assert "/glossary/" not in re.search(r"<article.*?</article>", html, re.S).group()


def test_it_shows_a_classmate_the_links_of_a_shared_highlight(
    client, classroom, student, classmate, make_highlight, kim
):
    highlight = make_highlight(student, PHRASE, visibility="class")
    highlight.glossary_entries.set([kim])
    client.force_login(classmate)

    response = client.get(card_url(highlight))

    assert response.status_code == 200
    assert about_links(response.content.decode()) == [("/glossary/kim-il-sung/", "Kim Il-sung")]


def test_it_escapes_the_name_of_a_linked_entry(client, student, make_highlight, glossary):
    entry = GlossaryEntry.objects.create(
        kind="person", name="<b>Bold</b> & Co", slug="bold-and-co", summary="Markup."
    )
    highlight = make_highlight(student, PHRASE)
    highlight.glossary_entries.set([entry])
    client.force_login(student)

    html = client.get(card_url(highlight)).content.decode()

    assert "<b>Bold</b>" not in html
    assert about_links(html) == [("/glossary/bold-and-co/", escape("<b>Bold</b> & Co"))]


BAD_ENTRIES = {
    "unknown id": lambda ok: [unknown_id()],
    "unknown beside a known id": lambda ok: [ok.pk, unknown_id()],
    "not a number": lambda ok: ["abc"],
    "a number and text": lambda ok: [ok.pk, "1; DROP TABLE"],
    "a decimal": lambda ok: ["1.5"],
    "negative": lambda ok: ["-1"],
    "past the largest id": lambda ok: [ok.pk, str(2**63)],
}


@pytest.mark.parametrize("make_value", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
@pytest.mark.parametrize("headers", [{}, FROM_PANEL], ids=["page", "htmx"])
def test_it_refuses_an_unknown_or_malformed_entry_id(
    client, document, student, kim, make_value, headers
):
    client.force_login(student)
    data = selection(document, note="Kept note", glossary_entries=make_value(kim))

    response = client.post(create_url(document), data, headers=headers)

    assert response.status_code == 422
    assert Highlight.objects.count() == 0
    assert all_links() == []
    html = response.content.decode()
    assert ("<html" in html) is not bool(headers)
    assert "Kept note</textarea>" in html


def test_it_says_an_unknown_entry_no_longer_exists(client, document, student, glossary):
    client.force_login(student)
    data = selection(document, glossary_entries=[unknown_id()])

    response = client.post(create_url(document), data)

    assert response.status_code == 422
    html = response.content.decode()
    assert escape("That glossary entry no longer exists; reload the page.") in html
    assert Highlight.objects.count() == 0


def test_it_keeps_the_chosen_entries_when_refusing(client, document, student, kim, lie):
    client.force_login(student)
    data = selection(document, note="<b>bold</b>", glossary_entries=[kim.pk, lie.pk])

    response = client.post(create_url(document), data, headers=HTMX)

    assert response.status_code == 422
    assert checked(response.content.decode()) == {kim.pk, lie.pk}
    assert Highlight.objects.count() == 0


# Editing the links


@pytest.fixture
def highlight(student, make_highlight, kim):
    highlight = make_highlight(student, PHRASE, note="Old note", tags=["Cold War"])
    highlight.glossary_entries.set([kim])
    return highlight


def edit_data(**changes) -> dict:
    return {"note": "Old note", "tags": "Cold War", "visibility": "private", **changes}


def test_it_adds_a_link(client, student, highlight, kim, stalin):
    client.force_login(student)

    response = client.post(edit_url(highlight), edit_data(glossary_entries=[kim.pk, stalin.pk]))

    assert response.status_code == 302
    assert linked_slugs(highlight) == {"kim-il-sung", "joseph-stalin"}


def test_it_replaces_one_link_with_another(client, student, highlight, stalin):
    client.force_login(student)

    response = client.post(edit_url(highlight), edit_data(glossary_entries=[stalin.pk]))

    assert response.status_code == 302
    assert linked_slugs(highlight) == {"joseph-stalin"}


def test_it_removes_one_link_and_keeps_the_other(client, student, highlight, kim, stalin):
    highlight.glossary_entries.add(stalin)
    client.force_login(student)

    response = client.post(edit_url(highlight), edit_data(glossary_entries=[stalin.pk]))

    assert response.status_code == 302
    assert linked_slugs(highlight) == {"joseph-stalin"}


def test_it_clears_every_link(client, student, highlight, stalin):
    highlight.glossary_entries.add(stalin)
    client.force_login(student)

    response = client.post(edit_url(highlight), edit_data(note="New note"))

    assert response.status_code == 302
    assert linked_slugs(highlight) == set()
    assert Highlight.objects.get(pk=highlight.pk).note == "New note"
    assert GlossaryEntry.objects.filter(slug__in=["kim-il-sung", "joseph-stalin"]).count() == 2


def test_it_changes_only_the_links_of_the_highlight_edited(
    client, student, highlight, make_highlight, kim, stalin
):
    other = make_highlight(student, "Kim Il-sung had reported")
    other.glossary_entries.set([kim])
    client.force_login(student)

    client.post(edit_url(highlight), edit_data(glossary_entries=[stalin.pk]))

    assert linked_slugs(highlight) == {"joseph-stalin"}
    assert linked_slugs(other) == {"kim-il-sung"}


def test_it_shows_the_new_links_on_the_card_after_an_edit(client, student, highlight, stalin, lie):
    client.force_login(student)

    response = client.post(
        edit_url(highlight), edit_data(glossary_entries=[lie.pk, stalin.pk]), headers=FROM_PANEL
    )

    assert response.status_code == 200
    expected = [
        ("/glossary/joseph-stalin/", "Joseph Stalin"),
        ("/glossary/trygve-lie/", "Trygve Lie"),
    ]
    assert about_links(response.content.decode()) == expected
    assert about_links(client.get(card_url(highlight)).content.decode()) == expected


@pytest.mark.parametrize("value", ["unknown", "abc"])
def test_it_refuses_an_unknown_entry_when_editing(client, student, highlight, stalin, value):
    client.force_login(student)
    bad = unknown_id() if value == "unknown" else value

    response = client.post(
        edit_url(highlight), edit_data(note="Changed", glossary_entries=[stalin.pk, bad])
    )

    assert response.status_code == 422
    assert linked_slugs(highlight) == {"kim-il-sung"}
    assert Highlight.objects.get(pk=highlight.pk).note == "Old note"


def test_it_forbids_a_classmate_to_change_the_links_of_a_shared_highlight(
    client, classroom, classmate, highlight, stalin
):
    highlight.visibility = "class"
    highlight.save()
    client.force_login(classmate)

    for headers in ({}, HTMX):
        response = client.post(
            edit_url(highlight),
            edit_data(visibility="class", glossary_entries=[stalin.pk]),
            headers=headers,
        )
        assert response.status_code == 403
        response = client.post(edit_url(highlight), edit_data(visibility="class"), headers=headers)
        assert response.status_code == 403
    assert linked_slugs(highlight) == {"kim-il-sung"}


def test_it_answers_404_to_a_classmate_for_a_private_highlight(
    client, classroom, classmate, highlight, stalin
):
    client.force_login(classmate)

    response = client.post(edit_url(highlight), edit_data(glossary_entries=[stalin.pk]))

    assert response.status_code == 404
    assert "Old note" not in response.content.decode()
    assert linked_slugs(highlight) == {"kim-il-sung"}


def test_it_shows_the_linked_entries_checked_in_the_edit_form(client, student, highlight, kim, lie):
    highlight.glossary_entries.add(lie)
    client.force_login(student)

    for headers in ({}, HTMX):
        response = client.get(edit_url(highlight), headers=headers)

        assert response.status_code == 200
        html = response.content.decode()
        assert checked(html) == {kim.pk, lie.pk}
        suggested, others = offered(html)
        assert kim.pk in suggested  # named in the passage: offered first, and checked
        assert lie.pk in others


def test_it_checks_nothing_in_the_edit_form_without_links(client, student, highlight):
    highlight.glossary_entries.clear()
    client.force_login(student)

    html = client.get(edit_url(highlight)).content.decode()

    assert checked(html) == set()
    assert len(checkbox_ids(glossary_field(html))) == GlossaryEntry.objects.count()


def test_it_suggests_the_entries_near_the_highlight_in_the_edit_form(
    client, student, make_highlight, kim, glossary
):
    highlight = make_highlight(student, KIM_PHRASE)
    client.force_login(student)

    html = client.get(edit_url(highlight)).content.decode()

    suggested, _ = offered(html)
    assert suggested[0] == kim.pk
    assert "Named in or near the passage" in html


# The editor's suggestions


def mentioned_inside(document, phrase: str) -> set[int]:
    start = document.text.index(phrase)
    inside = Mention.objects.filter(
        document=document,
        revision=document.revision,
        start__gte=start,
        end__lte=start + len(phrase),
    )
    return set(inside.values_list("entry_id", flat=True))


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_it_suggests_the_entry_named_in_the_selection_first(
    client, document, student, kim, stalin, headers
):
    client.force_login(student)

    response = client.get(create_url(document), editor_query(document, KIM_PHRASE), headers=headers)

    assert response.status_code == 200
    html = response.content.decode()
    field = glossary_field(html)
    assert field.index("Named in or near the passage") < field.index(f'value="{kim.pk}"')
    assert field.index(f'value="{kim.pk}"') < field.index("Other entries")
    suggested, others = offered(html)
    assert mentioned_inside(document, KIM_PHRASE) == {kim.pk}
    assert suggested[0] == kim.pk
    assert stalin.pk in suggested[1:]  # "Stalin’s residence", just before it
    assert checked(html) == set()


def test_it_suggests_the_entries_named_nearby_after_those_inside(
    client, document, student, glossary
):
    client.force_login(student)

    html = editor_html(client, document, KIM_PHRASE)

    suggested, _ = offered(html)
    nearby = {glossary[slug].pk for slug in ("moscow", "soviet-union", "pyongyang")}
    assert nearby <= set(suggested[1:])
    start = document.text.index(KIM_PHRASE)
    near = Mention.objects.filter(
        document=document, end__gt=start - 300, start__lt=start + len(KIM_PHRASE) + 300
    )
    assert set(suggested) == set(near.values_list("entry_id", flat=True))


def test_it_suggests_every_entry_inside_the_selection_before_any_outside(
    client, document, student, kim, stalin
):
    client.force_login(student)

    html = editor_html(client, document, BOTH_PHRASE)

    suggested, _ = offered(html)
    inside = mentioned_inside(document, BOTH_PHRASE)
    assert inside == {kim.pk, stalin.pk}
    assert suggested[:2] == [stalin.pk, kim.pk]  # in the order the passage names them
    assert len(suggested) > 2


def test_it_lists_every_other_entry_once_after_the_suggestions(
    client, document, student, kim, glossary
):
    client.force_login(student)

    html = editor_html(client, document, KIM_PHRASE)

    suggested, others = offered(html)
    assert "<summary>Other entries</summary>" in html
    assert kim.pk not in others
    assert len(suggested) + len(others) == len(glossary)
    assert set(suggested) | set(others) == {entry.pk for entry in glossary.values()}
    assert set(suggested).isdisjoint(others)
    assert glossary["trygve-lie"].pk in others


def test_it_groups_the_other_entries_by_kind(client, document, student, glossary):
    client.force_login(student)

    html = editor_html(client, document, KIM_PHRASE)

    others = glossary_field(html).partition('<details class="more-entries">')[2]
    labels = re.findall(r'<p class="subhead">([^<]*)</p>', others)
    assert labels == ["Archive", "Organisation", "Person", "Place", "Work"]
    people = re.search(r'<p class="subhead">Person</p>\s*<ul[^>]*>(.*?)</ul>', others, re.S)
    assert glossary["trygve-lie"].pk in checkbox_ids(people.group(1))
    assert glossary["beijing"].pk not in checkbox_ids(people.group(1))


def test_it_suggests_entries_for_a_paragraph_too(client, document, student, stalin):
    client.force_login(student)
    paragraph = document.paragraphs[3]  # starts "Stalin was hardly surprised."
    assert document.text[paragraph.start :].startswith(PHRASE)

    html = client.get(create_url(document), {"paragraph": 4}, headers=HTMX).content.decode()

    suggested, _ = offered(html)
    assert suggested[0] == stalin.pk
