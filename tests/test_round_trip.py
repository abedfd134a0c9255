"""A round trip through the standards (issue 18): a tool POSTs an annotation to the Web
Annotation Protocol with a personal access token; its owner finds it painted in the
reading view; the JSON-LD export carries it and its reply; imported into a database
emptied of every person, class and annotation, both come back the same annotations."""

import io
import json

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from annotations.models import Classroom, Highlight, Reply, Tag
from annotations.tokens import create_token
from tests.helpers import PHRASE, jsonld_items, painted_mark
from tests.test_annotation_protocol import BASE, new_annotation
from tests.web_annotation_suite import check

EXPORT = "/export/annotations.jsonld"


def annotation_of(document, glossary) -> dict:
    """A highlight a tool sends: a note with a line break, a tag, a glossary entry, and a
    position beside the quote."""
    annotation = new_annotation(document)
    annotation["body"] = [
        {"type": "TextualBody", "value": "Why then?\nAnd why him?", "purpose": "commenting"},
        {"type": "TextualBody", "value": "evidence", "purpose": "tagging"},
        {
            "type": "SpecificResource",
            "purpose": "identifying",
            "source": BASE + glossary["joseph-stalin"].get_absolute_url(),
        },
    ]
    start = document.text.index(PHRASE)
    position = {"type": "TextPositionSelector", "start": start, "end": start + len(PHRASE)}
    annotation["target"]["selector"].append(position)
    return annotation


def exported(tool: Client, bearer: dict) -> list[dict]:
    response = tool.get(EXPORT, headers=bearer)
    assert response.status_code == 200, response.content[:500]
    collection = json.loads(b"".join(response.streaming_content))
    assert check("collections/collectionMusts.test", collection).musts == []
    return jsonld_items(collection)


def test_an_annotation_posted_with_a_token_comes_back_the_same_from_an_export(
    student, classroom, document, glossary, tmp_path
):
    _, secret = create_token(owner=student, name="A script", scope="read-write", days=7)
    bearer = {"Authorization": f"Bearer {secret}"}
    tool = Client(enforce_csrf_checks=True)  # a tool: no session, no CSRF cookie

    made = tool.post(
        "/annotations/",
        json.dumps(annotation_of(document, glossary)),
        content_type="application/ld+json",
        headers=bearer,
    )
    assert made.status_code == 201, made.content
    reply = tool.post(
        "/annotations/",
        json.dumps(
            {
                "@context": "http://www.w3.org/ns/anno.jsonld",
                "type": "Annotation",
                "motivation": "replying",
                "body": {"type": "TextualBody", "value": "A note to myself."},
                "target": made["Location"],
            }
        ),
        content_type="application/ld+json",
        headers=bearer,
    )
    assert reply.status_code == 201, reply.content

    # Its owner, in the browser's session, finds it painted where the quote is.
    highlight = Highlight.objects.get()
    reader = Client()
    reader.force_login(student)
    page = reader.get(document.get_absolute_url()).content.decode()
    assert painted_mark(highlight) in page
    assert "Why then?" in page  # its note, in My highlights

    # The export carries it under the address the POST answered with.
    before = exported(tool, bearer)
    assert [item["id"] for item in before] == [made["Location"], reply["Location"]]
    assert before[1]["target"] == made["Location"]
    path = tmp_path / "export.jsonld"
    path.write_text(json.dumps({"first": {"items": before}}), encoding="utf-8")

    # An empty database: nobody, no class, no annotation, no tag; the articles and the
    # glossary stay (load_documents and load_glossary make them on a new server).
    get_user_model().objects.all().delete()
    Classroom.objects.all().delete()
    Tag.objects.all().delete()
    assert (Highlight.objects.count(), Reply.objects.count()) == (0, 0)

    out = io.StringIO()
    call_command("import_annotations", str(path), stdout=out)
    assert "1 imported" in out.getvalue(), out.getvalue()
    assert "1 replies imported" in out.getvalue(), out.getvalue()

    # The author comes back by their user name; give them a token to read with again.
    author = get_user_model().objects.get()
    assert author.username == student.username
    _, again = create_token(owner=author, name="Again", scope="read", days=7)
    after = exported(tool, {"Authorization": f"Bearer {again}"})

    assert after == before
    # And the Protocol serves it at the same address.
    served = tool.get(made["Location"], headers={"Authorization": f"Bearer {again}"})
    assert served.status_code == 200
    assert {key: served.json()[key] for key in before[0]} == before[0]
