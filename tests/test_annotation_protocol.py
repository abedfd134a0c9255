"""The W3C Web Annotation Protocol at /annotations/ (annotations/protocol/), over HTTP.

The server's MUSTs as web-platform-tests' annotation-protocol/server tests name them
(server-musts-manual.html): the container's address ends in "/"; containers and
annotations answer GET, HEAD and OPTIONS (and say so in Allow), in JSON-LD, with a Link
to their type, an ETag and Vary: Accept; the container's Content-Location is its id; its
pages link to the container (partOf) and to each other (next, prev); a POST answers 201
with the new annotation's id, under the container, in Location; an update is a PUT; a
DELETE answers 204. Beside them what the Protocol says besides (Prefer, If-Match, 406,
415, 304) and what this server adds: a highlight is placed in one of our articles by its
selectors, through the reading view's save, or refused with a JSON error and nothing
written; the permissions are the reading view's (tests/test_permission_matrix.py too).
"""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotations.export import JSONLD_CONTENT_TYPE
from annotations.models import Highlight, Reply
from annotations.protocol import answers, collection
from annotations.tokens import create_token
from tests.helpers import PHRASE, painted_mark

CONTAINER = "/annotations/"
BASE = "http://testserver"
IRIS = 'return=representation; include="http://www.w3.org/ns/oa#PreferContainedIRIs"'
DESCRIPTIONS = (
    'return=representation; include="http://www.w3.org/ns/oa#PreferContainedDescriptions"'
)
MINIMAL = 'return=representation; include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'
SECOND = "Kim Il-sung had reported"


def rows() -> tuple:
    return (
        sorted(Highlight.objects.values_list("pk", "note", "visibility", "exact")),
        sorted(Reply.objects.values_list("pk", "text")),
    )


def quote(document, phrase: str = PHRASE) -> dict:
    start = document.text.index(phrase)
    end = start + len(phrase)
    return {
        "type": "TextQuoteSelector",
        "exact": phrase,
        "prefix": document.text[max(0, start - 32) : start],
        "suffix": document.text[end : end + 32],
    }


def new_annotation(document, phrase: str = PHRASE, *, base: str = BASE, **extra) -> dict:
    """A highlight as a tool would send it: its article's address (on `base`) and a
    quote selector."""
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": "Why was he not surprised?"},
        "target": {
            "source": base + document.get_absolute_url(),
            "selector": [quote(document, phrase)],
        },
        **extra,
    }


def post(client, data, **headers):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    content_type = headers.pop("content_type", "application/ld+json")
    return client.post(CONTAINER, body, content_type=content_type, headers=headers)


def put(client, url, data, **headers):
    return client.put(url, json.dumps(data), content_type="application/ld+json", headers=headers)


def iri(annotation) -> str:
    return f"{BASE}/annotations/{annotation.client_key}"


def path(annotation) -> str:
    return f"/annotations/{annotation.client_key}"


# The container


def test_it_names_the_container_with_a_slash_at_the_end():
    assert reverse("annotation-container") == CONTAINER
    assert reverse("annotation", args=[uuid.UUID(int=1)]).startswith(CONTAINER)
    assert not reverse("annotation", args=[uuid.UUID(int=1)]).endswith("/")


def test_it_serves_the_container_with_the_protocols_headers(client, student, make_highlight):
    make_highlight(student, PHRASE, note="Mine")
    client.force_login(student)

    response = client.get(CONTAINER)

    assert response.status_code == 200
    assert response["Content-Type"] == JSONLD_CONTENT_TYPE
    assert response["Link"] == (
        '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", '
        '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
    )
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert response["Vary"].split(", ")[:3] == ["Accept", "Prefer", "Authorization"]
    assert "Cookie" in response["Vary"]
    assert response["Cache-Control"] == "private"
    assert response["Accept-Post"] == JSONLD_CONTENT_TYPE
    assert response["ETag"].startswith('"') and len(response["ETag"]) > 20
    body = response.json()
    assert response["Content-Location"] == body["id"] == f"{BASE}/annotations/"
    assert body["type"] == ["BasicContainer", "AnnotationCollection"]
    assert body["total"] == 1


def test_it_embeds_the_first_page_with_the_descriptions(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Mine", tags=["evidence"])
    client.force_login(student)

    body = client.get(CONTAINER).json()

    first = body["first"]
    assert first["type"] == "AnnotationPage"
    assert first["id"] == f"{BASE}/annotations/?page=0"
    assert first["startIndex"] == 0
    assert body["last"] == first["id"]
    [item] = first["items"]
    assert item["id"] == iri(highlight)
    assert item["canonical"] == f"urn:uuid:{highlight.client_key}"
    assert item["target"]["selector"][0]["exact"] == PHRASE
    assert {"type": "TextualBody", "value": "evidence", "purpose": "tagging"} in item["body"]
    # Its own @context, as in the export: taken out of the page it still stands alone.
    assert item["@context"] == body["@context"][:2]


def test_it_gives_only_the_addresses_when_asked_prefer_contained_iris(
    client, student, make_highlight
):
    highlight = make_highlight(student, PHRASE, note="Mine")
    client.force_login(student)

    response = client.get(CONTAINER, headers={"Prefer": IRIS})

    body = response.json()
    assert body["id"] == response["Content-Location"] == f"{BASE}/annotations/?iris=1"
    assert body["first"]["items"] == [iri(highlight)]
    assert body["first"]["id"] == f"{BASE}/annotations/?iris=1&page=0"
    assert response["Preference-Applied"] == "return=representation"


def test_it_gives_the_descriptions_when_asked(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Mine")
    client.force_login(student)

    body = client.get(CONTAINER, headers={"Prefer": DESCRIPTIONS}).json()

    assert body["first"]["items"][0]["id"] == iri(highlight)
    assert body["first"]["items"][0]["body"][0]["value"] == "Mine"


def test_a_minimal_container_links_to_its_pages_only(client, student, make_highlight):
    make_highlight(student, PHRASE)
    client.force_login(student)

    body = client.get(CONTAINER, headers={"Prefer": MINIMAL}).json()

    assert body["first"] == f"{BASE}/annotations/?page=0"
    assert body["last"] == f"{BASE}/annotations/?page=0"
    assert body["total"] == 1


def test_an_empty_container_has_no_pages(client, student):
    client.force_login(student)

    body = client.get(CONTAINER).json()

    assert body["total"] == 0
    assert "first" not in body and "last" not in body
    assert client.get(CONTAINER, {"page": "0"}).status_code == 404


@pytest.fixture
def five(student, make_highlight, document, monkeypatch):
    """Five highlights of the student's, in pages of two."""
    monkeypatch.setattr(collection, "PAGE_SIZE", 2)
    words = document.text.split()
    made = []
    for n in range(5):
        phrase = " ".join(words[40 + 3 * n : 42 + 3 * n])
        made.append(make_highlight(student, phrase))
    return made


def test_it_pages_the_annotations_in_the_order_they_were_made(client, student, five):
    client.force_login(student)

    container = client.get(CONTAINER, headers={"Prefer": IRIS}).json()
    first = container["first"]
    second = client.get(first["next"]).json()
    last = client.get(container["last"]).json()

    assert container["total"] == 5
    assert container["last"] == f"{BASE}/annotations/?iris=1&page=2"
    assert first["items"] == [iri(h) for h in five[:2]]
    assert "prev" not in first
    assert second["items"] == [iri(h) for h in five[2:4]]
    assert second["startIndex"] == 2
    assert second["prev"] == first["id"]
    assert second["next"] == container["last"]
    assert second["partOf"] == {"id": f"{BASE}/annotations/?iris=1", "total": 5}
    assert last["items"] == [iri(five[4])]
    assert "next" not in last
    assert last["@context"][0] == "http://www.w3.org/ns/anno.jsonld"


def test_a_page_has_its_own_headers(client, student, five):
    client.force_login(student)

    response = client.get(CONTAINER, {"page": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == JSONLD_CONTENT_TYPE
    assert response["Vary"].startswith("Accept, Authorization")
    assert response["ETag"]
    assert [item["id"] for item in response.json()["items"]] == [iri(h) for h in five[2:4]]


def test_it_answers_404_past_the_last_page(client, student, five):
    client.force_login(student)

    response = client.get(CONTAINER, {"page": "3"})

    assert response.status_code == 404
    assert response.json()["error"] == "No such page: the pages are 0 to 2."


def test_a_page_number_that_does_not_parse_reads_as_the_container(client, student, five):
    client.force_login(student)

    response = client.get(CONTAINER, {"page": "two"})

    assert response.json()["type"] == ["BasicContainer", "AnnotationCollection"]


def test_it_lists_replies_the_viewer_reads_after_the_highlights_made_before(
    client, student, teacher, classroom, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    reply = Reply.objects.create(
        highlight=shared, author=teacher, text="Good question.", classroom=classroom
    )
    client.force_login(student)

    items = client.get(CONTAINER).json()["first"]["items"]

    assert [item["id"] for item in items] == [iri(shared), iri(reply)]
    assert items[1]["motivation"] == "replying"
    assert items[1]["body"]["value"] == "Good question."


@pytest.mark.parametrize("prefer", [IRIS, DESCRIPTIONS])
def test_the_container_costs_the_same_queries_whatever_the_number_of_annotations(
    client,
    student,
    teacher,
    classroom,
    make_highlight,
    document,
    prefer,
    django_assert_max_num_queries,
):
    words = document.text.split()
    for n in range(30):
        highlight = make_highlight(
            student, " ".join(words[40 + 3 * n : 42 + 3 * n]), tags=[f"tag{n}"]
        )
        Reply.objects.create(highlight=highlight, author=student, text=f"Reply {n}")
    client.force_login(student)

    with django_assert_max_num_queries(14):
        response = client.get(CONTAINER, headers={"Prefer": prefer})

    assert len(response.json()["first"]["items"]) == 60


# One annotation


def test_it_serves_an_annotation_with_the_protocols_headers(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Mine")
    client.force_login(student)

    response = client.get(path(highlight))

    assert response.status_code == 200
    assert response["Content-Type"] == JSONLD_CONTENT_TYPE
    assert response["Link"] == '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
    assert response["Vary"].startswith("Accept, Authorization")
    assert response["ETag"].startswith('"')
    body = response.json()
    assert body["@context"][0] == "http://www.w3.org/ns/anno.jsonld"
    assert body["id"] == iri(highlight) == response["Content-Location"]
    assert body["type"] == "Annotation"


def test_an_annotation_costs_a_few_queries(
    client, student, make_highlight, glossary, django_assert_max_num_queries
):
    highlight = make_highlight(student, PHRASE, note="Mine", tags=["a", "b", "c"])
    highlight.glossary_entries.set(list(glossary.values())[:5])
    client.force_login(student)

    with django_assert_max_num_queries(10):
        response = client.get(path(highlight))

    assert len(response.json()["body"]) == 9


def test_it_serves_a_reply_at_its_key(client, student, teacher, classroom, make_highlight):
    shared = make_highlight(student, PHRASE, visibility="class")
    reply = Reply.objects.create(
        highlight=shared, author=teacher, text="Good question.", classroom=classroom
    )
    client.force_login(student)

    body = client.get(path(reply)).json()

    assert body["id"] == iri(reply)
    assert body["motivation"] == "replying"
    assert str(shared.client_key) in body["target"]


@pytest.mark.parametrize("url", [CONTAINER, "annotation"])
def test_head_and_options_answer_200(client, student, make_highlight, url):
    highlight = make_highlight(student, PHRASE)
    url = path(highlight) if url == "annotation" else url
    client.force_login(student)

    head = client.head(url)
    options = client.options(url)

    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == client.get(url)["ETag"]
    assert options.status_code == 200
    assert "GET" in options["Allow"] and "HEAD" in options["Allow"]
    assert options["Link"]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (JSONLD_CONTENT_TYPE, JSONLD_CONTENT_TYPE),
        ("application/ld+json", JSONLD_CONTENT_TYPE),
        ("application/json", "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", JSONLD_CONTENT_TYPE),
    ],
)
def test_it_answers_in_the_media_type_asked_for(
    client, student, make_highlight, accept, content_type
):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    for url in (CONTAINER, path(highlight)):
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response.json()["id"].startswith(f"{BASE}/annotations/")


@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/xml"])
def test_it_answers_406_to_other_media_types(client, student, make_highlight, accept):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    for url in (CONTAINER, path(highlight)):
        response = client.get(url, headers={"Accept": accept})
        assert response.status_code == 406
        assert "JSON-LD" in response.json()["error"]


def test_it_answers_304_when_the_etag_is_the_one_the_tool_has(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Before")
    client.force_login(student)
    etag = client.get(path(highlight))["ETag"]
    container_etag = client.get(CONTAINER)["ETag"]

    unchanged = client.get(path(highlight), headers={"If-None-Match": etag})
    container = client.get(CONTAINER, headers={"If-None-Match": container_etag})
    Highlight.objects.filter(pk=highlight.pk).update(note="After")
    changed = client.get(path(highlight), headers={"If-None-Match": etag})

    assert (unchanged.status_code, unchanged.content, unchanged["ETag"]) == (304, b"", etag)
    assert container.status_code == 304
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_etag_differs_by_media_type(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    jsonld = client.get(path(highlight))["ETag"]
    plain = client.get(path(highlight), headers={"Accept": "application/json"})["ETag"]

    assert jsonld != plain


def test_it_answers_404_for_an_unknown_key(client, student):
    client.force_login(student)

    response = client.get(f"/annotations/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]


def test_it_refuses_other_methods(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    assert client.put(CONTAINER).status_code == 405
    assert client.delete(CONTAINER).status_code == 405
    assert client.post(path(highlight)).status_code == 405
    assert client.patch(path(highlight)).status_code == 405


# Someone logged out


@pytest.mark.parametrize("method", ["get", "head", "post", "put", "delete"])
def test_someone_logged_out_is_asked_for_a_token(client, student, make_highlight, method):
    highlight = make_highlight(student, PHRASE)
    before = rows()

    for url in (CONTAINER, path(highlight)):
        response = getattr(client, method)(url)
        if response.status_code == 405:
            continue
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="Korea Reader"'
    assert rows() == before


def test_someone_logged_out_may_ask_for_the_options(client):
    assert client.options(CONTAINER).status_code == 200


# POST: a new highlight


def test_a_post_makes_a_highlight_placed_in_the_article(client, student, document):
    client.force_login(student)

    response = post(client, new_annotation(document, tags=None))

    assert response.status_code == 201
    highlight = Highlight.objects.get()
    assert (highlight.owner, highlight.document, highlight.exact) == (student, document, PHRASE)
    assert highlight.start == document.text.index(PHRASE)
    assert highlight.note == "Why was he not surprised?"
    assert highlight.visibility == "private"
    body = response.json()
    assert body["id"] == response["Location"] == iri(highlight)
    assert body["id"].startswith(f"{BASE}{CONTAINER}")
    assert response["ETag"] == client.get(path(highlight))["ETag"]
    assert response["Content-Type"] == JSONLD_CONTENT_TYPE


def test_a_posted_highlight_is_painted_in_the_reading_view_for_its_owner(client, student, document):
    client.force_login(student)
    assert post(client, new_annotation(document)).status_code == 201
    highlight = Highlight.objects.get()

    page = client.get(document.get_absolute_url()).content.decode()

    assert painted_mark(highlight) in page
    assert "Why was he not surprised?" in page


def test_a_post_carries_tags_glossary_entries_and_who_may_see_it(
    client, student, document, glossary
):
    stalin = glossary["joseph-stalin"]
    annotation = new_annotation(document, **{"korea:visibility": "class"})
    annotation["body"] = [
        {"type": "TextualBody", "value": "A note", "purpose": "commenting"},
        {"type": "TextualBody", "value": "evidence", "purpose": "tagging"},
        {
            "type": "SpecificResource",
            "purpose": "identifying",
            "source": BASE + stalin.get_absolute_url(),
        },
    ]
    client.force_login(student)

    response = post(client, annotation)

    assert response.status_code == 201, response.json()
    highlight = Highlight.objects.get()
    assert highlight.note == "A note"
    assert [tag.name for tag in highlight.tags.all()] == ["evidence"]
    assert list(highlight.glossary_entries.all()) == [stalin]
    assert highlight.visibility == "class"


def test_a_post_keeps_the_canonical_iri(client, student, document):
    canonical = f"urn:uuid:{uuid.uuid4()}"
    client.force_login(student)

    first = post(client, new_annotation(document, canonical=canonical))
    again = post(client, new_annotation(document, canonical=canonical))

    assert first.status_code == 201
    assert first.json()["canonical"] == canonical
    assert first.json()["id"] == f"{BASE}/annotations/{canonical[9:]}"
    # Sent again (a retry after a lost answer): the one it made, nothing new.
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Highlight.objects.count() == 1


def test_a_post_with_another_ones_canonical_iri_is_refused(
    client, student, classmate, document, make_highlight
):
    theirs = make_highlight(classmate, PHRASE)
    client.force_login(student)
    before = rows()

    response = post(client, new_annotation(document, canonical=f"urn:uuid:{theirs.client_key}"))

    assert response.status_code == 409
    assert rows() == before


def test_a_post_by_position_alone_is_placed_by_its_quote(client, student, document):
    start = document.text.index(PHRASE)
    annotation = new_annotation(document)
    annotation["target"]["selector"] = [
        {"type": "TextPositionSelector", "start": start + 3, "end": start + 3 + len(PHRASE)},
        {"type": "TextQuoteSelector", "exact": PHRASE},
    ]
    client.force_login(student)

    response = post(client, annotation)

    assert response.status_code == 201
    assert Highlight.objects.get().start == start


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda a: a["target"].update(source="http://example.org/page"), "one of our articles"),
        (
            lambda a: a["target"].update(source=BASE + "/documents/no-such-article/"),
            "not one of our articles",
        ),
        (
            lambda a: a.update(target=f"{BASE}/documents/stalin-and-korean-war/"),
            "TextQuoteSelector",
        ),
        (lambda a: a["target"].update(selector=[]), "TextQuoteSelector"),
        (
            lambda a: a["target"]["selector"][0].update(exact="Words that are not in it"),
            "not in this article",
        ),
        (
            lambda a: a["target"]["selector"].append(
                {"type": "TextPositionSelector", "start": "0", "end": 5}
            ),
            "whole numbers",
        ),
        (lambda a: a.pop("target"), "needs a target"),
        (lambda a: a.update(type="Note"), '"type" is "Annotation"'),
        (lambda a: a.update(motivation="bookmarking"), "keeps highlights"),
        (lambda a: a.update(body={"type": "Image", "id": "http://x/y.png"}), "A body here"),
        (
            lambda a: a.update(
                body={"type": "TextualBody", "value": "<b>x</b>", "format": "text/html"}
            ),
            "plain text",
        ),
        (
            lambda a: a.update(
                body=[
                    {"type": "TextualBody", "value": "one"},
                    {"type": "TextualBody", "value": "two"},
                ]
            ),
            "one note",
        ),
        (lambda a: a.update(canonical="http://example.org/a/1"), "urn:uuid"),
        (lambda a: a.update({"korea:visibility": "everyone"}), "everyone"),
        (lambda a: a.update({"korea:question": "yes"}), "true or false"),
        (lambda a: a.update(body={"type": "TextualBody", "value": "x" * 20_001}), "at most"),
    ],
    ids=[
        "another-site",
        "no-such-article",
        "no-selector",
        "empty-selectors",
        "words-not-there",
        "position-not-numbers",
        "no-target",
        "not-an-annotation",
        "other-motivation",
        "image-body",
        "html-body",
        "two-notes",
        "canonical-not-urn",
        "visibility",
        "question",
        "long-note",
    ],
)
def test_a_post_that_cannot_be_a_highlight_is_refused_and_writes_nothing(
    client, student, document, change, words
):
    annotation = new_annotation(document)
    change(annotation)
    client.force_login(student)
    before = rows()

    response = post(client, annotation)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    said = response.json()
    assert words in said["error"] or words in json.dumps(said), said
    assert rows() == before


@pytest.mark.parametrize(
    ("body", "status"),
    [("{not json", 400), ("[1, 2]", 400), ('"text"', 400), (b"\xff\xfe", 400)],
)
def test_a_body_that_is_not_one_json_object_is_refused(client, student, body, status):
    client.force_login(student)

    response = post(client, body)

    assert response.status_code == status
    assert response.json()["error"]
    assert rows() == ([], [])


def test_a_post_in_another_media_type_is_refused_with_415(client, student, document):
    client.force_login(student)

    response = client.post(CONTAINER, {"target": "x"})

    assert response.status_code == 415
    assert "application/ld+json" in response["Accept-Post"]
    assert rows() == ([], [])


def test_a_post_is_capped_as_a_save_is(client, student, document, settings):
    settings.HIGHLIGHTS_PER_ARTICLE = 1
    client.force_login(student)
    assert post(client, new_annotation(document)).status_code == 201
    before = rows()

    response = post(client, new_annotation(document, SECOND))

    assert response.status_code == 429
    assert "the most one account may have" in response.json()["error"]
    assert rows() == before


def test_past_the_rate_a_tool_is_told_in_json(client, student, document, settings):
    settings.WRITE_LIMITS = {**settings.WRITE_LIMITS, "annotations": "1/m"}
    client.force_login(student)
    assert post(client, new_annotation(document), Accept=JSONLD_CONTENT_TYPE).status_code == 201
    before = rows()

    response = post(client, new_annotation(document, SECOND), Accept=JSONLD_CONTENT_TYPE)

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json() == {
        "error": "too_many_requests",
        "error_description": "Writing annotations through the Web Annotation Protocol: at "
        "most 1 a minute, and that many came just now. Try again in a minute. Nothing was "
        "changed.",
    }
    assert rows() == before


def test_a_post_in_an_assignment_counts_for_it(client, student, document, assignment):
    annotation = new_annotation(
        document, **{"korea:assignment": f"{BASE}/assignments/{assignment.pk}/"}
    )
    client.force_login(student)

    response = post(client, annotation)

    assert response.status_code == 201, response.json()
    assert Highlight.objects.get().assignment == assignment


def test_a_post_in_someone_elses_assignment_is_refused(client, outsider, document, assignment):
    annotation = new_annotation(
        document, **{"korea:assignment": f"{BASE}/assignments/{assignment.pk}/"}
    )
    client.force_login(outsider)

    response = post(client, annotation)

    assert response.status_code == 400
    assert "not an assignment of yours" in response.json()["error"]
    assert rows() == ([], [])


# POST: a reply


def reply_to(target: str, text: str = "Which date?") -> dict:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "replying",
        "body": {"type": "TextualBody", "value": text, "purpose": "replying"},
        "target": target,
    }


def test_a_replying_post_is_a_reply_in_the_class(
    client, student, classmate, classroom, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    client.force_login(classmate)

    response = post(client, reply_to(iri(shared)))

    assert response.status_code == 201, response.json()
    reply = Reply.objects.get()
    assert (reply.highlight, reply.author, reply.classroom) == (shared, classmate, classroom)
    assert reply.text == "Which date?"
    assert response["Location"] == iri(reply)
    assert response.json()["motivation"] == "replying"


def test_a_reply_to_a_reply_answers_it_in_its_thread(
    client, student, classmate, teacher, classroom, make_highlight
):
    shared = make_highlight(student, PHRASE, visibility="class")
    first = Reply.objects.create(
        highlight=shared, author=teacher, text="Look again.", classroom=classroom
    )
    client.force_login(classmate)

    response = post(client, reply_to(f"urn:uuid:{first.client_key}", "Where?"))

    assert response.status_code == 201, response.json()
    answer = Reply.objects.get(text="Where?")
    assert (answer.highlight, answer.parent) == (shared, first)


def test_a_reply_with_the_canonical_iri_of_ones_own_highlight_is_refused(
    client, student, classroom, make_highlight
):
    own = make_highlight(student, PHRASE, visibility="class")
    client.force_login(student)

    response = post(client, {**reply_to(iri(own)), "canonical": f"urn:uuid:{own.client_key}"})

    assert response.status_code == 409
    assert Reply.objects.count() == 0


def test_a_reply_to_a_highlight_one_may_not_see_is_404(
    client, student, other_student, other_classroom, make_highlight
):
    private = make_highlight(student, PHRASE)
    client.force_login(other_student)

    response = post(client, reply_to(iri(private)))

    assert response.status_code == 404
    assert Reply.objects.count() == 0


def test_a_reply_outside_any_shared_class_is_403(client, student, make_highlight, outsider):
    own = make_highlight(student, PHRASE)
    client.force_login(student)

    response = post(client, reply_to(iri(own)))

    assert response.status_code == 403
    assert "class you share" in response.json()["error"]
    assert Reply.objects.count() == 0


@pytest.mark.parametrize(
    "target", ["http://example.org/annotations/1", f"{BASE}/documents/stalin-and-korean-war/"]
)
def test_a_reply_must_target_an_annotation_here(client, student, classroom, target):
    client.force_login(student)

    response = post(client, reply_to(target))

    assert response.status_code == 400
    assert "annotation here" in response.json()["error"]


# PUT


def edited(client, highlight, **changes) -> dict:
    body = client.get(path(highlight)).json()
    body.update(changes)
    return body


def test_a_put_with_the_etag_replaces_what_the_highlight_says(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Before")
    client.force_login(student)
    etag = client.get(path(highlight))["ETag"]
    body = edited(client, highlight, body={"type": "TextualBody", "value": "After"})

    response = put(client, path(highlight), body, **{"If-Match": etag})

    assert response.status_code == 200, response.json()
    assert Highlight.objects.get().note == "After"
    assert response.json()["body"][0]["value"] == "After"
    assert response["ETag"] != etag
    assert response["ETag"] == client.get(path(highlight))["ETag"]


def test_a_put_without_if_match_is_428(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Before")
    client.force_login(student)
    before = rows()

    response = put(client, path(highlight), edited(client, highlight, body=[]))

    assert response.status_code == 428
    assert "If-Match" in response.json()["error"]
    assert rows() == before


def test_a_put_with_a_stale_etag_is_412(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Before")
    client.force_login(student)
    stale = client.get(path(highlight))["ETag"]
    Highlight.objects.filter(pk=highlight.pk).update(note="Changed meanwhile")
    before = rows()

    response = put(
        client, path(highlight), edited(client, highlight, body=[]), **{"If-Match": stale}
    )

    assert response.status_code == 412
    assert rows() == before


def test_if_match_compares_strongly(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Before")
    client.force_login(student)
    etag = client.get(path(highlight))["ETag"]

    weak = put(
        client, path(highlight), edited(client, highlight, body=[]), **{"If-Match": f"W/{etag}"}
    )
    anything = put(client, path(highlight), edited(client, highlight, body=[]), **{"If-Match": "*"})

    assert weak.status_code == 412
    assert anything.status_code == 200
    assert Highlight.objects.get().note == ""


def test_a_put_may_send_the_etag_of_the_json_it_read(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Before")
    client.force_login(student)
    etag = client.get(path(highlight), headers={"Accept": "application/json"})["ETag"]

    response = put(
        client, path(highlight), edited(client, highlight, body=[]), **{"If-Match": etag}
    )

    assert response.status_code == 200
    assert Highlight.objects.get().note == ""


def test_a_put_cannot_move_the_highlight(client, student, make_highlight, document):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)
    etag = client.get(path(highlight))["ETag"]
    body = edited(client, highlight)
    body["target"]["selector"][0]["exact"] = SECOND
    before = rows()

    response = put(client, path(highlight), body, **{"If-Match": etag})

    assert response.status_code == 400
    assert "target cannot change" in response.json()["error"]
    assert rows() == before


def test_a_put_edits_a_reply(client, student, classmate, classroom, make_highlight):
    shared = make_highlight(student, PHRASE, visibility="class")
    reply = Reply.objects.create(
        highlight=shared, author=classmate, text="Before", classroom=classroom
    )
    client.force_login(classmate)
    response = client.get(path(reply))
    body = response.json()
    body["body"]["value"] = "After"

    answer = put(client, path(reply), body, **{"If-Match": response["ETag"]})

    assert answer.status_code == 200, answer.json()
    assert Reply.objects.get().text == "After"


def test_only_the_author_may_put(client, student, classmate, classroom, make_highlight):
    shared = make_highlight(student, PHRASE, note="Mine", visibility="class")
    client.force_login(classmate)
    etag = client.get(path(shared))["ETag"]
    before = rows()

    response = put(client, path(shared), edited(client, shared, body=[]), **{"If-Match": etag})

    assert response.status_code == 403
    assert response.json()["error"] == "Only the author of a highlight can change it."
    assert rows() == before


# DELETE


def test_a_delete_answers_204_and_the_annotation_is_gone(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE)
    client.force_login(student)

    response = client.delete(path(highlight))

    assert response.status_code == 204
    assert not Highlight.objects.exists()
    assert client.get(path(highlight)).status_code == 404


def test_a_delete_honours_if_match(client, student, make_highlight):
    highlight = make_highlight(student, PHRASE, note="Before")
    client.force_login(student)
    stale = client.get(path(highlight))["ETag"]
    Highlight.objects.filter(pk=highlight.pk).update(note="Changed meanwhile")

    refused = client.delete(path(highlight), headers={"If-Match": stale})
    fresh = client.get(path(highlight))["ETag"]
    deleted = client.delete(path(highlight), headers={"If-Match": fresh})

    assert refused.status_code == 412
    assert deleted.status_code == 204
    assert not Highlight.objects.exists()


def test_a_delete_of_a_reply(client, student, classmate, classroom, make_highlight):
    shared = make_highlight(student, PHRASE, visibility="class")
    reply = Reply.objects.create(
        highlight=shared, author=classmate, text="Mine", classroom=classroom
    )
    client.force_login(classmate)

    assert client.delete(path(reply)).status_code == 204
    assert not Reply.objects.exists()


def test_only_the_author_may_delete(client, student, teacher, classroom, make_highlight):
    shared = make_highlight(student, PHRASE, visibility="class")
    client.force_login(teacher)

    response = client.delete(path(shared))

    assert response.status_code == 403
    assert Highlight.objects.exists()


# Writes need the CSRF token in a session


def test_a_session_write_needs_the_csrf_token(student, document, make_highlight):
    from django.test import Client

    highlight = make_highlight(student, PHRASE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)

    assert post(client, new_annotation(document, SECOND)).status_code == 403
    assert client.delete(path(highlight)).status_code == 403
    assert Highlight.objects.count() == 1


def test_a_body_past_the_upload_limit_is_413(client, student, document, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    client.force_login(student)

    response = post(
        client, new_annotation(document, body={"type": "TextualBody", "value": "x" * 300})
    )

    assert response.status_code == 413
    assert response.json()["error"] == "The annotation is too large."
    assert rows() == ([], [])


# Archived classes: their work is read, not changed (access.ARCHIVED)


@pytest.fixture
def archived_work(student, classmate, classroom, make_highlight):
    shared = make_highlight(student, PHRASE, visibility="class")
    reply = Reply.objects.create(
        highlight=shared, author=classmate, text="Mine", classroom=classroom
    )
    classroom.archived = timezone.now()
    classroom.save()
    return shared, reply


def test_in_an_archived_class_a_reply_is_read_not_changed(client, classmate, archived_work):
    shared, reply = archived_work
    client.force_login(classmate)
    read = client.get(path(reply))
    before = rows()

    edit = put(client, path(reply), read.json(), **{"If-Match": read["ETag"]})
    delete = client.delete(path(reply))
    new = post(client, reply_to(iri(shared)))

    assert read.status_code == 200
    assert (edit.status_code, delete.status_code, new.status_code) == (403, 403, 403)
    assert "archived" in edit.json()["error"]
    assert rows() == before


# Tokens (annotations/tokens.py): a tool sends one instead of a session and a CSRF token


@pytest.mark.parametrize(("scope", "status"), [("read-write", 201), ("read", 403)])
def test_a_tool_writes_with_a_read_write_token_and_only_reads_with_a_read_one(
    student, document, scope, status
):
    token, secret = create_token(owner=student, name="A script", scope=scope, days=7)
    tool = Client(enforce_csrf_checks=True)  # no session, no cookie: the token alone
    bearer = {"Authorization": f"Bearer {secret}"}

    listed = tool.get(CONTAINER, headers=bearer)
    made = post(tool, new_annotation(document), **bearer)

    assert listed.status_code == 200
    assert made.status_code == status
    assert Highlight.objects.filter(owner=student).count() == (1 if status == 201 else 0)
    if status == 201:
        assert made.json()["creator"]["nickname"] == student.username


# Prefer, as the Protocol and LDP spell it


@pytest.mark.parametrize(
    ("header", "iris", "minimal"),
    [
        ("", False, False),
        ("return=minimal", False, False),
        (IRIS, True, False),
        (DESCRIPTIONS, False, False),
        (MINIMAL, False, True),
        (
            'return=representation; include="http://www.w3.org/ns/ldp#PreferMinimalContainer '
            'http://www.w3.org/ns/oa#PreferContainedIRIs"',
            True,
            True,
        ),
        (
            'return=representation; omit="http://www.w3.org/ns/oa#PreferContainedDescriptions"',
            True,
            False,
        ),
        (
            'return=representation; omit="http://www.w3.org/ns/oa#PreferContainedDescriptions '
            'http://www.w3.org/ns/oa#PreferContainedIRIs"',
            True,
            True,
        ),
        ('include="http://www.w3.org/ns/oa#PreferContainedIRIs"', False, False),
    ],
)
def test_it_reads_the_preference(rf, header, iris, minimal):
    request = rf.get(CONTAINER, headers={"Prefer": header} if header else {})

    preference = answers.Preference.of(request, iris=False)

    assert (preference.iris, preference.minimal) == (iris, minimal)
