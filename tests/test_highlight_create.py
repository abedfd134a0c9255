import json
import re
import uuid

import pytest
from django.test import Client
from django.utils.html import escape

from annotations.models import Document, Highlight, Tag
from tests.helpers import FROM_PANEL, HTMX, PHRASE, painted_mark, partial_html, selection


def create_url(document) -> str:
    return f"/documents/{document.slug}/highlights/new/"


def counts() -> tuple[int, int]:
    return Highlight.objects.count(), Tag.objects.count()


def hidden_value(html: str, name: str) -> str:
    tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input {name!r}"
    assert 'type="hidden"' in tag.group()
    value = re.search(r'value="([^"]*)"', tag.group())
    return value.group(1) if value else ""


def quote_shown(html: str) -> str:
    match = re.search(
        r'<blockquote[^>]* aria-label="Selected passage"[^>]*>(.*?)</blockquote>', html, re.S
    )
    assert match, "no quote in the editor"
    return match.group(1)


# The editor, opened from a selection or from a paragraph number


def test_it_shows_the_editor_for_a_selection(client, document, student):
    client.force_login(student)
    query = {k: v for k, v in selection(document).items() if k in {"start", "end", "exact"}}

    response = client.get(create_url(document), query)

    assert response.status_code == 200
    html = response.content.decode()
    assert quote_shown(html) == PHRASE
    assert hidden_value(html, "start") == str(document.text.index(PHRASE))
    assert hidden_value(html, "end") == str(document.text.index(PHRASE) + len(PHRASE))
    assert hidden_value(html, "revision") == str(document.revision)
    assert uuid.UUID(hidden_value(html, "client_key"))
    assert re.search(r'<textarea[^>]* name="note"', html)
    assert 'id="reading-text"' in html  # without JavaScript: the reading view, editor open
    assert Highlight.objects.count() == 0


def test_it_shows_only_the_editor_to_htmx(client, document, student):
    client.force_login(student)
    query = {k: v for k, v in selection(document).items() if k in {"start", "end", "exact"}}

    response = client.get(create_url(document), query, headers=HTMX)

    html = partial_html(response)
    assert 'id="reading-text"' not in html
    assert "New highlight" in html
    assert quote_shown(html) == PHRASE


def test_it_places_a_selection_with_shifted_offsets_by_its_quote(client, document, student):
    client.force_login(student)
    start = document.text.index(PHRASE)

    response = client.get(
        create_url(document), {"start": start + 7, "end": start + 7 + len(PHRASE), "exact": PHRASE}
    )

    assert response.status_code == 200
    assert hidden_value(response.content.decode(), "start") == str(start)


def test_it_shows_the_editor_for_a_paragraph(client, document, student):
    client.force_login(student)
    paragraph = document.paragraphs[3]

    response = client.get(create_url(document), {"paragraph": 4})

    assert response.status_code == 200
    html = response.content.decode()
    assert hidden_value(html, "start") == str(paragraph.start)
    assert hidden_value(html, "end") == str(paragraph.end)
    assert quote_shown(html).startswith(PHRASE)
    assert "Sentences of paragraph 4" in html
    first, last = re.findall(
        r'<select[^>]* name="(?:first|last)_sentence"[^>]*>(.*?)</select>', html, re.S
    )
    assert len(re.findall("<option", first)) == 3  # "the U.S. would" is one sentence
    assert '<option value="1" selected>' in first
    assert '<option value="3" selected>' in last


def test_it_narrows_a_paragraph_to_sentences(client, document, student):
    client.force_login(student)
    start = document.text.index("He was never an enthusiast")
    end = document.text.index("to interfere.") + len("to interfere.")

    response = client.get(
        create_url(document), {"paragraph": 4, "first_sentence": 2, "last_sentence": 2}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert hidden_value(html, "start") == str(start)
    assert hidden_value(html, "end") == str(end)
    assert hidden_value(html, "exact") == escape(document.text[start:end])
    assert PHRASE not in quote_shown(html)


def test_it_keeps_what_was_typed_when_the_sentences_change(client, document, student):
    client.force_login(student)

    response = client.get(
        create_url(document),
        {
            "paragraph": 4,
            "first_sentence": 1,
            "last_sentence": 1,
            "note": "Keep this note",
            "tags": "cold war",
            "visibility": "class",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert quote_shown(html) == PHRASE
    assert "Keep this note</textarea>" in html
    assert 'value="cold war"' in html
    assert re.search(r'<input(?=[^>]*name="visibility")(?=[^>]*value="class")[^>]* checked', html)


def test_it_refuses_an_unknown_paragraph_number(client, document, student):
    client.force_login(student)

    response = client.get(create_url(document), {"paragraph": 99})

    assert response.status_code == 422
    assert "Choose a paragraph number from 1 to 15." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": 652, "end": 680, "exact": "Stalin invaded the Moon."}, "not in this article"),
        ({"start": 650, "end": 652, "exact": "\n\n"}, "The selection is empty."),
        ({}, "The selection is empty."),
    ],
)
def test_it_refuses_an_invalid_selection_in_the_editor(client, document, student, query, message):
    client.force_login(student)

    response = client.get(create_url(document), query, headers=HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'class="editor' not in html
    assert Highlight.objects.count() == 0


# Saving


def test_it_saves_a_highlight_and_redirects_to_it(client, document, student):
    client.force_login(student)
    data = selection(
        document, note="First line\nSecond line", tags="cold war, Stalin", visibility="class"
    )

    response = client.post(create_url(document), data)

    highlight = Highlight.objects.get()
    assert response.status_code == 302
    assert response.url == f"/documents/{document.slug}/#h-{highlight.pk}"
    assert highlight.owner == student
    assert highlight.document == document
    assert highlight.revision == document.revision
    assert (highlight.start, highlight.end) == (data["start"], data["end"])
    assert highlight.exact == PHRASE
    assert highlight.prefix == document.text[data["start"] - 32 : data["start"]]
    assert highlight.suffix == document.text[data["end"] : data["end"] + 32]
    assert highlight.note == "First line\nSecond line"
    assert highlight.visibility == "class"
    assert highlight.client_key == uuid.UUID(data["client_key"])
    assert sorted(highlight.tags.names()) == ["Stalin", "cold war"]


def test_it_shows_the_new_highlight_after_the_redirect(client, document, student):
    client.force_login(student)

    response = client.post(create_url(document), selection(document), follow=True)

    highlight = Highlight.objects.get()
    html = response.content.decode()
    assert "Highlight saved." in html
    assert painted_mark(highlight) in html
    assert f'href="#h-{highlight.pk}"' in html


def test_it_answers_htmx_with_the_card_and_where_to_paint_the_mark(client, document, student):
    client.force_login(student)
    data = selection(document, note="Why then?", tags="cold war")

    response = client.post(create_url(document), data, headers=FROM_PANEL)

    highlight = Highlight.objects.get()
    html = partial_html(response)
    assert "Your highlight" in html  # the panel shows the new card
    assert "Why then?" in html and ">cold war</a>" in html
    # The browser paints the mark where the server placed it (static/js/highlighter.js).
    place = {"id": highlight.pk, "start": highlight.start, "end": highlight.end}
    assert json.loads(response["HX-Trigger-After-Swap"]) == {"highlight-saved": place}
    assert "<mark" not in html and 'hx-swap-oob="true" data-n=' not in html
    assert not re.search(r'<(?:p|h2) id="p-\d+"', html)
    # My highlights gets its item, at the end (the browser moves it to its place).
    added = r'<div hx-swap-oob="beforeend:#my-highlights-list">\s*<li id="mine-(\d+)"'
    item = re.search(added + r' data-start="(\d+)">', html)
    assert item and item.groups() == (str(highlight.pk), str(highlight.start))
    assert f'href="#h-{highlight.pk}"' in html
    assert '<section id="my-highlights"' not in html
    assert "Highlight saved." in html


def test_it_shows_the_progress_after_a_save_in_an_assignment(
    client, document, student, assignment, glossary
):
    assignment.required_entries.set([glossary["joseph-stalin"], glossary["kim-il-sung"]])
    client.force_login(student)
    data = selection(document, tags="Evidence", assignment=assignment.pk)
    data["glossary_entries"] = [glossary["joseph-stalin"].pk]

    html = partial_html(client.post(create_url(document), data, headers=FROM_PANEL))

    progress = re.search(
        r'<div id="progress" hx-swap-oob="true">(.*?)</div>\s*<div id="status"', html, re.S
    )
    assert progress, html
    box = progress.group(1)
    assert "1 highlight (2 needed)" in box
    assert 'Link <a href="/glossary/joseph-stalin/">Joseph Stalin</a> (done)' in box
    assert "Kim Il-sung</a> (done)" not in box
    assert "Suggested tags used: 1 of 2 (evidence)" in box
    assert "50% of this assignment" in box  # 1 of 2 highlights and 1 of 2 entries


@pytest.mark.parametrize("why", ["a retried save", "a page on a corrected text"])
def test_it_paints_the_passage_again_when_the_page_may_not_show_it(client, document, student, why):
    """A retry's first answer was lost (the page may not show the mark); a page on the
    text before a correction has other offsets: the server paints the paragraphs."""
    client.force_login(student)
    data = selection(document)
    if why == "a retried save":
        client.post(create_url(document), data, headers=FROM_PANEL)
    else:
        Document.objects.filter(pk=document.pk).update(revision=2)
        document.refresh_from_db()
        data["revision"] = 1

    response = client.post(create_url(document), data, headers=FROM_PANEL)

    highlight = Highlight.objects.get()
    html = partial_html(response)
    assert "HX-Trigger-After-Swap" not in response
    paragraph = document.paragraph_at(highlight.start)
    replaced = re.findall(r'<(?:p|h2) id="(p-\d+)"[^>]* hx-swap-oob="true"', html)
    assert replaced == [paragraph.anchor]
    assert painted_mark(highlight) in html
    assert re.search(r'<section id="my-highlights"[^>]* hx-swap-oob="true"', html)


def test_a_save_in_an_assignment_costs_a_bounded_number_of_queries(
    client, document, student, classmate, assignment, glossary, django_assert_max_num_queries
):
    """What the editor sends in an assignment (two tags in use, a glossary entry), and the
    answer htmx swaps in: bench/writes.py measures it (docs/PERFORMANCE.md, "Writes")."""
    Tag.objects.create(name="evidence")
    Tag.objects.create(name="cold war")
    data = selection(document, tags="evidence, cold war", visibility="class")
    data |= {"assignment": assignment.pk, "glossary_entries": [glossary["joseph-stalin"].pk]}
    client.force_login(student)
    client.post(create_url(document), selection(document, "Moscow"), headers=FROM_PANEL)

    # Session and user; the write limit's count (2: its counter read, then swapped); the
    # article, the entries and the assignment the form checks (with whether an LMS links
    # it and whether it asks for entries: it asks for none); the save in its transaction
    # (BEGIN, the tags, the owner's lock with the text's revision, the caps with the
    # retry key, the row, its entries and tags in one statement, COMMIT); the student's
    # progress. The card shows what the save wrote, and the browser paints the mark. It
    # was 45 before the write limit, the tags and the role were fetched once each, 35
    # before the browser painted the mark, 17 before the owner and the revision were
    # locked at once and the entries and tags linked at once.
    with django_assert_max_num_queries(15):
        response = client.post(create_url(document), data, headers=FROM_PANEL)

    assert "Highlight saved." in partial_html(response)
    assert sorted(Highlight.objects.get(note="", tags__name="cold war").tags.names()) == [
        "cold war",
        "evidence",
    ]


def test_it_accepts_a_note_of_5000_characters(client, document, student):
    client.force_login(student)

    response = client.post(create_url(document), selection(document, note="x" * 5000))

    assert response.status_code == 302
    assert len(Highlight.objects.get().note) == 5000


def test_it_trims_whitespace_around_the_selection(client, document, student):
    client.force_login(student)
    start = document.text.index(PHRASE)
    data = selection(document, start=start - 1, end=start + len(PHRASE) + 1)
    data["exact"] = document.text[start - 1 : start + len(PHRASE) + 1]

    client.post(create_url(document), data)

    highlight = Highlight.objects.get()
    assert (highlight.start, highlight.exact) == (start, PHRASE)


# Re-anchoring


def test_it_places_shifted_offsets_by_the_quote(client, document, student):
    client.force_login(student)
    start = document.text.index(PHRASE)

    client.post(create_url(document), selection(document, start=start + 5, end=start + 33))

    highlight = Highlight.objects.get()
    assert (highlight.start, highlight.end, highlight.exact) == (start, start + 28, PHRASE)


def test_it_places_a_quote_with_straight_apostrophes_on_the_curly_text(client, document, student):
    client.force_login(student)
    typed = "Kim Il-sung's invasion plans"
    start = document.text.index("Kim Il-sung’s invasion plans")

    response = client.post(
        create_url(document), selection(document, start=0, end=len(typed), exact=typed)
    )

    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert (highlight.start, highlight.exact) == (start, "Kim Il-sung’s invasion plans")


def test_it_uses_the_context_to_choose_between_repeated_quotes(client, document, student):
    client.force_login(student)
    occurrences = [m.start() for m in re.finditer("Kim Il-sung", document.text)]
    third = occurrences[2]
    data = selection(
        document,
        start=0,
        end=11,
        exact="Kim Il-sung",
        prefix=document.text[third - 32 : third],
        suffix=document.text[third + 11 : third + 43],
    )

    client.post(create_url(document), data)

    assert Highlight.objects.get().start == third


def test_it_places_a_selection_from_a_stale_revision_by_its_quote(client, document, student):
    Document.objects.filter(pk=document.pk).update(revision=2)
    document.refresh_from_db()
    client.force_login(student)
    start = document.text.index(PHRASE)

    response = client.post(
        create_url(document), selection(document, start=10_000, end=10_028, revision=1)
    )

    assert response.status_code == 302
    highlight = Highlight.objects.get()
    assert (highlight.start, highlight.exact, highlight.revision) == (start, PHRASE, 2)


def test_it_refuses_a_stale_selection_whose_quote_is_gone(client, document, student):
    Document.objects.filter(pk=document.pk).update(revision=2)
    document.refresh_from_db()
    client.force_login(student)
    data = selection(document, exact="Stalin was very surprised.", revision=1)

    response = client.post(create_url(document), data)

    assert response.status_code == 422
    assert "That passage is not in this article" in response.content.decode()
    assert counts() == (0, 0)


# Bad input: a clear message, 422, and nothing changes


def past_the_end(document) -> dict:
    length = len(document.text)
    return {"start": length - 5, "end": length + 5}


BAD_INPUT = {
    "end past the text": (past_the_end, "The selection runs past the end of the text."),
    "negative start": (lambda d: {"start": -1}, "The selection did not come through."),
    "start after end": (lambda d: {"start": 700, "end": 690}, "ends before it starts"),
    "start equals end": (lambda d: {"start": 700, "end": 700}, "ends before it starts"),
    "empty selection": (lambda d: {"exact": ""}, "The selection did not come through."),
    "whitespace selection": (
        lambda d: {"start": 650, "end": 652, "exact": "\n\n", "prefix": "", "suffix": ""},
        "The selection is empty.",
    ),
    "quote not in text": (
        lambda d: {"exact": "Stalin was greatly surprised."},
        "That passage is not in this article",
    ),
    "revision from the future": (
        lambda d: {"revision": d.revision + 1},
        "The page shows a text this server does not know.",
    ),
    "note too long": (
        lambda d: {"note": "x" * 5001},
        "Ensure this value has at most 5000 characters (it has 5001).",
    ),
    "bold note": (lambda d: {"note": "<b>hi</b>"}, "Notes are plain text"),
    "script note": (lambda d: {"note": "<script>alert(1)</script>"}, "Notes are plain text"),
    "script tag alone": (lambda d: {"note": "see <script>"}, "Notes are plain text"),
    "too many tags": (
        lambda d: {"tags": ", ".join(f"tag {n}" for n in range(21))},
        "At most 20 tags per highlight; this has 21.",
    ),
    "tag too long": (
        lambda d: {"tags": "cold war, " + "a" * 51},
        "Tags are at most 50 characters",
    ),
    "markup in a tag": (lambda d: {"tags": "cold war, <x>"}, "Tags cannot contain < or >."),
    "unknown visibility": (lambda d: {"visibility": "public"}, "Select a valid choice."),
}


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_it_refuses_bad_input(client, document, student, make_highlight, changes, message):
    make_highlight(student, "Incheon landing", tags=["Stalin"])
    before = counts()
    client.force_login(student)

    response = client.post(create_url(document), selection(document, **changes(document)))

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert 'id="reading-text"' in html  # the reading view with the editor open again
    assert counts() == before
    assert "<script>alert(1)" not in html
    assert "<b>hi</b>" not in html


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_it_shows_the_editor_again_to_htmx(client, document, student, changes, message):
    client.force_login(student)

    response = client.post(
        create_url(document), selection(document, **changes(document)), headers=FROM_PANEL
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert "<html" not in html
    assert 'class="editor' in html
    assert counts() == (0, 0)


def test_it_refuses_an_empty_post(client, document, student):
    client.force_login(student)

    response = client.post(create_url(document), {})

    assert response.status_code == 422
    assert "The selection did not come through." in response.content.decode()
    assert counts() == (0, 0)


def test_it_keeps_the_note_typed_when_refusing(client, document, student):
    client.force_login(student)

    response = client.post(
        create_url(document), selection(document, note="My note", tags="a" * 51), headers=HTMX
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "My note</textarea>" in html
    assert quote_shown(html) == PHRASE


def test_it_refuses_a_post_without_csrf_token(document, student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)

    response = client.post(create_url(document), selection(document, tags="cold war"))

    assert response.status_code == 403
    assert counts() == (0, 0)


# Retries


def test_it_returns_the_same_highlight_for_a_retried_request(client, document, student):
    client.force_login(student)
    data = selection(document, tags="cold war")

    first = client.post(create_url(document), data)
    second = client.post(create_url(document), data)

    highlight = Highlight.objects.get()
    assert second.status_code == 302
    assert first.url == second.url == f"/documents/{document.slug}/#h-{highlight.pk}"
    assert counts() == (1, 1)


def test_it_returns_the_same_highlight_for_a_retried_htmx_request(client, document, student):
    client.force_login(student)
    data = selection(document)

    client.post(create_url(document), data, headers=FROM_PANEL)
    response = client.post(create_url(document), data, headers=FROM_PANEL)

    highlight = Highlight.objects.get()
    assert response.status_code == 200
    assert painted_mark(highlight) in response.content.decode()


def test_it_creates_separate_highlights_without_a_client_key(client, document, student):
    client.force_login(student)

    client.post(create_url(document), selection(document, client_key=""))
    client.post(create_url(document), selection(document, client_key=""))

    assert Highlight.objects.count() == 2


def test_it_keeps_client_keys_apart_between_users(client, document, student, classmate):
    data = selection(document)
    client.force_login(student)
    client.post(create_url(document), data)
    client.force_login(classmate)

    client.post(create_url(document), data)

    assert sorted(Highlight.objects.values_list("owner__username", flat=True)) == [
        "classmate",
        "student",
    ]


# Who may, and how


def test_it_sends_anonymous_readers_to_log_in(client, document):
    url = create_url(document)

    for response in (client.get(url, {"paragraph": 4}), client.post(url, selection(document))):
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")
    assert Highlight.objects.count() == 0


def test_it_answers_404_for_an_unknown_document(client, documents, outsider):
    client.force_login(outsider)
    url = "/documents/no-such-article/highlights/new/"

    assert client.get(url, {"paragraph": 1}).status_code == 404
    assert client.post(url, selection(documents["stalin-and-korean-war"])).status_code == 404
    assert Highlight.objects.count() == 0


def test_it_lets_an_outsider_highlight_for_themselves(client, document, outsider):
    client.force_login(outsider)

    response = client.post(create_url(document), selection(document))

    assert response.status_code == 302
    assert Highlight.objects.get().owner == outsider


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_it_refuses_other_methods(client, document, student, method):
    client.force_login(student)

    response = getattr(client, method)(create_url(document))

    assert response.status_code == 405
    assert Highlight.objects.count() == 0
