"""The teacher's sheet, what "Export CSV" downloads (docs/EXPORT.md, "The teacher's sheet").

Readable headers in the documented order, one row per highlight, rows by student and
place in the text, times in the viewer's zone as a spreadsheet reads dates, replies in
one cell, and no cell a spreadsheet would run as a formula.
"""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from annotations.models import Classroom, Highlight, Membership, Reply
from tests.helpers import add_highlight, csv_highlight_ids, hide_everywhere, make_user

URL = "/export/annotations.csv"
ALL_URL = "/export/annotations-all.csv"
EXPORT_DOC = Path(__file__).resolve().parent.parent / "docs" / "EXPORT.md"
CONTRACT = [
    "Student",
    "User name",
    "Article",
    "Paragraph",
    "Quote",
    "Note",
    "Tags",
    "Glossary entries",
    "Assignment",
    "Created",
]
LIVE = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SIGNS = ("=", "+", "-", "@")


def is_live(cell: str) -> bool:
    """Would a spreadsheet, or an importer that trims the cell first, run it?"""
    return cell.startswith(LIVE) or cell.lstrip().startswith(FORMULA_SIGNS)


LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def documented_headers() -> list[str]:
    """The teacher's sheet's headers in docs/EXPORT.md (`| 1 | Student | ...`), in order."""
    section = EXPORT_DOC.read_text().split("## The teacher's sheet", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| \*\*([^*|]+)\*\* \|", section, re.M)
    assert [int(number) for number, _ in rows] == list(range(1, len(rows) + 1)), rows
    return [header for _, header in rows]


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def download(client, user, url=URL, **params) -> bytes:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def at(moment: datetime, highlight: Highlight) -> None:
    Highlight.objects.filter(pk=highlight.pk).update(created=moment, updated=moment)


def test_it_writes_the_documented_headers_in_order(client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.")

    header = next(csv.reader(io.StringIO(download(client, student).decode())))

    assert header[: len(CONTRACT)] == CONTRACT
    assert header == documented_headers()
    assert "Replies" in header and "Time zone" in header


def test_it_writes_one_row_per_highlight(client, teacher, student, classroom, documents, glossary):
    document = documents["stalin-and-korean-war"]
    many = add_highlight(student, document, "Kim Il-sung had reported", tags=["motive", "archives"])
    many.glossary_entries.set([glossary["kim-il-sung"], glossary["joseph-stalin"]])
    Reply.objects.create(highlight=many, author=teacher, text="Which source?")
    Reply.objects.create(highlight=many, author=student, text="Weathersby, 1993.")
    add_highlight(student, document, "Stalin was hardly surprised.")

    rows = rows_of(download(client, student))

    assert len(rows) == 2
    row = next(row for row in rows if row["Quote"] == "Kim Il-sung had reported")
    assert row["Tags"] == "archives; motive"
    assert row["Glossary entries"] == "Joseph Stalin; Kim Il-sung"
    assert row["Student"] == "Min-jun Kim" and row["User name"] == "student"
    assert row["Article"] == document.title
    assert row["Paragraph"] == str(document.paragraph_at(many.start).number)
    assert row["Link"] == f"http://testserver/documents/{document.slug}/#h-{many.pk}"


def test_it_sorts_by_student_then_article_then_place(
    client, teacher, classroom, documents, make_assignment
):
    assignment = make_assignment(classroom, title="Sources", days=3, documents=documents.values())
    # Usernames and creation order disagree with last name, first name.
    zhang = make_user("a-zhang", "Wei", "Zhang")
    kim_b = make_user("z-kim-b", "Bo-ra", "Kim")
    kim_j = make_user("b-kim-j", "Ji-ho", "Kim")
    for person in (zhang, kim_b, kim_j):
        Membership.objects.create(classroom=classroom, user=person, role=Membership.Role.STUDENT)
    first, second = documents["stalins-hot-war"], documents["stalin-and-korean-war"]
    assert first.position < second.position
    earlier, later = "Kim Il-sung had reported", "Stalin was hardly surprised."
    assert second.text.index(earlier) < second.text.index(later)

    def make(owner, document, phrase):
        return add_highlight(owner, document, phrase, assignment=assignment)

    made = [
        make(zhang, first, "Kim II Sung, was Stalin's puppet"),
        make(kim_j, second, later),
        make(kim_j, second, earlier),
        make(kim_b, second, later),
        make(kim_j, first, "Kim II Sung, was Stalin's puppet"),
    ]
    z_first, j_later, j_earlier, b_later, j_first = made

    ids = csv_highlight_ids(download(client, teacher, assignment=assignment.pk))

    assert ids == [b_later.pk, j_first.pk, j_earlier.pk, j_later.pk, z_first.pk]


def test_it_writes_times_in_the_current_zone_as_dates(client, settings, student, make_highlight):
    settings.TIME_ZONE = "Asia/Seoul"
    highlight = make_highlight(student, "Stalin was hardly surprised.")
    at(datetime(2026, 11, 22, 9, 15, 3, tzinfo=UTC), highlight)

    [row] = rows_of(download(client, student))

    assert row["Created"] == "2026-11-22 18:15"
    assert LOCAL_TIME.fullmatch(row["Updated"])
    assert row["Time zone"] == "Asia/Seoul"


def test_it_reads_the_zone_a_middleware_activated(tmp_path, student, make_highlight):
    highlight = make_highlight(student, "Stalin was hardly surprised.")
    at(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), highlight)
    path = tmp_path / "sheet.csv"

    with timezone.override("America/New_York"):
        call_command("export_annotations", "--as", "student", "-o", str(path), stderr=io.StringIO())

    [row] = rows_of(path.read_bytes())
    assert row["Created"] == "2026-07-01 19:30", "New York keeps summer time in July"
    assert row["Time zone"] == "America/New_York"


def test_it_joins_the_replies_in_order_with_their_authors(
    client, teacher, student, classroom, make_highlight
):
    highlight = make_highlight(student, "Stalin was hardly surprised.", visibility="class")
    asked = Reply.objects.create(
        highlight=highlight, author=teacher, text="Which source?", classroom=classroom
    )
    Reply.objects.create(
        highlight=highlight, author=student, text="Weathersby, 1993.", classroom=classroom
    )
    Reply.objects.filter(pk=asked.pk).update(created=timezone.now() - timedelta(hours=1))
    make_highlight(student, "Kim Il-sung had reported", visibility="class")

    rows = {row["Quote"]: row for row in rows_of(download(client, teacher, student="student"))}

    replies = rows["Stalin was hardly surprised."]["Replies"]
    assert replies == "Grace Park: Which source?\nMin-jun Kim: Weathersby, 1993."
    assert rows["Kim Il-sung had reported"]["Replies"] == ""


def test_it_lets_no_cell_start_a_formula(client, documents, make_assignment, make_highlight):
    mallory = make_user("=mallory", '=HYPERLINK("http://example.com","x")', "@SUM(1+1)")
    classroom = Classroom.objects.create(name="+Class =1")
    Membership.objects.create(classroom=classroom, user=mallory, role=Membership.Role.STUDENT)
    assignment = make_assignment(classroom, title="-Assignment", days=3, documents=[])
    highlight = make_highlight(
        mallory,
        '- the only "hot" war',
        doc=documents["stalins-hot-war"],
        note="=SUM(A1)",
        tags=["+1", "@cmd"],
        assignment=assignment,
    )
    Reply.objects.create(highlight=highlight, author=mallory, text="\t=x")

    [row] = rows_of(download(client, mallory))

    for header, cell in row.items():
        assert not is_live(cell), (header, cell)
    assert row["Note"] == "'=SUM(A1)"
    assert row["Quote"].startswith("'-")
    assert row["User name"] == "'=mallory"
    assert row["Class"] == "'+Class =1"
    assert row["Assignment"] == "'-Assignment"
    assert row["Replies"].startswith("'=HYPERLINK")


def test_it_says_the_flags_in_words(client, student, classroom, make_highlight):
    shared = make_highlight(student, "Stalin was hardly surprised.", visibility="class")
    Highlight.objects.filter(pk=shared.pk).update(anchor_status="orphaned")
    hide_everywhere(shared)
    make_highlight(student, "Kim Il-sung had reported")

    rows = {row["Quote"]: row for row in rows_of(download(client, student))}

    assert rows["Stalin was hardly surprised."]["Shared with class"] == "yes"
    assert rows["Stalin was hardly surprised."]["Hidden by teacher"] == "yes"
    assert rows["Stalin was hardly surprised."]["Quote in the text"] == "no longer in the text"
    assert rows["Kim Il-sung had reported"]["Shared with class"] == "no"
    assert rows["Kim Il-sung had reported"]["Quote in the text"] == "found"


@pytest.mark.parametrize("excel", [False, True])
def test_the_command_writes_what_the_web_sends(client, tmp_path, student, make_highlight, excel):
    make_highlight(student, "Stalin was hardly surprised.", note="=1+1")
    path = tmp_path / "sheet.csv"
    web = download(client, student, **({"excel": "1"} if excel else {}))

    call_command(
        "export_annotations",
        "--as",
        "student",
        "--base-url",
        "http://testserver",
        "-o",
        str(path),
        *(["--excel"] if excel else []),
        stderr=io.StringIO(),
    )

    assert path.read_bytes() == web
    assert web.startswith(b"\xef\xbb\xbf") is excel


def test_each_variant_has_its_own_file_name(client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.")
    client.force_login(student)
    today = timezone.localdate().isoformat()
    names = {}
    for label, url, params in [
        ("sheet", URL, {}),
        ("sheet for Excel", URL, {"excel": "1"}),
        ("all", ALL_URL, {}),
        ("all for Excel", ALL_URL, {"excel": "1"}),
        ("json-ld", "/export/annotations.jsonld", {}),
    ]:
        response = client.get(url, {"student": "student", **params})
        names[label] = response["Content-Disposition"]
        b"".join(response.streaming_content)

    assert names == {
        "sheet": f'attachment; filename="student_{today}.csv"',
        "sheet for Excel": f'attachment; filename="student_for-excel_{today}.csv"',
        "all": f'attachment; filename="student_all-columns_{today}.csv"',
        "all for Excel": f'attachment; filename="student_all-columns-for-excel_{today}.csv"',
        "json-ld": f'attachment; filename="student_{today}.jsonld"',
    }


def test_it_streams_the_header_first(client, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.")
    client.force_login(student)

    response = client.get(URL)

    assert response.streaming is True
    chunks = iter(response.streaming_content)
    assert next(chunks) == (",".join(documented_headers()) + "\n").encode()
    assert len(b"".join(chunks).decode().splitlines()) == 1
