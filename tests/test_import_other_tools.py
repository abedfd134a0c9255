"""Importing annotations other tools made (docs/EXPORT.md, "Importing from other tools").

The inputs are those tools' own files (tests/data/imports/README.md): kept as they are,
they point at other texts, and each of their annotations must be reported as not placed,
with nothing written; changed only where they must point at our articles, they must be
placed by their quote, with their notes, tags, glossary links and replies.
"""

import contextlib
import copy
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.anchoring import quote_at
from annotations.importing import ImportReport, Owners, annotations_in, import_annotations
from annotations.models import Document, Highlight, Reply
from annotations.tool_formats import from_hypothesis, is_reply, kind_of
from annotations.tool_import import FileLookups, NotPlaced, import_incoming
from tests.helpers import HTMX, make_user

DATA = Path(__file__).parent / "data" / "imports"
HYPOTHESIS = DATA / "hypothesis" / "search-korea-reader.json"
HYPOTHESIS_JSONLD = DATA / "hypothesis" / "annotation-korea-reader.jsonld"
RECOGITO_JS = DATA / "recogito" / "recogito-js-korea-reader.w3c.json"
TEXT_ANNOTATOR = DATA / "recogito" / "text-annotator-korea-reader.w3c.json"
RECOGITO_2 = DATA / "recogito" / "recogito2-download-korea-reader.jsonld"
ORIGINALS = {
    DATA / "hypothesis" / "original-wikipedia-regression-testing.json": 5,
    DATA / "recogito" / "original-recogito-js-annotations.w3c.json": 4,
    DATA / "recogito" / "original-text-annotator-annotations.w3c.json": 5,
}


def run(path, *options) -> str:
    out = io.StringIO()
    call_command("import_annotations", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def summary(created, reanchored=0, present=0) -> str:
    return (
        f"{created} imported ({reanchored} placed again by their quote, 0 kept as "
        f"orphaned), {present} already present."
    )


def not_placed(output: str) -> dict[int, str]:
    """The report's unplaced annotations: their number in the file, and why."""
    return {int(n): why for n, why in re.findall(r"^Not placed: annotation (\d+) .*?: (.*)$",
                                                 output, re.MULTILINE)}  # fmt: skip


def highlight_on(phrase: str) -> Highlight:
    return Highlight.objects.get(exact__contains=phrase)


def tags_of(highlight: Highlight) -> list[str]:
    return sorted(tag.name for tag in highlight.tags.all())


def written(path: Path, data, tmp_path) -> Path:
    copy_path = tmp_path / path.name
    copy_path.write_text(json.dumps(data), encoding="utf-8")
    return copy_path


# The tools' own files, unchanged ------------------------------------------------------


@pytest.mark.parametrize("path", list(ORIGINALS), ids=lambda path: path.name)
def test_it_reports_each_annotation_of_a_tools_own_file_as_not_placed(documents, student, path):
    output = run(path, "--as", "student")

    assert set(not_placed(output)) == set(range(1, ORIGINALS[path] + 1)), output
    assert output.startswith(summary(0))
    assert not Highlight.objects.exists()
    assert not Reply.objects.exists()


def test_it_says_why_an_annotation_of_a_tools_own_file_is_not_placed(documents, student):
    output = run(DATA / "recogito" / "original-recogito-js-annotations.w3c.json", "--as", "student")

    reasons = not_placed(output)
    assert reasons[1] == "the quote “Troy” is in none of our articles"
    assert reasons[4] == "a link between annotations, not a passage of a text: not imported"


# Hypothesis' API JSON -----------------------------------------------------------------


def test_it_places_hypothesis_annotations_by_their_quote(classroom, documents, student, classmate):
    output = run(HYPOTHESIS)

    assert output.startswith(summary(3, reanchored=3)), output
    assert "1 replies imported, 0 already present." in output
    surprised = highlight_on("Stalin was hardly surprised.")
    assert (surprised.owner, surprised.document.slug) == (student, "stalin-and-korean-war")
    assert surprised.exact == "Stalin was hardly surprised."
    assert surprised.anchor_status == Highlight.AnchorStatus.REANCHORED
    archives = highlight_on("From 1992")
    assert (archives.owner, archives.document.slug) == (classmate, "stalins-hot-war")


def test_it_carries_hypothesis_notes_tags_visibility_and_times(classroom, documents):
    run(HYPOTHESIS)

    surprised = highlight_on("Stalin was hardly surprised.")
    assert surprised.note == "Why not surprised? He expected the landing?"
    assert tags_of(surprised) == ["motive"]
    assert surprised.visibility == Highlight.Visibility.CLASS  # read by group:__world__
    assert surprised.created.isoformat() == "2016-12-16T11:24:14.673557+00:00"
    at_night = highlight_on("liked to work at night")
    assert at_night.note == ""
    assert tags_of(at_night) == ["Stalin", "evidence"]
    assert at_night.visibility == Highlight.Visibility.PRIVATE  # read by its author only


def test_it_carries_a_hypothesis_reply_to_the_highlight_it_references(
    classroom, documents, classmate
):
    run(HYPOTHESIS)

    reply = Reply.objects.get()
    assert reply.highlight == highlight_on("Stalin was hardly surprised.")
    assert (reply.author, reply.classroom) == (classmate, classroom)
    assert reply.text == "I think he did not expect it, he was worried."


def test_it_reports_an_author_with_no_account_and_a_quote_in_no_article(classroom, documents):
    output = run(HYPOTHESIS)

    assert not_placed(output) == {6: "the quote “Regression testing” is in none of our articles"}
    assert (
        "Not imported: annotation 5: Hypothesis wy1stsOBEeaQlychltExbg: no account here for "
        "its author 'acct:mark@localhost'"
    ) in output
    assert not Highlight.objects.filter(exact__contains="skirmishes").exists()
    assert "Author acct:student@hypothes.is: imported as student's." in output


def test_it_adds_nothing_when_a_hypothesis_file_is_imported_twice(classroom, documents):
    run(HYPOTHESIS)
    before = sorted(Highlight.objects.values_list("pk", "note", "start", "end"))

    output = run(HYPOTHESIS)

    assert output.startswith(summary(0, present=3)), output
    assert "0 replies imported, 1 already present." in output
    assert sorted(Highlight.objects.values_list("pk", "note", "start", "end")) == before
    assert Reply.objects.count() == 1


def test_it_imports_the_replies_after_what_they_answer_whatever_the_order(
    classroom, documents, tmp_path
):
    data = json.loads(HYPOTHESIS.read_text(encoding="utf-8"))
    data["rows"].reverse()  # the reply last, now; and an answer to the reply first
    answer = copy.deepcopy(data["rows"][-1])
    answer |= {"id": "AnswerToTheReply01", "references": [data["rows"][0]["id"], answer["id"]]}
    answer |= {"text": "Worried, yes.", "user": "acct:student@hypothes.is"}
    answer["created"] = "2016-12-16T12:30:00+00:00"
    data["rows"].insert(0, answer)

    output = run(written(HYPOTHESIS, data, tmp_path))

    assert "2 replies imported" in output, output
    reply = Reply.objects.get(text__startswith="I think")
    assert Reply.objects.get(text="Worried, yes.").parent == reply


def test_it_reports_a_quote_the_named_article_does_not_have(classroom, documents, tmp_path):
    data = json.loads(HYPOTHESIS.read_text(encoding="utf-8"))
    row = data["rows"][1]  # "Stalin was hardly surprised.", said to be in another article
    row["uri"] = row["target"][0]["source"] = "https://elsewhere.example/documents/stalins-hot-war/"
    data["rows"] = [row]

    output = run(written(HYPOTHESIS, data, tmp_path))

    assert not_placed(output) == {
        1: "the quote “Stalin was hardly surprised.” is not in “Stalin's 'Hot' War”"
    }
    assert not Highlight.objects.exists()


def test_it_reports_a_reply_to_an_annotation_it_does_not_have(classroom, documents, tmp_path):
    data = json.loads(HYPOTHESIS.read_text(encoding="utf-8"))
    data["rows"] = [data["rows"][0]]  # the reply alone

    output = run(written(HYPOTHESIS, data, tmp_path))

    assert not_placed(output) == {1: "a reply to an annotation that was not imported"}
    assert not Reply.objects.exists()


# Hypothesis' JSON-LD --------------------------------------------------------------------


def test_it_imports_a_hypothesis_jsonld_annotation(classroom, documents, student):
    output = run(HYPOTHESIS_JSONLD)

    assert output.startswith(summary(1, reanchored=1)), output
    at_night = highlight_on("liked to work at night")
    assert (at_night.owner, tags_of(at_night)) == (student, ["Stalin", "evidence"])


def test_it_knows_a_hypothesis_annotation_in_either_form(classroom, documents):
    run(HYPOTHESIS)

    output = run(HYPOTHESIS_JSONLD)

    assert output.startswith(summary(0, present=1)), output


# Recogito -------------------------------------------------------------------------------


def test_it_finds_the_article_of_a_recogitojs_annotation_by_its_quote(documents, student):
    output = run(RECOGITO_JS, "--as", "student")

    assert output.startswith(summary(2)), output  # positions in our text: placed as they are
    shtykov = highlight_on("Gen. Shtykov")
    assert (shtykov.document.slug, shtykov.note) == (
        "stalin-and-korean-war",
        "The first Soviet ambassador to Pyongyang.",
    )
    assert tags_of(shtykov) == ["Soviet advisers", "ambassador"]
    assert highlight_on("the losers' tails").document.slug == "stalins-hot-war"
    assert set(not_placed(output)) == {3, 4}


def test_it_reports_a_quote_found_in_more_than_one_article(documents, student):
    output = run(TEXT_ANNOTATOR, "--as", "student")

    assert output.startswith(summary(4)), output
    assert not_placed(output) == {
        3: "the quote “Kim Il-sung” is in more than one article (“Stalin and Korean War”, "
        "“The Korean War: The view from the ‘other’ side”)"
    }


def test_it_links_recogito_identifications_to_the_glossary_by_wikidata_id(
    glossary, student, tmp_path
):
    owners = tmp_path / "owners.json"
    owners.write_text(json.dumps({"rainer": "student"}), encoding="utf-8")

    output = run(RECOGITO_2, "--owners", str(owners))

    assert output.startswith(summary(2)), output
    message = highlight_on("a coded message from Pyongyang")
    assert message.owner == student
    assert [entry.slug for entry in message.glossary_entries.all()] == ["pyongyang"]
    assert message.note == "I was there when I created this test file."
    assert not highlight_on("Gimpo airfield").glossary_entries.exists()
    assert (
        "no glossary entry here for https://pleiades.stoa.org/places/423025; the link was left out"
    ) in output


def test_it_refuses_a_recogito_author_it_cannot_match(documents):
    output = run(RECOGITO_2)

    assert (
        output.count("no account here for its author 'https://recogito.pelagios.org/rainer'") == 2
    )
    assert not Highlight.objects.exists()


def test_it_refuses_a_file_that_is_not_json(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"rows": [', encoding="utf-8")

    with pytest.raises(CommandError, match="Cannot read"):
        run(path)
    assert not Highlight.objects.exists()


# The teacher's upload page --------------------------------------------------------------


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), "application/json")


def test_it_shows_the_upload_form_to_the_classs_teacher(client, teacher, classroom):
    client.force_login(teacher)

    response = client.get(f"/classes/{classroom.pk}/import/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_file">Annotations file</label>' in html
    assert '<button type="submit" class="button">Import</button>' in html
    assert 'enctype="multipart/form-data"' in html


def test_the_class_page_links_to_the_upload(client, teacher, classroom):
    client.force_login(teacher)

    html = client.get(f"/classes/{classroom.pk}/").content.decode()

    assert f'href="/classes/{classroom.pk}/import/">Import annotations</a>' in html


def test_it_imports_an_upload_and_shows_what_became_of_each(
    client, teacher, classroom, documents, student
):
    client.force_login(teacher)

    response = client.post(f"/classes/{classroom.pk}/import/", {"file": upload(HYPOTHESIS)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "4 placed (4 placed again by their quote), 0 already here; 1 replies imported" in html
    assert "acct:mark@localhost: not a student of History 101: imported as teacher&#x27;s" in html
    assert "the quote “Regression testing” is in none of our articles" in html
    assert highlight_on("skirmishes").owner == teacher
    assert highlight_on("Stalin was hardly surprised.").owner == student


def test_it_gives_an_upload_to_the_chosen_student_and_its_assignment(
    client, teacher, classroom, assignment, student
):
    client.force_login(teacher)

    response = client.post(
        f"/classes/{classroom.pk}/import/",
        {"file": upload(TEXT_ANNOTATOR), "student": student.pk, "assignment": assignment.pk},
    )

    assert response.status_code == 200
    # Among the assignment's two articles, "Kim Il-sung" is in one only.
    assert Highlight.objects.count() == 5
    assert set(Highlight.objects.values_list("owner", "assignment")) == {
        (student.pk, assignment.pk)
    }


def test_an_upload_for_one_student_brings_no_replies(
    client, teacher, classroom, documents, student
):
    client.force_login(teacher)

    response = client.post(
        f"/classes/{classroom.pk}/import/", {"file": upload(HYPOTHESIS), "student": student.pk}
    )

    assert "replies are other people&#x27;s words" in response.content.decode()
    assert not Reply.objects.exists()
    assert set(Highlight.objects.values_list("owner", flat=True)) == {student.pk}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"rows": [', "The file is not JSON: Expecting value at line 1, column 11."),
        (b"\xff\xfe{}", "The file is not text (UTF-8)"),
        (b'{"type": "Person"}', "Expected an AnnotationCollection with items"),
    ],
)
def test_it_refuses_an_upload_that_is_not_annotations_and_writes_nothing(
    client, teacher, classroom, documents, content, message
):
    client.force_login(teacher)
    sent = SimpleUploadedFile("work.json", content, "application/json")

    response = client.post(f"/classes/{classroom.pk}/import/", {"file": sent})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Highlight.objects.exists()


def test_it_refuses_an_upload_larger_than_it_imports_at_once(
    client, teacher, classroom, documents, monkeypatch
):
    monkeypatch.setattr("annotations.import_forms.MAX_UPLOAD_IMPORT_BYTES", 1000)
    client.force_login(teacher)

    response = client.post(f"/classes/{classroom.pk}/import/", {"file": upload(HYPOTHESIS)})

    assert response.status_code == 422
    assert "at most 1,000 are imported here at once" in response.content.decode()
    assert not Highlight.objects.exists()


def test_it_answers_an_htmx_upload_with_the_form_and_report_alone(
    client, teacher, classroom, documents
):
    client.force_login(teacher)

    response = client.post(
        f"/classes/{classroom.pk}/import/", {"file": upload(RECOGITO_JS)}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="import-form">')
    assert "<h1>" not in html
    assert "2 placed" in html


def test_it_hides_the_upload_from_an_outsider(client, outsider, classroom):
    client.force_login(outsider)

    assert client.get(f"/classes/{classroom.pk}/import/").status_code == 404


def test_it_refuses_the_upload_to_a_student(client, student, classroom, documents):
    client.force_login(student)

    response = client.post(f"/classes/{classroom.pk}/import/", {"file": upload(HYPOTHESIS)})

    assert response.status_code == 403
    assert not Highlight.objects.exists()


def test_it_answers_a_put_with_405(client, teacher, classroom):
    client.force_login(teacher)

    assert client.put(f"/classes/{classroom.pk}/import/").status_code == 405


def hypothesis_file(prefix: str, count: int, authors: list[str]) -> SimpleUploadedFile:
    """`count` Hypothesis annotations as bench/imports.py makes them (in its shape): the
    authors' notes on the three articles by quote and position, tags on half, one in ten a
    reply to the one before it."""
    documents = list(Document.objects.order_by("position"))
    rows = []
    for number in range(count):
        document = documents[number % len(documents)]
        row = {
            "id": f"{prefix}{number:05d}",
            "created": f"2026-11-02T09:{number % 60:02d}:00+00:00",
            "user": f"acct:{authors[number % len(authors)]}@hypothes.is",
            "uri": "https://k.example" + document.get_absolute_url(),
            "text": f"Note {number}",
            "tags": ["evidence", "cold war"] if number % 2 else [],
            "permissions": {"read": ["group:__world__"]},
        }
        if number % 10 == 9:
            row["references"] = [f"{prefix}{number - 1:05d}"]
            row["target"] = [{"source": row["uri"]}]
        else:
            start = 40 + (number * 97) % (len(document.text) - 200)
            while document.text[start].isspace():
                start += 1
            placed = quote_at(document.text, start, start + 30 + number % 50)
            quote = {"exact": placed.exact, "prefix": placed.prefix, "suffix": placed.suffix}
            row["target"] = [
                {
                    "source": row["uri"],
                    "selector": [
                        {"type": "TextQuoteSelector", **quote},
                        {"type": "TextPositionSelector", "start": start, "end": placed.end},
                    ],
                }
            ]
        rows.append(row)
    content = json.dumps({"total": count, "rows": rows}).encode()
    return SimpleUploadedFile(f"{prefix}.json", content, "application/json")


def queries_of_upload(client, classroom, sent: SimpleUploadedFile) -> tuple[int, str]:
    sent.seek(0)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/classes/{classroom.pk}/import/", {"file": sent})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_an_upload_costs_a_few_queries_an_annotation_and_nothing_again(
    client, teacher, classroom, documents, student, classmate
):
    """What is the same for every annotation is read once for the file (the articles, the
    class's members, which keys are here already): an annotation written costs its own
    few statements (it cost 12 and more), and one found already here none."""
    client.force_login(teacher)
    authors = [student.username, classmate.username]
    small, large = hypothesis_file("small", 10, authors), hypothesis_file("large", 40, authors)

    small_queries, _ = queries_of_upload(client, classroom, small)
    large_queries, html = queries_of_upload(client, classroom, large)
    small_again, html_again = queries_of_upload(client, classroom, small)
    large_again, large_html_again = queries_of_upload(client, classroom, large)

    assert "36 placed (" in html and "4 replies imported, 0 already here; 0 not placed" in html
    assert "0 placed (0 placed again by their quote), 36 already here" in large_html_again
    assert "0 replies imported, 4 already here" in large_html_again
    assert "9 already here" in html_again
    assert Highlight.objects.count() == 45 and Reply.objects.count() == 5
    # Each is written in a transaction of its own: in a test's, a savepoint and its release.
    assert large_queries - small_queries <= 8 * 30, (small_queries, large_queries)
    assert large_again == small_again < 30, (small_again, large_again)


def test_what_another_upload_wrote_since_the_file_was_read_is_already_here(
    teacher, classroom, documents, student
):
    """The keys already here are read once for the file (FileLookups): one the same file,
    uploaded at the same time, wrote since is found when writing, and not written twice."""
    rows = annotations_in(json.loads(HYPOTHESIS.read_text(encoding="utf-8")))
    stale = FileLookups()  # read before anything was written

    def owners():
        return Owners(classroom=classroom, importer=teacher, capped=True)

    first = import_annotations(rows, owners=owners())
    again = ImportReport()
    for row in sorted(rows, key=is_reply):
        with contextlib.suppress(NotPlaced):
            import_incoming(from_hypothesis(row), again, owners(), lookups=stale)

    assert (first.created, first.replies) == (4, 1)
    assert (again.created, again.already_present) == (0, 4)
    assert (again.replies, again.replies_present) == (0, 1)
    assert Highlight.objects.count() == 4 and Reply.objects.count() == 1


def test_an_upload_is_held_to_the_cap_on_highlights_an_article(
    settings, client, teacher, classroom, documents, student
):
    """Unlike an administrator's restore (manage.py import_annotations), a teacher's
    upload writes as the editor does: no account past HIGHLIGHTS_PER_ARTICLE."""
    settings.HIGHLIGHTS_PER_ARTICLE = 1
    client.force_login(teacher)

    response = client.post(
        f"/classes/{classroom.pk}/import/", {"file": upload(TEXT_ANNOTATOR), "student": student.pk}
    )

    html = response.content.decode()
    assert "You have 1 highlights on “Stalin and Korean War”" in html
    assert Highlight.objects.filter(document__slug="stalin-and-korean-war").count() == 1


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [
        ({"id": "urn:uuid:8f0e5f4e-6f1d-4c43-9d3e-2c1b0a9e8d7c", "target": "x"}, "ours"),
        ({"korea:visibility": "private", "target": {}}, "ours"),
        (
            {
                "id": "https://k.example/annotations/8f0e5f4e-6f1d-4c43-9d3e-2c1b0a9e8d7c",
                "creator": {"type": "Person", "nickname": "student"},
                "motivation": "replying",
            },
            "ours",
        ),
        ({"@context": ["http://www.w3.org/ns/anno.jsonld", "https://k.example/ns.jsonld"]}, "ours"),
        ({"id": "AbC", "uri": "https://x.example/", "target": [{"source": "x"}]}, "Hypothesis"),
        ({"@context": "http://www.w3.org/ns/anno.jsonld", "id": "#1", "target": {}}, "W3C"),
        (
            {"id": "https://protocol.example/annotations/8f0e5f4e-6f1d-4c43-9d3e-2c1b0a9e8d7c"},
            "W3C",
        ),
    ],
)
def test_it_tells_the_formats_apart(annotation, kind):
    assert kind_of(annotation) == kind


def test_an_upload_of_our_own_export_keeps_the_classs_work_in_its_students_names(
    client, teacher, classroom, student, outsider, make_highlight, tmp_path
):
    make_highlight(student, "Stalin was hardly surprised.", note="Mine.")
    make_highlight(outsider, "Gimpo airfield", note="An outsider's.")
    path = tmp_path / "export.jsonld"
    call_command("export_annotations", "--format", "jsonld", "-o", str(path), stderr=io.StringIO())
    Highlight.objects.all().delete()
    people = get_user_model().objects.count()
    client.force_login(teacher)

    response = client.post(f"/classes/{classroom.pk}/import/", {"file": upload(path)})

    html = response.content.decode()
    assert "2 placed (0 placed again by their quote), 0 already here" in html
    assert "outsider: not a student of History 101: imported as teacher&#x27;s" in html
    assert highlight_on("Stalin was hardly surprised.").owner == student
    assert highlight_on("Gimpo airfield").owner == teacher
    assert get_user_model().objects.count() == people  # no account made from the file


def test_an_upload_for_an_assignment_places_nothing_outside_its_articles(
    client, teacher, classroom, assignment, student, tmp_path
):
    data = json.loads(HYPOTHESIS_JSONLD.read_text(encoding="utf-8"))
    data["target"][0]["source"] = "https://k.example/documents/korean-war-view-from-the-other-side/"
    path = written(HYPOTHESIS_JSONLD, data, tmp_path)
    client.force_login(teacher)

    response = client.post(
        f"/classes/{classroom.pk}/import/", {"file": upload(path), "assignment": assignment.pk}
    )

    assert (
        "“The Korean War: The view from the ‘other’ side” is not an article of the assignment"
    ) in response.content.decode()
    assert not Highlight.objects.exists()


def test_the_upload_form_costs_no_query_a_student(
    client, teacher, classroom, django_assert_max_num_queries
):
    for number in range(30):
        user = make_user(f"pupil{number}", "Pupil", f"Number {number}")
        classroom.memberships.create(user=user)
    client.force_login(teacher)

    with django_assert_max_num_queries(8):  # as many as with one student
        response = client.get(f"/classes/{classroom.pk}/import/")

    assert response.content.decode().count("(pupil") == 30


def test_it_puts_no_words_in_a_teachers_name_from_another_tool(
    classroom, documents, teacher, tmp_path
):
    data = json.loads(HYPOTHESIS.read_text(encoding="utf-8"))
    data["rows"] = [data["rows"][1] | {"user": "acct:teacher@hypothes.is"}]
    path = written(HYPOTHESIS, data, tmp_path)

    refused = run(path)
    allowed = run(path, "--allow-privileged")

    assert "its author 'acct:teacher@hypothes.is' is a teacher's or staff account here" in refused
    assert allowed.startswith(summary(1, reanchored=1)), allowed
    assert highlight_on("Stalin was hardly surprised.").owner == teacher
