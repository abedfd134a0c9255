"""Our vocabulary: the korea: terms of the JSON-LD export, defined on /ns and mapped by
the JSON-LD context on /ns.jsonld, at an IRI that a setting fixes (docs/EXPORT.md)."""

import json
import re

import pytest
from django.test import override_settings

from annotations.vocabulary import TERMS
from annotations.writes import add_reply
from tests.helpers import jsonld_items, page_html

PAGE, CONTEXT = "/ns", "/ns.jsonld"
NAMES = {term.name for term in TERMS}
ASKED = ["revision", "visibility", "anchorStatus", "hidden", "question", "sameQuestion"]
ASKED += ["helpful", "assignment", "name", "kind", "sameAs", "inReplyTo"]


def context(client) -> dict:
    response = client.get(CONTEXT)
    assert response.status_code == 200
    return json.loads(response.content)["@context"]


def korea_terms(value) -> set[str]:
    """Every korea: key anywhere in a JSON value."""
    if isinstance(value, list):
        return set().union(*map(korea_terms, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found = {key.removeprefix("korea:") for key in value if key.startswith("korea:")}
    return found.union(*map(korea_terms, value.values()))


def test_it_has_the_terms_the_issue_names():
    assert set(ASKED) <= NAMES
    assert len(NAMES) == len(TERMS)


@pytest.mark.django_db
def test_the_page_defines_each_term_at_its_own_anchor(client):
    response = client.get(PAGE)

    html = page_html(response)
    assert response["Content-Type"].startswith("text/html")
    assert re.search(r"<main\b", html) and "<h1>The Korea Reader vocabulary</h1>" in html
    assert '<dl class="vocabulary">' in html
    for term in TERMS:
        assert f'<dt id="{term.name}"><code>korea:{term.name}</code></dt>' in html
        assert term.definition.replace("'", "&#x27;") in html
    assert "<code>http://127.0.0.1:8000/ns#</code>" in html
    assert (
        '<link rel="alternate" type="application/ld+json" href="http://127.0.0.1:8000/ns.jsonld">'
        in html
    )


@pytest.mark.django_db
def test_the_context_maps_each_term_with_the_type_of_its_values(client):
    response = client.get(CONTEXT)
    terms = context(client)

    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*", "JSON-LD tools load it from anywhere"
    assert terms["korea"] == "http://127.0.0.1:8000/ns#"
    assert {key.removeprefix("korea:") for key in terms if key.startswith("korea:")} == NAMES
    assert terms["korea:revision"] == {"@id": "korea:revision", "@type": "xsd:integer"}
    assert terms["korea:hidden"]["@type"] == "xsd:boolean"
    assert terms["korea:inReplyTo"]["@type"] == terms["korea:sameAs"]["@type"] == "@id"
    assert terms["xsd"] == "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        ("application/ld+json", "application/ld+json"),
        ("application/ld+json;q=0.9, text/html", "text/html; charset=utf-8"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8"),
        ("*/*", "text/html; charset=utf-8"),
    ],
)
def test_a_terms_iri_gives_a_json_ld_tool_the_context_and_a_browser_the_page(
    client, accept, answer
):
    response = client.get(PAGE, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"] == answer
    assert "Accept" in response["Vary"]
    if answer == "application/ld+json":
        assert json.loads(response.content) == json.loads(client.get(CONTEXT).content)


@pytest.mark.django_db
def test_it_answers_only_reads(client):
    assert client.post(PAGE).status_code == 405
    assert client.post(CONTEXT).status_code == 405
    assert client.head(CONTEXT).status_code == 200


@pytest.mark.django_db
@override_settings(VOCABULARY_URL="https://reader.example.org/ns")
def test_the_vocabulary_is_where_the_setting_says_whatever_the_host(client):
    for host in ("testserver", "localhost"):
        assert context(client)["korea"] == "https://reader.example.org/ns#"
        assert "https://reader.example.org/ns#" in client.get(PAGE, HTTP_HOST=host).content.decode()


def test_the_export_uses_only_terms_the_vocabulary_defines(
    client, classroom, teacher, student, classmate, glossary, make_highlight, make_assignment
):
    """Everything the export can say, said once: each korea: key in it is defined."""
    assignment = make_assignment(classroom, title="Who started it?", days=3)
    full = make_highlight(
        student,
        "Stalin was hardly surprised.",
        note="Why?",
        visibility="class",
        assignment=assignment,
    )
    full.glossary_entries.set([glossary["joseph-stalin"]])
    question = add_reply(highlight=full, author=classmate, text="Which?", classroom=classroom.pk)
    add_reply(highlight=full, author=teacher, text="This.", classroom=classroom.pk, parent=question)
    client.force_login(teacher)

    with override_settings(VOCABULARY_URL="https://reader.example.org/ns"):
        data = json.loads(b"".join(client.get("/export/annotations.jsonld").streaming_content))

    used = korea_terms(data)
    assert {"revision", "sameAs", "inReplyTo", "assignment", "kind"} <= used
    assert used <= NAMES
    contexts = [data["@context"], data["first"]["@context"]]
    contexts += [item["@context"] for item in jsonld_items(data)]
    assert all(c[1] == "https://reader.example.org/ns.jsonld" for c in contexts)
