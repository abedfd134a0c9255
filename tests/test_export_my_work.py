"""Download my work (`/accounts/`, the exports with `?mine=1`): every highlight the
person made and every reply they wrote, wherever it is; the highlights they replied to as
they see them now, and of one they may no longer see nothing but their own words
(docs/EXPORT.md, "Download my work")."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.export import COLUMNS
from annotations.importing import Owners, annotations_in, import_annotations
from annotations.models import Highlight, Reply
from annotations.writes import add_reply
from tests.helpers import csv_highlight_ids, hide_everywhere, jsonld_items
from tests.web_annotation_suite import ANNOTATION_MUSTS, COLLECTION_MUSTS, PAGE_MUSTS, check

SHEET = "/export/annotations.csv"
ALL_COLUMNS = "/export/annotations-all.csv"
JSONLD = "/export/annotations.jsonld"
BASE = "http://testserver"


@pytest.fixture
def thread(classroom, teacher, student, classmate, make_highlight, documents):
    """The student's own highlight; a classmate's shared one the student replied to, with
    the teacher's answer; another the student replied to that its author has since made
    private, with the classmate's and the teacher's replies on it; a classmate's shared
    highlight the student never replied to."""
    in_class = {"classroom": classroom.pk}
    own = make_highlight(student, "Stalin was hardly surprised.", note="My own note")
    seen = make_highlight(
        classmate,
        "Kim II Sung, was Stalin's puppet",
        note="Puppet?",
        visibility="class",
        doc=documents["stalins-hot-war"],
    )
    question = add_reply(highlight=seen, author=student, text="Whose puppet, then?", **in_class)
    add_reply(highlight=seen, author=teacher, text="Read the cable.", parent=question, **in_class)
    gone = make_highlight(
        classmate, "Stalin", note="A secret note", tags=["secret-tag"], visibility="class"
    )
    add_reply(highlight=gone, author=student, text="My word on a gone one", **in_class)
    add_reply(highlight=gone, author=classmate, text="The classmate's own word", **in_class)
    add_reply(highlight=gone, author=teacher, text="The teacher's word", **in_class)
    Highlight.objects.filter(pk=gone.pk).update(visibility="private")
    untouched = make_highlight(
        classmate, "the Soviet dictator liked to work at night", visibility="class"
    )
    return {"own": own, "seen": seen, "gone": gone, "untouched": untouched}


def download(client, user, url: str, query: str = "mine=1") -> bytes:
    client.force_login(user)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_the_sheet_holds_my_highlights_and_the_ones_i_replied_to(client, student, thread):
    client.force_login(student)
    response = client.get(f"{SHEET}?mine=1")
    assert f'filename="{student.username}_my-work_' in response["Content-Disposition"]
    sheet = rows(b"".join(response.streaming_content))

    links = [row["Link"].rsplit("#h-", 1)[-1] for row in sheet]
    # By student, as every sheet: the classmate (Alvarez) before the student (Kim).
    assert links[:2] == [str(thread["seen"].pk), str(thread["own"].pk)]
    assert str(thread["untouched"].pk) not in links
    seen = sheet[0]
    assert seen["Student"] == "Sofia Alvarez" and seen["Note"] == "Puppet?"
    assert seen["Replies"] == "Min-jun Kim: Whose puppet, then?\nGrace Park: Read the cable."


def test_the_sheet_gives_my_reply_on_a_highlight_i_no_longer_see_alone(client, student, thread):
    sheet = rows(download(client, student, SHEET))

    assert len(sheet) == 3
    gone = sheet[-1]
    assert gone["Replies"] == "Min-jun Kim: My word on a gone one"
    assert {name for name, value in gone.items() if value} == {"Replies", "Time zone"}
    text = json.dumps(sheet)
    for secret in ["A secret note", "secret-tag", "classmate's own word", "teacher's word"]:
        assert secret not in text


def test_all_columns_carry_my_replies_in_the_last_column(client, student, thread):
    content = download(client, student, ALL_COLUMNS)
    header = content.decode().splitlines()[0].split(",")
    table = rows(content)

    assert header[-1] == "replies" and header[:-1][0] == "highlight_id"
    by_id = {row["highlight_id"]: row for row in table}
    assert set(by_id) == {str(thread["own"].pk), str(thread["seen"].pk), ""}
    seen = json.loads(by_id[str(thread["seen"].pk)]["replies"])
    assert [(reply["author_username"], reply["text"]) for reply in seen] == [
        ("student", "Whose puppet, then?"),
        ("teacher", "Read the cable."),
    ]
    assert seen[1]["in_reply_to"] == seen[0]["id"]
    gone = by_id[""]
    assert {name for name, value in gone.items() if value} == {"replies"}
    assert [reply["text"] for reply in json.loads(gone["replies"])] == ["My word on a gone one"]
    assert "secret" not in content.decode() and "teacher's word" not in content.decode()


def test_the_jsonld_holds_my_replies_wherever_they_are(client, student, thread):
    data = json.loads(download(client, student, JSONLD))
    items = jsonld_items(data)
    ids = [item["id"] for item in items]
    key = {name: f"{BASE}/annotations/{h.client_key}" for name, h in thread.items()}

    assert data["total"] == len(items) == 5
    highlights = [item["id"] for item in items if item["motivation"] == "highlighting"]
    assert sorted(highlights) == sorted([key["own"], key["seen"]])
    assert key["gone"] not in ids and key["untouched"] not in ids
    replies = [item for item in items if item["motivation"] == "replying"]
    assert [(r["body"]["value"], r["target"]) for r in replies] == [
        ("Whose puppet, then?", key["seen"]),
        ("Read the cable.", key["seen"]),
        ("My word on a gone one", key["gone"]),
    ]
    assert "secret" not in json.dumps(data) and "teacher's word" not in json.dumps(data)


def test_the_jsonld_of_my_work_passes_the_w3c_suite(client, student, thread):
    data = json.loads(download(client, student, JSONLD))

    assert check(COLLECTION_MUSTS, data).musts == []
    assert check(PAGE_MUSTS, data["first"]).musts == []
    for item in jsonld_items(data):
        assert check(ANNOTATION_MUSTS, item).musts == [], item["id"]


def test_a_hidden_highlight_i_replied_to_gives_only_my_reply(
    client, student, classmate, classroom, make_highlight
):
    hidden = make_highlight(classmate, "Stalin", note="Hidden note", visibility="class")
    add_reply(highlight=hidden, author=student, text="Before it was hidden", classroom=classroom.pk)
    add_reply(highlight=hidden, author=classmate, text="Classmate after", classroom=classroom.pk)
    hide_everywhere(hidden)

    sheet = rows(download(client, student, SHEET))
    items = jsonld_items(json.loads(download(client, student, JSONLD)))

    assert [row["Replies"] for row in sheet] == ["Min-jun Kim: Before it was hidden"]
    assert sheet[0]["Note"] == ""
    assert [item["body"]["value"] for item in items] == ["Before it was hidden"]


def test_a_deleted_reply_does_not_bring_its_highlight(
    client, student, classmate, classroom, make_highlight
):
    theirs = make_highlight(classmate, "Stalin", visibility="class")
    reply = add_reply(highlight=theirs, author=student, text="Gone", classroom=classroom.pk)
    Reply.objects.filter(pk=reply.pk).update(deleted=reply.created, text="")

    assert rows(download(client, student, SHEET)) == []


def test_the_teachers_export_of_a_student_is_unchanged_by_it(client, teacher, student, thread):
    """A teacher's export of a student's work (`student=`) holds that student's
    highlights, not those the student replied to, in the columns it always had."""
    Highlight.objects.filter(pk=thread["own"].pk).update(visibility="class")
    query = f"student={student.username}"

    sheet = download(client, teacher, SHEET, query)
    full = download(client, teacher, ALL_COLUMNS, query)
    items = jsonld_items(json.loads(download(client, teacher, JSONLD, query)))

    assert csv_highlight_ids(sheet) == csv_highlight_ids(full) == [thread["own"].pk]
    assert full.decode().splitlines()[0] == ",".join(COLUMNS)
    assert [item["id"] for item in items] == [f"{BASE}/annotations/{thread['own'].client_key}"]


@pytest.mark.parametrize("query", ["mine=1&student=student2", "mine=1&q=Stalin", "mine=1&tag=x"])
def test_mine_takes_no_other_filter(client, student, thread, query):
    client.force_login(student)
    response = client.get(f"{SHEET}?{query}")

    assert response.status_code == 400
    assert "“mine” is the whole of your work" in response.content.decode()


@pytest.mark.parametrize("url", [SHEET, ALL_COLUMNS, JSONLD])
def test_my_work_costs_the_same_queries_however_many_replies(
    client, student, classmate, classroom, make_highlight, url
):
    client.force_login(student)

    def queries_with(phrases: list[str]) -> int:
        for number, phrase in enumerate(phrases):
            theirs = make_highlight(classmate, phrase, visibility="class")
            add_reply(highlight=theirs, author=student, text="Mine", classroom=classroom.pk)
            if number % 2:
                Highlight.objects.filter(pk=theirs.pk).update(visibility="private")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?mine=1")
            body = b"".join(response.streaming_content).decode()
        assert body.count("Mine") == Reply.objects.count()
        return len(queries)

    assert queries_with(["Stalin", "Korea"]) == queries_with(["Soviet", "Moscow", "Beijing"])


def test_importing_my_work_reports_a_reply_whose_highlight_is_absent(
    client, student, classmate, thread
):
    data = json.loads(download(client, student, JSONLD))
    Reply.objects.all().delete()
    Highlight.objects.exclude(pk=thread["seen"].pk).delete()

    report = import_annotations(annotations_in(data), owners=Owners(allow_privileged=True))

    assert (report.created, report.already_present, report.replies) == (1, 1, 2)
    assert len(report.problems) == 1
    assert "no highlight here for its target" in report.problems[0]
