"""Our JSON-LD exports through the W3C Web Annotation data-model test suite.

The suite's own schemas (tests/data/web-annotation-tests/) are run as the W3C runner
runs them (tests/web_annotation_suite.py) on the teacher's and a student's download,
on `manage.py export_annotations --format jsonld`, on the collection, on its page, and
on each annotation (highlights and replies) taken out of it, alone.
"""

import io
import json

import pytest
from django.core.management import call_command

from annotations.models import Reply
from annotations.writes import add_reply
from tests.web_annotation_suite import (
    AGENT_OPTIONALS,
    ANNOTATION_MUSTS,
    ANNOTATION_OPTIONALS,
    COLLECTION_MUSTS,
    COLLECTION_OPTIONALS,
    PAGE_MUSTS,
    PAGE_OPTIONALS,
    SUITE,
    check,
)

URL = "/export/annotations.jsonld"
SAMPLES = SUITE / "tools" / "samples"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def failures(test: str, document) -> list[str]:
    return [str(failure) for failure in check(test, document).musts]


# The runner itself: it passes what the suite calls correct and fails what it calls wrong.


@pytest.mark.parametrize(
    "name", ["correct/anno1.json", "correct/anno15.json", "correct/anno41-example44.json"]
)
def test_the_runner_passes_the_suites_correct_annotations(name):
    assert failures(ANNOTATION_MUSTS, sample(name)) == []


def test_the_runner_passes_the_suites_correct_collection():
    collection = sample("correct/collection1.json")

    assert failures(COLLECTION_MUSTS, collection) == []
    assert failures(PAGE_MUSTS, collection) == [], "the page embedded in it"


@pytest.mark.parametrize(
    ("name", "failed"),
    [
        ("incorrect/anno3.json", "annotations/3.1-annotationContextValidated.json"),
        ("incorrect/anno6.json", "annotations/3.1-annotationIdValidated.json"),  # not a uri
        ("incorrect/anno28.json", "annotations/3.3.1-annotationCreatedValidated.json"),
        ("incorrect/anno8.json", "annotations/3.1-annotationTypeValidated.json"),
    ],
)
def test_the_runner_fails_the_suites_incorrect_annotations(name, failed):
    result = check(ANNOTATION_MUSTS, sample(name))

    assert failed in [failure.assertion for failure in result.musts]
    assert all(failure.kind == "must" for failure in result.musts)


def test_the_runner_fails_a_collection_without_an_id_or_context():
    collection = sample("correct/collection1.json")
    del collection["id"], collection["@context"]

    failed = [failure.assertion for failure in check(COLLECTION_MUSTS, collection).musts]

    assert failed == [
        "collections/5.1-collectionContextValidated.json",
        "collections/5.1-collectionIdValidated.json",
    ]


def test_the_runner_sorts_out_what_is_only_recommended():
    """An annotation with no creator and no motivation breaks no MUST, only SHOULDs."""
    result = check(ANNOTATION_OPTIONALS, sample("correct/anno1.json"))

    assert result.musts == []
    assert "annotations/3.3.5-annotationSingleMotivationImplemented.json" in [
        failure.assertion for failure in result.shoulds
    ]


# Our exports.


@pytest.fixture
def work(classroom, teacher, student, classmate, glossary, make_highlight, documents):
    """A note with tags and glossary links, a bare highlight, and a shared one with a
    thread: a classmate's question and the teacher's answer to it."""
    full = make_highlight(student, "Stalin was hardly surprised.", note="Why?", tags=["motive"])
    full.glossary_entries.set([glossary["joseph-stalin"], glossary["kathryn-weathersby"]])
    make_highlight(student, "Kim II Sung, was Stalin's puppet", doc=documents["stalins-hot-war"])
    shared = make_highlight(student, "Stalin", visibility="class", doc=documents["stalins-hot-war"])
    question = add_reply(
        highlight=shared, author=classmate, text="Which cable?", classroom=classroom.pk
    )
    add_reply(
        highlight=shared,
        author=teacher,
        text="The one of 30 January.",
        classroom=classroom.pk,
        parent=question,
    )


def download(client, user) -> dict:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def from_command(tmp_path, *options) -> dict:
    path = tmp_path / "export.jsonld"
    call_command(
        "export_annotations", "--format", "jsonld", *options, "-o", str(path), stderr=io.StringIO()
    )
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(params=["teacher", "student", "command"])
def export(request, work, client, teacher, student, tmp_path) -> dict:
    if request.param == "command":
        return from_command(tmp_path, "--base-url", "https://reader.example.org/")
    return download(client, {"teacher": teacher, "student": student}[request.param])


def test_the_collection_passes_the_suite(export):
    assert failures(COLLECTION_MUSTS, export) == []
    assert failures(PAGE_MUSTS, export) == [], "its embedded page"


def test_its_page_taken_alone_passes_the_suite(export):
    assert failures(PAGE_MUSTS, export["first"]) == []


def test_each_annotation_taken_alone_passes_the_suite(export):
    items = export["first"]["items"]
    assert {item["motivation"] for item in items} >= {"highlighting"}

    for item in items:
        assert failures(ANNOTATION_MUSTS, item) == [], item["id"]


def test_each_reply_taken_alone_passes_the_suite(work, client, teacher):
    replies = [
        item
        for item in download(client, teacher)["first"]["items"]
        if item["motivation"] == "replying"
    ]

    assert len(replies) == Reply.objects.count() == 2
    for reply in replies:
        assert failures(ANNOTATION_MUSTS, reply) == [], reply["id"]


def test_an_empty_export_passes_the_suite(client, student, documents):
    empty = download(client, student)

    assert empty["total"] == 0
    assert failures(COLLECTION_MUSTS, empty) == []
    assert failures(PAGE_MUSTS, empty) == []


# The recommendations: every SHOULD that applies to what we export holds. Those that fail
# ask for what we do not have, each for a reason:
BODY_OR_TARGET_AGENT = "a body or target is made with its annotation, by its author"
DOES_NOT_APPLY = {
    "3.1-bodyKeyFound.json": "a highlight with no note, tag or link has no body",
    "3.2.1-bodySingleFormat.json": "a highlight with no note, tag or link has no body",
    "3.2.4-bodyETBTypeTextualBody.json": "a highlight with no note, tag or link has no body",
    "3.2.1-bodySingleLanguage.json": "nobody says which language a note is written in",
    "3.2.1-targSingleLanguage.json": "the target is in an article: its source has the language",
    "3.2.1-targSingleFormat.json": "the target is in an article: its source has the format",
    "4.2.1-conformsTo.json": "we use no FragmentSelector",
    "4.2.4-prefix.json": "a reply targets a highlight, not a quote",
    "4.2.4-suffix.json": "a reply targets a highlight, not a quote",
    "3.3.1-bodyCreated.json": BODY_OR_TARGET_AGENT,
    "3.3.1-bodySingleCreator.json": BODY_OR_TARGET_AGENT,
    "3.3.1-targCreated.json": BODY_OR_TARGET_AGENT,
    "3.3.1-targSingleCreator.json": BODY_OR_TARGET_AGENT,
}
APPLIES = [  # and these hold on every annotation
    "annotations/3.3.1-annotationSingleCreatorImplemented.json",
    "annotations/3.3.5-annotationSingleMotivationImplemented.json",
    "annotations/3.3.2-annotationCreatorAgentIdImplemented.json",
    "annotations/3.3.2-annotationCreatorAgentTypeImplemented.json",
    "annotations/3.3.2-annotationCreatorAgentNicknameImplemented.json",
    "annotations/3.3.2-annotationCreatorAgentSingleNameImplemented.json",
]


def not_applying(failure) -> bool:
    """Besides those: we name no generator (a MAY), nor a creator of a body or a target
    apart from the annotation's, so what the suite asks of their descriptions is moot."""
    name = failure.assertion.rpartition("/")[2]
    moot = ("3.3.2-annotationGeneratorAgent", "3.3.2-bodyCreatorAgent", "3.3.2-targCreatorAgent")
    return name in DOES_NOT_APPLY or name.startswith(moot)


def test_the_collection_and_page_follow_the_recommendations(work, client, teacher):
    data = download(client, teacher)

    for test, document in [(COLLECTION_OPTIONALS, data), (PAGE_OPTIONALS, data["first"])]:
        result = check(test, document)
        assert result.musts == result.shoulds == []


def test_each_annotation_follows_the_recommendations_that_apply(work, client, teacher, student):
    items = (
        download(client, teacher)["first"]["items"] + download(client, student)["first"]["items"]
    )
    assert {"highlighting", "replying"} == {item["motivation"] for item in items}

    for item in items:
        for test in (ANNOTATION_OPTIONALS, AGENT_OPTIONALS):
            result = check(test, item)
            assert result.musts == []
            assert [str(f) for f in result.shoulds if not not_applying(f)] == [], item["id"]
        passed = check(ANNOTATION_OPTIONALS, item).passed + check(AGENT_OPTIONALS, item).passed
        assert set(APPLIES) <= set(passed), item["id"]
