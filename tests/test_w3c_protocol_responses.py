"""The Web Annotation Protocol's answers (/annotations/) through the W3C data-model test
suite (tests/web_annotation_suite.py), as the exports are in tests/test_w3c_data_model.py:
the container, each of its pages, each annotation it serves, and what a POST and a PUT
answer with. No MUST may fail on any of them."""

import json

import pytest

from annotations.writes import add_reply
from tests.helpers import PHRASE
from tests.test_annotation_protocol import new_annotation, post, put
from tests.web_annotation_suite import ANNOTATION_MUSTS, COLLECTION_MUSTS, PAGE_MUSTS, check

SECOND = "Kim Il-sung had reported"


def musts(test: str, document) -> list[str]:
    return [str(failure) for failure in check(test, document).musts]


@pytest.fixture
def served(client, student, classmate, classroom, make_highlight):
    """A student's view of the container: their highlight with a classmate's reply, and
    a classmate's shared one."""
    mine = make_highlight(student, PHRASE, note="Mine")
    make_highlight(classmate, SECOND, note="Theirs", visibility="class")
    add_reply(highlight=mine, author=classmate, text="Why?", classroom=classroom.pk)
    client.force_login(student)
    return client


@pytest.mark.parametrize(
    "prefer",
    [
        None,
        'return=representation; include="http://www.w3.org/ns/oa#PreferContainedIRIs"',
        'return=representation; include="http://www.w3.org/ns/ldp#PreferMinimalContainer"',
    ],
)
def test_the_container_passes_the_suite(served, prefer):
    response = served.get("/annotations/", headers={"Prefer": prefer} if prefer else {})

    assert response.status_code == 200
    assert musts(COLLECTION_MUSTS, response.json()) == []


def test_each_page_and_each_annotation_on_it_passes_the_suite(served):
    container = served.get("/annotations/").json()
    first = container["first"]
    page = served.get(first if isinstance(first, str) else first["id"]).json()

    assert musts(PAGE_MUSTS, page) == []
    assert len(page["items"]) == 3  # two highlights and the reply
    for item in page["items"]:
        assert musts(ANNOTATION_MUSTS, item) == [], item["id"]


def test_each_annotation_served_alone_passes_the_suite(served):
    page = served.get("/annotations/").json()["first"]
    items = page["items"] if isinstance(page, dict) else served.get(page).json()["items"]

    for item in items:
        response = served.get(item["id"])
        assert response.status_code == 200
        assert musts(ANNOTATION_MUSTS, response.json()) == [], item["id"]


def test_what_a_post_and_a_put_answer_with_passes_the_suite(client, student, document):
    client.force_login(student)

    made = post(client, new_annotation(document))
    changed = json.loads(made.content)
    changed["body"] = {
        "type": "TextualBody",
        "value": "On second thoughts",
        "purpose": "commenting",
    }
    edited = put(client, made["Location"], changed, **{"If-Match": made["ETag"]})

    assert (made.status_code, edited.status_code) == (201, 200)
    assert musts(ANNOTATION_MUSTS, made.json()) == []
    assert musts(ANNOTATION_MUSTS, edited.json()) == []
