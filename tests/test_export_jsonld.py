"""The JSON-LD export, checked against the W3C Web Annotation Data Model.

https://www.w3.org/TR/annotation-model/: an annotation MUST have an IRI id, the type
"Annotation" and a target; body is optional; created and modified are xsd:dateTime
with a time zone; a TextualBody has a value; a SpecificResource has a source; a
TextQuoteSelector has exact (and may have prefix and suffix); a TextPositionSelector
has start and end. docs/EXPORT.md adds the korea: properties and the body purposes.
"""

import io
import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from annotations.models import Highlight, Reply
from annotations.vocabulary import context_url
from annotations.writes import add_reply
from tests.helpers import jsonld_items, spread_highlights

URL = "/export/annotations.jsonld"
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
BASE = "http://testserver"
URN_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NOTE = 'The "traditionalist" view,\nwith =SUM(A1) and 한국어 😀 <b>kept</b> as written.'


def collection(response) -> dict:
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content).decode("utf-8"))


def by_id(data: dict) -> dict[str, dict]:
    return {item["id"]: item for item in jsonld_items(data)}


def iri(highlight: Highlight) -> str:
    """Its address in the Annotation Protocol's container."""
    return f"{BASE}/annotations/{highlight.client_key}"


def moment(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value} has no time zone"
    return parsed


@pytest.fixture
def full(student, glossary, make_highlight):
    """A highlight with a note, two tags and two links, one of them without Wikidata."""
    highlight = make_highlight(
        student, "Stalin was hardly surprised.", note=NOTE, tags=["motive", "Cold War"]
    )
    highlight.glossary_entries.set([glossary["joseph-stalin"], glossary["kathryn-weathersby"]])
    created = datetime(2026, 11, 22, 9, 15, 3, 123456, tzinfo=UTC)
    updated = datetime(2026, 11, 22, 9, 20, 41, tzinfo=UTC)
    Highlight.objects.filter(pk=highlight.pk).update(created=created, updated=updated)
    return Highlight.objects.get(pk=highlight.pk)


@pytest.fixture
def bare(student, documents, make_highlight):
    """A highlight with nothing but its passage."""
    return make_highlight(
        student, "Kim II Sung, was Stalin's puppet", doc=documents["stalins-hot-war"]
    )


@pytest.fixture
def exported(client, student, full, bare) -> dict[str, dict]:
    client.force_login(student)
    return by_id(collection(client.get(URL)))


def test_it_sends_an_annotation_collection(client, student, full, bare):
    client.force_login(student)

    data = collection(client.get(URL))

    assert data["@context"] == [ANNO_CONTEXT, context_url()], "the W3C's, then our vocabulary"
    assert data["type"] == "AnnotationCollection"
    assert data["id"] == BASE + URL
    assert data["total"] == 2
    page = data["first"]
    assert page["type"] == "AnnotationPage"
    assert page["id"] == data["last"] == f"{BASE}{URL}#page-1"
    assert page["partOf"]["id"] == data["id"]
    assert page["startIndex"] == 0
    assert {item["id"] for item in page["items"]} == {iri(full), iri(bare)}


def test_its_id_is_the_exports_own_address_with_its_query(client, student, full, bare):
    client.force_login(student)

    data = collection(client.get(URL, {"document": full.document.slug}))

    assert data["id"] == f"{BASE}{URL}?document={full.document.slug}"
    assert data["first"]["id"] == data["id"] + "#page-1"
    assert data["total"] == len(jsonld_items(data)) == 1


def test_it_counts_replies_in_the_total(client, classroom, student, classmate, full):
    Highlight.objects.filter(pk=full.pk).update(visibility="class")
    add_reply(highlight=full, author=classmate, text="Why?", classroom=classroom.pk)
    client.force_login(student)

    data = collection(client.get(URL))

    assert data["total"] == len(jsonld_items(data)) == 2
    reply = jsonld_items(data)[1]
    assert reply["id"] == f"{BASE}/annotations/{Reply.objects.get().client_key}"
    assert reply["target"] == iri(full)


def test_it_gives_each_annotation_its_context_to_stand_alone(exported):
    for item in exported.values():
        assert item["@context"] == [ANNO_CONTEXT, context_url()]


def test_it_names_each_person_by_an_opaque_id_the_same_in_every_export(
    client, student, classmate, full, make_highlight
):
    make_highlight(classmate, "Kim Il-sung had reported")
    client.force_login(student)
    first = by_id(collection(client.get(URL)))[iri(full)]["creator"]["id"]

    again = by_id(collection(client.get(URL)))[iri(full)]["creator"]["id"]
    client.force_login(classmate)
    other = jsonld_items(collection(client.get(URL)))[0]["creator"]["id"]

    assert URN_UUID.fullmatch(first)
    assert again == first
    assert other != first
    assert "student" not in first


def test_it_costs_the_same_queries_whatever_the_number_of_annotations(
    client, classroom, student, classmate, full, document
):
    client.force_login(student)
    with CaptureQueriesContext(connection) as few:
        collection(client.get(URL))
    for highlight in spread_highlights(document, [student], 5, note="More", visibility="class"):
        add_reply(highlight=highlight, author=classmate, text="Why?", classroom=classroom.pk)
        highlight.tags.add(f"tag {highlight.pk}")

    with CaptureQueriesContext(connection) as many:
        data = collection(client.get(URL))

    assert data["total"] == 11
    assert len(many) == len(few)


def test_it_gives_every_annotation_the_required_properties(exported, full, bare):
    for highlight in (full, bare):
        item = exported[iri(highlight)]
        assert item["id"] == iri(highlight)
        assert uuid.UUID(item["id"].rpartition("/")[2]) == highlight.client_key
        assert item["type"] == "Annotation"
        assert item["motivation"] == "highlighting"
        assert moment(item["created"]) == highlight.created
        assert moment(item["modified"]) == Highlight.objects.get(pk=highlight.pk).updated
        creator = item["creator"]
        assert creator["type"] == "Person"
        assert URN_UUID.fullmatch(creator["id"]), "an opaque id, not a page that is not there"
        assert creator["nickname"] == "student"
        assert creator["name"] == "Min-jun Kim"
        assert "target" in item


def test_it_keeps_the_original_times_to_the_microsecond(exported, full):
    item = exported[iri(full)]

    assert moment(item["created"]) == datetime(2026, 11, 22, 9, 15, 3, 123456, tzinfo=UTC)
    assert moment(item["modified"]) == datetime(2026, 11, 22, 9, 20, 41, tzinfo=UTC)


def test_it_makes_the_note_a_commenting_body(exported, full):
    bodies = exported[iri(full)]["body"]

    comments = [b for b in bodies if b.get("purpose") == "commenting"]
    assert comments == [
        {"type": "TextualBody", "value": NOTE, "purpose": "commenting", "format": "text/plain"}
    ]


def test_it_makes_each_tag_a_tagging_body(exported, full):
    bodies = exported[iri(full)]["body"]

    tags = [b for b in bodies if b.get("purpose") == "tagging"]
    assert all(b["type"] == "TextualBody" for b in tags)
    assert sorted(b["value"] for b in tags) == ["Cold War", "motive"]


def test_it_makes_each_glossary_link_an_identifying_body(exported, full):
    bodies = exported[iri(full)]["body"]

    links = {b["source"]: b for b in bodies if b.get("purpose") == "identifying"}
    assert set(links) == {
        f"{BASE}/glossary/joseph-stalin/",
        f"{BASE}/glossary/kathryn-weathersby/",
    }
    stalin = links[f"{BASE}/glossary/joseph-stalin/"]
    assert stalin["type"] == "SpecificResource"
    assert stalin["korea:sameAs"] == "http://www.wikidata.org/entity/Q855"
    assert stalin["korea:name"] == "Joseph Stalin"
    assert stalin["korea:kind"] == "person"
    weathersby = links[f"{BASE}/glossary/kathryn-weathersby/"]
    assert "korea:sameAs" not in weathersby
    assert weathersby["korea:name"] == "Kathryn Weathersby"


def test_it_gives_only_valid_bodies(exported):
    for item in exported.values():
        if "body" not in item:
            continue
        bodies = item["body"] if isinstance(item["body"], list) else [item["body"]]
        assert bodies, "a body, when present, is not empty"
        for body in bodies:
            assert body["purpose"] in {"commenting", "tagging", "identifying"}
            if body["type"] == "TextualBody":
                assert isinstance(body["value"], str) and body["value"]
            else:
                assert body["type"] == "SpecificResource"
                assert body["source"].startswith(f"{BASE}/glossary/")


def test_it_targets_the_passage_by_quote_and_by_position(exported, full, bare):
    for highlight in (full, bare):
        target = exported[iri(highlight)]["target"]
        assert target["source"] == f"{BASE}/documents/{highlight.document.slug}/"
        assert target["korea:revision"] == highlight.revision
        selectors = {selector["type"]: selector for selector in target["selector"]}
        assert selectors["TextQuoteSelector"] == {
            "type": "TextQuoteSelector",
            "exact": highlight.exact,
            "prefix": highlight.prefix,
            "suffix": highlight.suffix,
        }
        assert selectors["TextPositionSelector"] == {
            "type": "TextPositionSelector",
            "start": highlight.start,
            "end": highlight.end,
        }
        text = highlight.document.text
        assert text[highlight.start : highlight.end] == highlight.exact


def test_it_gives_a_bare_highlight_no_body(exported, bare):
    item = exported[iri(bare)]

    assert "body" not in item


def test_it_writes_the_korea_extensions(client, teacher, student, classroom, full, make_assignment):
    assignment = make_assignment(classroom, title="Who started it?", days=3)
    Highlight.objects.filter(pk=full.pk).update(
        assignment=assignment, visibility="class", anchor_status="reanchored"
    )
    client.force_login(teacher)

    item = by_id(collection(client.get(URL)))[iri(full)]

    assert item["korea:visibility"] == "class"
    assert item["korea:anchorStatus"] == "reanchored"
    assert item["korea:assignment"] == "Who started it?"


def test_it_sends_json_ld_as_a_stream(client, student, full, bare):
    client.force_login(student)

    response = client.get(URL)

    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming is True
    assert response["Content-Type"].startswith("application/ld+json")
    assert ANNO_CONTEXT in response["Content-Type"]
    assert response["Content-Disposition"].endswith('.jsonld"')
    assert "private" in response["Cache-Control"]
    content = b"".join(response.streaming_content)
    assert NOTE.encode() not in content, "escaped as JSON, with its quotes and line break"
    assert jsonld_items(json.loads(content))


def test_it_writes_an_empty_collection(client, student, documents):
    client.force_login(student)

    data = collection(client.get(URL))

    assert data["type"] == "AnnotationCollection"
    assert data["total"] == 0
    assert jsonld_items(data) == []


def test_it_writes_the_same_from_the_command(client, student, full, bare, tmp_path):
    path = tmp_path / "export.jsonld"
    client.force_login(student)
    web = collection(client.get(URL))

    call_command(
        "export_annotations",
        "--format",
        "jsonld",
        "--as",
        "student",
        "--base-url",
        "http://testserver/",
        "-o",
        str(path),
        stderr=io.StringIO(),
    )

    assert json.loads(path.read_text(encoding="utf-8")) == web


def test_it_writes_the_same_file_whatever_plan_postgresql_chooses(client, student, full):
    """The order of the tagging bodies must not depend on how PostgreSQL runs the query.

    Without sorting, a DISTINCT is done by sorting (tags come out by id) or by hashing
    (in no order at all); the planner picks either, so forbid sorting for once.
    """
    full.tags.set(["motive", "Cold War", "archives", "Moscow", "evidence", "purges", "Kim"])
    client.force_login(student)
    usual = collection(client.get(URL))

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
    hashed = collection(client.get(URL))

    def tags(data):
        return [b["value"] for b in jsonld_items(data)[0]["body"] if b["purpose"] == "tagging"]

    assert tags(hashed) == tags(usual)
    assert hashed == usual
