"""Constants and plain helpers shared by the tests; the fixtures are in tests/conftest.py."""

import csv
import io
import itertools
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from annotations.anchoring import quote_at
from annotations.models import (
    Assignment,
    ClassHide,
    Classroom,
    Highlight,
    Membership,
    Reply,
    Tag,
    TaggedHighlight,
)

PASSWORD = "correct-horse-battery"
PHRASE = "Stalin was hardly surprised."
# The request headers htmx sends, for the test client's `headers=`.
HTMX = {"HX-Request": "true"}
FROM_PANEL = {"HX-Request": "true", "HX-Target": "panel"}  # from a form in the side panel


def make_user(username: str, first_name: str, last_name: str):
    return get_user_model().objects.create_user(
        username, password=PASSWORD, first_name=first_name, last_name=last_name
    )


# A learning platform as staff register it (lti_register's flags, the platforms page).
MOODLE = {
    "issuer": "https://moodle.example.org",
    "client_id": "Xc7Gq2",
    "deployment_id": "3",
    "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
    "keyset_url": "https://moodle.example.org/mod/lti/certs.php",
}


def add_class(name: str, teacher, *students) -> Classroom:
    classroom = Classroom.objects.create(name=name)
    Membership.objects.create(classroom=classroom, user=teacher, role=Membership.Role.TEACHER)
    for student in students:
        Membership.objects.create(classroom=classroom, user=student, role=Membership.Role.STUDENT)
    return classroom


def add_assignment(classroom, *, documents=(), required_entries=(), days=7, **fields) -> Assignment:
    """An assignment for `classroom`, due in `days`, over `documents`, asking for
    `required_entries`; its other fields as `fields` say (the title has a default)."""
    fields.setdefault("title", "Stalin and the war")
    assignment = Assignment.objects.create(
        classroom=classroom, due=timezone.now() + timedelta(days=days), **fields
    )
    assignment.documents.set(documents)
    assignment.required_entries.set(required_entries)
    return assignment


def place(document, phrase: str):
    """The anchor of the first occurrence of `phrase` in the document's text."""
    start = document.text.index(phrase)
    return quote_at(document.text, start, start + len(phrase))


def add_highlight(owner, document, phrase: str, *, tags=(), hidden=False, **fields) -> Highlight:
    """A highlight on `phrase` (its first occurrence), with plain ORM calls; `hidden` by a
    teacher in its assignment's class, or in every class of its author's."""
    highlight = Highlight.placed(place(document, phrase), owner=owner, document=document, **fields)
    highlight.save()
    highlight.tags.set(list(tags))
    if hidden:
        hide_everywhere(highlight)
    return highlight


def hide_everywhere(highlight: Highlight) -> None:
    """Hidden as a teacher of each class would hide it: in its assignment's class, or in
    every class its author is a student of."""
    if highlight.assignment_id:
        classes = [highlight.assignment.classroom_id]
    else:
        classes = Membership.objects.filter(user=highlight.owner, role="student").values_list(
            "classroom", flat=True
        )
    ClassHide.objects.bulk_create(ClassHide(highlight=highlight, classroom_id=c) for c in classes)


def spread_highlights(document, owners, count: int, *, note: str, **fields) -> list[Highlight]:
    """`count` highlights spread over the text, overlapping freely, by `owners` in turn, in
    one INSERT; `note` is formatted with `n` (from 0) and the `owner`'s username."""
    text = document.text
    highlights = []
    for n, owner in zip(range(count), itertools.cycle(owners), strict=False):
        start = (n * 37) % (len(text) - 80)
        placed = quote_at(text, start, start + 20 + n % 50)
        highlights.append(
            Highlight.placed(
                placed,
                owner=owner,
                document=document,
                note=note.format(n=n, owner=owner.username),
                **fields,
            )
        )
    return Highlight.objects.bulk_create(highlights)


def link_highlights(entry, document, owners, count, *, visibility="class", replier=None):
    """`count` highlights spread over the article, by `owners` in turn, each linked to
    `entry` and tagged twice; each answered once by `replier`, if given. Their notes say
    "Note <owner> <visibility> <n>", n counting from 0 in each call."""
    highlights = spread_highlights(
        document, owners, count, note=f"Note {{owner}} {visibility} {{n}}", visibility=visibility
    )
    Highlight.glossary_entries.through.objects.bulk_create(
        Highlight.glossary_entries.through(highlight=highlight, glossaryentry=entry)
        for highlight in highlights
    )
    names = ["evidence", "motive", "question"]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=highlight, tag=tags[(n + step) % len(tags)])
        for n, highlight in enumerate(highlights)
        for step in (0, 1)
    )
    if replier:
        Reply.objects.bulk_create(
            Reply(highlight=highlight, author=replier, text=f"Reply {n}")
            for n, highlight in enumerate(highlights)
        )
    return highlights


def selection(document, phrase: str = PHRASE, **changes) -> dict:
    """What the editor posts for the first occurrence of `phrase`, with `changes` on top."""
    start = document.text.index(phrase)
    end = start + len(phrase)
    data = {
        "start": start,
        "end": end,
        "exact": phrase,
        "prefix": document.text[max(0, start - 32) : start],
        "suffix": document.text[end : end + 32],
        "revision": document.revision,
        "note": "",
        "tags": "",
        "visibility": "private",
        "client_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def painted_mark(highlight) -> str:
    """How the reading view paints a highlight of the viewer's that overlaps no other."""
    return (
        f'<span id="h-{highlight.pk}" data-end="{highlight.end}"></span>'
        f'<mark class="hl hl-own" data-s="{highlight.start}"'
    )


def partial_html(response, status: int = 200) -> str:
    """The HTML of an answer to htmx: with `status`, and a partial, not a whole page."""
    assert response.status_code == status, response.content[:2000]
    html = response.content.decode()
    assert "<html" not in html
    return html


def page_html(response) -> str:
    """The HTML of a whole page (what a request without htmx gets), answered with a 200."""
    assert response.status_code == 200, response.content[:2000]
    html = response.content.decode()
    assert "<html" in html
    return html


def csv_highlight_ids(content: bytes) -> list[int]:
    """The highlights of a CSV export, in its order: from `highlight_id` in the full
    export, from the link (`#h-<id>`) in the teacher's sheet."""
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    return [
        int(row["highlight_id"]) if "highlight_id" in row else int(row["Link"].rsplit("#h-", 1)[1])
        for row in rows
    ]


def link_to_lms(assignment: Assignment, *students, issuer: str = "https://lms.example.org"):
    """`assignment` as a resource link of an LMS course (with a line item, scores allowed),
    and `students` as LMS users who launched it; the AssignmentLink. Plain ORM rows: no
    platform answers them (tests/lti_platform.py does, for sending)."""
    from lti_tool.models import LtiContext, LtiDeployment, LtiRegistration, LtiResourceLink, LtiUser

    from annotations.lti.models import AssignmentLink, ClassLink

    registration = LtiRegistration.objects.create(
        name="LMS", issuer=issuer, client_id="client", auth_url=f"{issuer}/auth",
        token_url=f"{issuer}/token", keyset_url=f"{issuer}/jwks",
    )  # fmt: skip
    deployment = LtiDeployment.objects.create(registration=registration, deployment_id="1")
    context = LtiContext.objects.create(
        deployment=deployment, id_on_platform="course", lineitems_url=f"{issuer}/lineitems",
        can_publish_scores=True, can_manage_lineitems=True,
    )  # fmt: skip
    ClassLink.objects.get_or_create(classroom=assignment.classroom, defaults={"context": context})
    resource_link = LtiResourceLink.objects.create(context=context, id_on_platform="link")
    for student in students:
        LtiUser.objects.create(
            registration=registration, sub=f"sub-{student.pk}", auth_user=student
        )
    return AssignmentLink.objects.create(
        resource_link=resource_link, assignment=assignment, line_item_url=f"{issuer}/lineitems/1"
    )


def csp_directive(response, name: str) -> str:
    """One directive of the response's Content-Security-Policy, its sources as written
    (the directives come in no fixed order)."""
    for part in response["Content-Security-Policy"].split(";"):
        directive, _, sources = part.strip().partition(" ")
        if directive == name:
            return sources
    raise AssertionError(f"no {name} in {response['Content-Security-Policy']!r}")


def migrate(targets):
    """The database migrated to `targets`; returns the app registry as it was there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def at_migration(targets):
    """For a migration test's fixture (`yield from`): the apps at `targets`, and the
    database migrated forward to the latest after the test."""
    yield migrate(targets)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def jsonld_items(data: dict) -> list[dict]:
    """The annotations of a JSON-LD export: on its collection's one page (docs/EXPORT.md)."""
    return data["first"]["items"]
