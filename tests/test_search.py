"""/search/?q=: full-text search over what the viewer may see, its filters and its export."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.models import Assignment, Highlight, Mention, Reply
from annotations.search import marked_html, marked_places
from annotations.writes import add_reply
from tests.helpers import (
    HTMX,
    add_assignment,
    add_class,
    csv_highlight_ids,
    hide_everywhere,
    page_html,
    partial_html,
    spread_highlights,
)

URL = "/search/"
OTHER_SIDE = "korean-war-view-from-the-other-side"
HOT_WAR = "stalins-hot-war"


def found(client, **query) -> list[int]:
    """The highlights a search shows, in its order (those of the page asked for)."""
    html = page_html(client.get(URL, query))
    return [int(pk) for pk in re.findall(r'<h3 id="result-(\d+)"', html)]


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def teacher_client(client, teacher):
    client.force_login(teacher)
    return client


# What a query finds -------------------------------------------------------------------


@pytest.mark.usefixtures("classroom")
def test_it_finds_other_forms_of_a_word(student_client, student, make_highlight):
    archive = make_highlight(student, "Stalin was hardly surprised.", note="Check the archive")
    archives = make_highlight(student, "Kim Il-sung had reported", note="Two archives agree")
    make_highlight(student, "North Korean army", note="Nothing to do with it")

    assert set(found(student_client, q="archives")) == {archive.pk, archives.pk}
    assert set(found(student_client, q="archive")) == {archive.pk, archives.pk}


@pytest.mark.usefixtures("classroom")
def test_it_finds_words_of_the_passage_and_marks_them(student_client, student, make_highlight):
    reported = make_highlight(student, "Kim Il-sung had reported")
    make_highlight(student, "Stalin was hardly surprised.")

    html = page_html(student_client.get(URL, {"q": "reporting"}))

    assert found(student_client, q="reporting") == [reported.pk]
    assert "Kim Il-sung had <mark>reported</mark>" in html
    assert "1 highlight found." in html


@pytest.mark.usefixtures("classroom")
def test_a_name_is_found_without_its_accents(student_client, student, make_highlight):
    cable = make_highlight(student, "Stalin was hardly surprised.", note="Štykov’s cable")

    assert found(student_client, q="Stykov") == [cable.pk]
    assert found(student_client, q="štykov") == [cable.pk]
    assert "<mark>Štykov</mark>’s cable" in page_html(student_client.get(URL, {"q": "Stykov"}))


@pytest.mark.usefixtures("classroom")
def test_it_finds_tags_and_marks_the_tag(student_client, student, make_highlight):
    tagged = make_highlight(student, "Stalin was hardly surprised.", tags=["Propaganda"])
    make_highlight(student, "Kim Il-sung had reported", note="About propaganda posters")
    make_highlight(student, "North Korean army", tags=["evidence"])

    assert len(found(student_client, q="propaganda")) == 2
    html = page_html(student_client.get(URL, {"q": "propaganda"}))
    assert (
        f'<a class="tag" href="/tags/{tagged.tags.get().slug}/"><mark>Propaganda</mark></a>' in html
    )


def test_it_finds_a_reply_only_for_those_who_may_read_it(
    client, other_teacher, student, classmate, classroom, make_highlight
):
    shared = make_highlight(student, "Stalin was hardly surprised.", visibility="class")
    # Made in History 102, which the student also takes: its class's to read, not History
    # 101's (threads: a reply is read in the class it was made in).
    other = add_class("History 102", other_teacher, student)
    Reply.objects.create(
        highlight=shared, author=other_teacher, classroom=other, text="Compare the telegrams"
    )

    for reader in (student, other_teacher):
        client.force_login(reader)
        assert found(client, q="telegram") == [shared.pk]
        assert "Compare the <mark>telegrams</mark>" in page_html(client.get(URL, {"q": "telegram"}))
    client.force_login(classmate)
    assert found(client, q="Stalin surprised") == [shared.pk]  # the highlight, yes
    assert found(client, q="telegram") == []  # but not through a reply they cannot read


@pytest.mark.usefixtures("classroom")
def test_a_websearch_query_takes_phrases_and_leaves_words_out(
    student_client, student, make_highlight
):
    both = make_highlight(student, "Stalin was hardly surprised.", note="soviet archives open")
    make_highlight(student, "Kim Il-sung had reported", note="archives of the soviet era")

    assert found(student_client, q='"soviet archives"') == [both.pk]
    assert len(found(student_client, q="archives -era")) == 1
    assert len(found(student_client, q="era or open")) == 2


# Names through the glossary -----------------------------------------------------------


@pytest.mark.usefixtures("classroom")
def test_a_name_finds_the_passages_that_name_that_person_in_any_spelling(
    student_client, student, documents, glossary, make_highlight
):
    kim = glossary["kim-il-sung"]
    assert {alias.text for alias in kim.aliases.all()} >= {"Kim II Sung", "Kim", "Kim Il Sung"}
    misspelt = make_highlight(student, "Kim II Sung, was Stalin's puppet", doc=documents[HOT_WAR])
    other_side = documents[OTHER_SIDE]
    short = make_highlight(student, "Recognizing an eager pawn in Kim", doc=other_side)
    # The glossary linked this "Kim" to him: the article had named him in full before.
    kim_at = other_side.text.index("Recognizing an eager pawn in Kim") + len(
        "Recognizing an eager pawn in "
    )
    assert Mention.objects.filter(entry=kim, document=other_side, start=kim_at).exists()
    linked = make_highlight(student, "Stalin was hardly surprised.")
    linked.glossary_entries.set([kim])
    spelt_out = make_highlight(student, "Kim Il-sung had reported")
    make_highlight(student, "North Korean army had ceased to exist")

    results = found(student_client, q="Kim Il-sung")

    assert set(results) == {misspelt.pk, short.pk, linked.pk, spelt_out.pk}
    html = page_html(student_client.get(URL, {"q": "kim il sung"}))
    assert "<mark>Kim II Sung</mark>, was Stalin&#x27;s puppet" in html
    assert "Recognizing an eager pawn in <mark>Kim</mark>" in html
    # An alias names him too; a short form alone names nobody (several share "Kim").
    assert set(found(student_client, q="Kim II Sung")) == set(results)
    assert linked.pk not in found(student_client, q="Kim")


# Filters ------------------------------------------------------------------------------


@pytest.fixture
def filtered(teacher, student, classmate, classroom, documents, glossary, make_highlight):
    """Five highlights whose notes say "archives", each different from the first in one
    filter: article, tag, glossary entry, author, assignment, date."""
    work = add_assignment(
        classroom, documents=list(documents.values()), visibility=Assignment.Visibility.CLASS
    )
    other_work = add_assignment(
        classroom, title="Later", documents=list(documents.values()), visibility="class"
    )
    note = {"note": "archives", "visibility": "class", "assignment": work}
    base = make_highlight(student, "Stalin was hardly surprised.", tags=["motive"], **note)
    base.glossary_entries.set([glossary["joseph-stalin"]])
    hot_war = documents[HOT_WAR]
    other = {
        "document": make_highlight(
            student, "Stalin's puppet", doc=hot_war, tags=["motive"], **note
        ),
        "tag": make_highlight(student, "Kim Il-sung had reported", tags=["evidence"], **note),
        "student": make_highlight(classmate, "North Korean army", tags=["motive"], **note),
        "assignment": make_highlight(
            student, "had ceased to exist", tags=["motive"], **{**note, "assignment": other_work}
        ),
    }
    old = make_highlight(student, "the only way to save", tags=["motive"], **note)
    Highlight.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
    other["date"] = old
    for highlight in other.values():
        highlight.glossary_entries.set([glossary["joseph-stalin"]])
    other["entry"] = make_highlight(student, "urgent dispatch of troops", tags=["motive"], **note)
    return base, other, work


def test_each_filter_narrows_the_search(teacher_client, student, filtered):
    base, other, work = filtered
    everything = {base.pk, *(highlight.pk for highlight in other.values())}
    assert set(found(teacher_client, q="archives")) == everything
    today = timezone.localdate().isoformat()
    filters = {
        "document": {"document": "stalin-and-korean-war"},
        "tag": {"tag": "motive"},
        "entry": {"entry": "joseph-stalin"},
        "student": {"student": student.username},
        "assignment": {"assignment": work.pk},
        "date": {"since": today, "until": today},
    }
    for name, query in filters.items():
        narrowed = set(found(teacher_client, q="archives", **query))
        assert base.pk in narrowed, name
        assert other[name].pk not in narrowed, name
    # Filters alone list what they narrow to, newest first.
    assert set(found(teacher_client, tag="evidence")) == {other["tag"].pk}


def test_a_filter_that_cannot_be_read_says_why(teacher_client, other_classroom, filtered):
    other_work = add_assignment(other_classroom, title="Not yours")
    today = timezone.localdate()
    cases = {
        "since": ({"since": "yesterday"}, "Give a date like 2026-11-22."),
        "dates": (
            {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()},
            "“Made from” must not be after “Made until”.",
        ),
        "tag": (
            {"tag": "no-such-tag"},
            "Type a tag on highlights you can see, or leave it empty.",
        ),
        "assignment": (
            {"assignment": other_work.pk},
            "Choose an assignment from the list, or Any.",
        ),
        "q": ({"q": "x" * 10_000}, "Search for at most 500 characters (this has 10000)."),
    }
    for name, (query, message) in cases.items():
        html = page_html(teacher_client.get(URL, {"q": "archives", **query}))
        assert message in html, name
        assert 'id="result-' not in html, name


def test_the_tag_filter_is_typed_and_takes_a_name_in_any_case(teacher_client, filtered):
    base, other, _ = filtered
    by_slug = set(found(teacher_client, q="archives", tag="motive"))
    assert base.pk in by_slug and other["tag"].pk not in by_slug
    for typed in ("Motive", "  MOTIVE ", "motive"):
        assert set(found(teacher_client, q="archives", tag=typed)) == by_slug, typed
    # The pages and the export the results link to carry the tag's slug.
    html = page_html(teacher_client.get(URL, {"q": "archives", "tag": "Motive"}))
    assert 'href="/export/annotations.csv?q=archives&amp;tag=motive"' in html
    # A text field completed by the tags in use (htmx fills the datalist as one types).
    field = re.search(r'<input type="text" name="tag"[^>]*>', html).group(0)
    assert 'value="Motive"' in field and 'list="search-tag-options"' in field
    assert 'hx-get="/tag-suggestions/"' in field and 'hx-push-url="false"' in field
    assert '<label for="id_tag">Tag</label>' in html
    assert '<datalist id="search-tag-options"></datalist>' in html


def test_a_tag_only_others_private_work_has_is_refused_as_one_nobody_has(
    client, student, classmate, classroom, make_highlight
):
    make_highlight(classmate, "Stalin was hardly surprised.", note="archives", tags=["secret"])
    make_highlight(classmate, "North Korean army", note="archives", tags=["shared"],
                   visibility="class")  # fmt: skip
    make_highlight(student, "Kim Il-sung had reported", note="archives", tags=["mine"])
    client.force_login(student)
    message = "Type a tag on highlights you can see, or leave it empty."
    for tag in ("secret", "Secret", "no-such-tag"):
        html = page_html(client.get(URL, {"q": "archives", "tag": tag}))
        assert message in html, tag
        assert 'id="result-' not in html and 'aria-invalid="true"' in html, tag
        assert tag not in html, tag  # not named back, not even in the field
        assert "/export/" not in html, tag
    for tag in ("shared", "mine"):
        html = page_html(client.get(URL, {"q": "archives", "tag": tag}))
        assert message not in html and html.count('<h3 id="result-') == 1, tag
    # The suggestions the field shows are the tags in use where the student can see.
    options = client.get("/tag-suggestions/", {"tag": "s"}).content.decode()
    assert 'value="shared"' in options and "secret" not in options


def test_the_empty_form_asks_no_highlights_and_few_queries(
    student_client, student, make_highlight, django_assert_max_num_queries
):
    make_highlight(student, "Stalin was hardly surprised.", note="archives", tags=["motive"])
    with CaptureQueriesContext(connection) as queries:
        html = page_html(student_client.get(URL))
    assert 'name="tag"' in html and 'name="document"' in html
    # Its choices (articles, glossary entries, assignments) and the header; nothing
    # reads the highlights or their tags until a search asks.
    asked = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in asked if "annotations_taggedhighlight" in sql]
    assert len(asked) <= 10, asked


def test_the_search_pages_badge_counts_what_the_header_counts_elsewhere(
    client, teacher, student, classroom, make_highlight
):
    shared = make_highlight(student, "Stalin was hardly surprised.", note="archives",
                            visibility="class")  # fmt: skip
    add_reply(highlight=shared, author=teacher, text="Which archives?", classroom=classroom.pk)
    client.force_login(student)
    label = 'aria-label="Notifications, 1 new"'
    assert label in page_html(client.get("/"))
    assert label in page_html(client.get(URL, {"q": "archives"}))
    assert label in page_html(client.get(URL))
    hide_everywhere(shared)  # their own highlight: still theirs to read
    assert label in page_html(client.get(URL, {"q": "archives"}))


def test_a_student_has_no_student_filter_and_cannot_use_one(
    student_client, student, classmate, filtered
):
    html = page_html(student_client.get(URL))
    assert 'name="student"' not in html
    mine = set(found(student_client, q="archives"))
    assert mine and set(found(student_client, q="archives", student=classmate.username)) == mine


# Who finds what -----------------------------------------------------------------------


def test_nobody_finds_what_they_may_not_see(
    client,
    teacher,
    student,
    classmate,
    outsider,
    classroom,
    other_classroom,
    other_student,
    other_teacher,
    document,
    make_highlight,
):
    note = {"note": "archives"}
    own_private = make_highlight(student, "Stalin was hardly surprised.", **note)
    shared = make_highlight(student, "Kim Il-sung had reported", visibility="class", **note)
    hidden = make_highlight(student, "North Korean army", visibility="class", **note)
    hide_everywhere(hidden)
    strict = add_assignment(classroom, documents=[document], min_highlights=2,
                            visibility=Assignment.Visibility.AFTER_MINIMUM)  # fmt: skip
    waiting = make_highlight(
        student, "had ceased to exist", visibility="class", assignment=strict, **note
    )
    elsewhere = make_highlight(other_student, "the only way", visibility="class", **note)
    expected = {
        student: {own_private.pk, shared.pk, hidden.pk, waiting.pk},
        classmate: {shared.pk},  # not private, hidden, nor before their own minimum
        teacher: {shared.pk, hidden.pk, waiting.pk},
        other_student: {elsewhere.pk},
        other_teacher: {elsewhere.pk},
        outsider: set(),
    }
    for user, visible in expected.items():
        client.force_login(user)
        assert set(found(client, q="archives")) == visible, user.username
    # The classmate's minimum made, the assignment's shared highlights open to them.
    for phrase in ("Stalin was hardly surprised.", "Kim Il-sung had reported"):
        make_highlight(classmate, phrase, assignment=strict)
    client.force_login(classmate)
    assert set(found(client, q="archives")) == {shared.pk, waiting.pk}


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get(URL, {"q": "archives"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/search/")


def test_it_answers_only_get(student_client):
    assert student_client.post(URL, {"q": "archives"}).status_code == 405


# Results: escaping, places, pages -----------------------------------------------------


@pytest.mark.usefixtures("classroom")
def test_a_note_holding_html_is_shown_as_text_with_its_marks(
    student_client, student, make_highlight
):
    make_highlight(
        student,
        "Stalin was hardly surprised.",
        note='<script>alert("archives")</script> & <b>archives</b>\nsecond line \x01 ',
    )
    make_highlight(student, "Kim Il-sung had reported", note="<i>archives</i> <mark>x</mark>")

    html = page_html(student_client.get(URL, {"q": "archives"}))

    assert "<script>alert" not in html and "<b>" not in html and "<i>" not in html
    # A note holding a mark character itself is shown unmarked, still escaped.
    assert "&lt;script&gt;alert(&quot;archives&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert "<br>second line" in html
    assert "&lt;i&gt;<mark>archives</mark>&lt;/i&gt; &lt;mark&gt;x&lt;/mark&gt;" in html


def test_each_result_links_to_its_place_in_the_text(
    student_client, student, assignment, document, make_highlight
):
    outside = make_highlight(student, "Stalin was hardly surprised.", note="archives")
    inside = make_highlight(
        student, "Kim Il-sung had reported", note="archives", assignment=assignment
    )

    html = page_html(student_client.get(URL, {"q": "archives"}))

    paragraph = document.paragraph_number_at(outside.start)
    assert (
        f'<a href="/documents/{document.slug}/?outside=1#h-{outside.pk}">{document.title}, '
        f"paragraph {paragraph}</a>"
    ) in html
    assert f'href="/assignments/{assignment.pk}/documents/{document.slug}/#h-{inside.pk}"' in html


@pytest.mark.usefixtures("classroom")
def test_it_pages_results_keeping_the_search(student_client, student, document):
    spread_highlights(document, [student], 45, note="archives {n}")
    spread_highlights(document, [student], 5, note="elsewhere {n}")

    html = page_html(student_client.get(URL, {"q": "archives", "document": document.slug}))
    assert "45 highlights found; 1–20 shown." in html
    assert html.count('<h3 id="result-') == 20
    assert f'href="?q=archives&amp;document={document.slug}&amp;page=2" rel="next"' in html
    last = page_html(
        student_client.get(URL, {"q": "archives", "document": document.slug, "page": 3})
    )
    assert last.count('<h3 id="result-') == 5
    assert "41–45 shown" in last
    assert 'rel="prev"' in last and 'rel="next"' not in last
    # A page that is not a number is the first; one past the end, the last.
    assert "1–20 shown" in page_html(student_client.get(URL, {"q": "archives", "page": "x"}))
    assert "41–45 shown" in page_html(student_client.get(URL, {"q": "archives", "page": 99}))


@pytest.mark.usefixtures("classroom")
def test_it_ranks_words_in_the_note_first(student_client, student, make_highlight):
    in_passage = make_highlight(student, "Stalin was hardly surprised.")
    in_note = make_highlight(student, "Kim Il-sung had reported", note="surprised me")

    assert found(student_client, q="surprised") == [in_note.pk, in_passage.pk]


def test_the_results_page_costs_the_same_queries_for_five_or_twenty_results(
    client, teacher, student, classmate, assignment, document, django_assert_max_num_queries
):
    def queries(expected: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(found(client, q="archives")) == expected
        return len(captured)

    def tagged_and_answered(highlights):
        for highlight in highlights:
            highlight.tags.add("evidence", "motive")
            Reply.objects.create(highlight=highlight, author=teacher, text="archives too")

    client.force_login(teacher)
    work = {"visibility": "class", "assignment": assignment}
    tagged_and_answered(
        spread_highlights(document, [student, classmate], 5, note="archives {n}", **work)
    )
    few = queries(5)
    tagged_and_answered(
        spread_highlights(document, [student, classmate], 40, note="archives {n}", **work)
    )
    # The viewer's classes are looked up once, for the search, its filters and the
    # header's badge of notifications; the matching replies once, for the search and
    # its page's marks.
    with django_assert_max_num_queries(18):
        many = queries(20)
    assert many == few


def test_htmx_gets_the_search_and_its_results_alone(student_client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.", note="archives")

    response = student_client.get(URL, {"q": "archives"}, headers=HTMX)

    html = partial_html(response).strip()
    assert html.startswith('<section id="search"')
    assert "<mark>archives</mark>" in html
    # The count, for the live region outside the part htmx swaps.
    assert '<div id="search-status" hx-swap-oob="innerHTML">1 highlight found.</div>' in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_page_has_one_search_field_and_other_pages_one_in_the_header(student_client):
    search = page_html(student_client.get(URL))
    assert search.count(">Search highlights</label>") == 1
    library = page_html(student_client.get("/"))
    assert '<label for="site-search" class="visually-hidden">Search highlights</label>' in library
    assert f'action="{URL}"' in library


@pytest.mark.parametrize(
    "query", ['"', "-", "or or", "!", "&", "<->", ":*", "a & | ! b", "'", "\\", "(", "🙂", " "]
)
@pytest.mark.usefixtures("classroom")
def test_websearch_garbage_finds_nothing_or_something_never_fails(
    student_client, student, make_highlight, query
):
    make_highlight(student, "Stalin was hardly surprised.", note="archives")
    response = student_client.get(URL, {"q": query})
    assert response.status_code == 200
    assert "found" in response.content.decode() or not query.strip()


def test_a_nul_in_the_query_is_refused_at_the_door(student_client):
    response = student_client.get(URL, {"q": "arch\x00ives"})
    assert response.status_code == 400


# The CSV export of a search -----------------------------------------------------------


def test_the_export_takes_the_search_and_its_filters(
    client, teacher, student, classmate, assignment, document, make_highlight
):
    work = {"visibility": "class", "assignment": assignment}
    mine = make_highlight(student, "Stalin was hardly surprised.", note="archives", **work)
    theirs = make_highlight(classmate, "Kim Il-sung had reported", note="archives", **work)
    make_highlight(student, "North Korean army", note="something else", **work)
    client.force_login(teacher)

    html = page_html(client.get(URL, {"q": "archives", "student": student.username}))
    link = f'href="/export/annotations.csv?q=archives&amp;student={student.username}"'
    assert link in html

    def exported(**query) -> set[int]:
        response = client.get("/export/annotations.csv", query)
        assert response.status_code == 200
        return set(csv_highlight_ids(b"".join(response.streaming_content)))

    assert exported(q="archives") == {mine.pk, theirs.pk}
    assert exported(q="archive", student=student.username) == {mine.pk}
    all_columns = client.get("/export/annotations-all.csv", {"q": "archives"})
    assert set(csv_highlight_ids(b"".join(all_columns.streaming_content))) == {mine.pk, theirs.pk}
    too_long = client.get("/export/annotations.csv", {"q": "x" * 10_000})
    assert too_long.status_code == 400
    assert "q: search for at most 500 characters" in too_long.content.decode()


def test_a_students_export_of_a_search_holds_only_their_own(
    client, student, classmate, assignment, make_highlight
):
    work = {"visibility": "class", "assignment": assignment}
    mine = make_highlight(student, "Stalin was hardly surprised.", note="archives", **work)
    theirs = make_highlight(classmate, "Kim Il-sung had reported", note="archives", **work)
    client.force_login(student)

    assert set(found(client, q="archives")) == {mine.pk, theirs.pk}
    response = client.get("/export/annotations.csv", {"q": "archives"})
    assert csv_highlight_ids(b"".join(response.streaming_content)) == [mine.pk]


def test_a_long_passage_is_shown_around_its_first_marked_word():
    text = "word " * 300 + "archives & <more> " + "word " * 100
    start = text.index("archives")

    html = marked_html(text, [(start, start + len("archives"))], limit=600)

    assert html.startswith("…word") and html.endswith("…")
    assert "<mark>archives</mark> &amp; &lt;more&gt;" in html
    assert len(html) < 700
    assert marked_html("short", [], limit=600) == "short"


def test_marks_are_read_back_only_from_the_text_they_mark():
    assert marked_places("a \x01b\x02 c \x01d\x02", "a b c d") == [(2, 3), (6, 7)]
    assert marked_places("a \x01b\x02", "a c") == []  # not this text: no marks


def test_export_annotations_takes_the_search_too(tmp_path, student, classroom, make_highlight):
    found = make_highlight(student, "Stalin was hardly surprised.", note="archives")
    make_highlight(student, "Kim Il-sung had reported", note="elsewhere")
    out = tmp_path / "found.csv"

    call_command("export_annotations", "--q", "archive", "--format", "csv-all", "-o", str(out))

    assert csv_highlight_ids(out.read_bytes()) == [found.pk]
