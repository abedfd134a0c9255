"""Exporting highlights: CSV for spreadsheets, W3C Web Annotation JSON-LD for other tools.

Two CSVs: the teacher's sheet ("Export CSV": readable headers, local times, replies, one
row per highlight by student and place in the text) and every column ("CSV (all
columns)": the machine's names, UTC, for scripts and backups). Both are written by
PostgreSQL itself (COPY ... TO STDOUT) and streamed as they come, so memory stays flat
and the first bytes leave at once, whatever the number of rows.
The columns are documented in docs/EXPORT.md; they change only with a note there.
Every text cell that a spreadsheet would read as a formula (starting with = + - @, a
tab or a carriage return) gets a leading apostrophe: the CSV cannot be turned against
the teacher who opens it.
"""

import json
import uuid
from collections.abc import Iterator
from datetime import date

from django.contrib.postgres.aggregates import JSONBAgg, StringAgg
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, NullIf, Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import slugify

from annotations.models import (
    AnchorStatus,
    ClassHide,
    Document,
    Highlight,
    Membership,
    Reply,
    TaggedHighlight,
)
from annotations.vocabulary import export_context

BOM = "\ufeff".encode()
JSONLD_CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
SEPARATOR = "; "
COLLECTION_LABEL = "Highlights and replies from Korea Reader"
# Sets apart the keyed hash of a user name that is a person's id in the JSON-LD (person_iri).
PERSON_SALT = "annotations.export.person_iri"

# Column name -> how it is computed; the order is the file's order.
COLUMNS = [
    "highlight_id",
    "created",
    "updated",
    "author_username",
    "author_name",
    "class",
    "assignment_id",
    "assignment",
    "document_slug",
    "document_title",
    "document_revision",
    "paragraph",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "note",
    "tags",
    "glossary_entries",
    "glossary_entry_ids",
    "glossary_entry_kinds",
    "glossary_wikidata_ids",
    "visibility",
    "hidden",
    "anchor_status",
    "url",
]
# "Download my work" (`?mine=1`) appends its replies (docs/EXPORT.md, "Download my work").
WORK_COLUMNS = [*COLUMNS, "replies"]


class Neutralised(Func):
    """Text with a leading apostrophe if a spreadsheet would run it as a formula: one
    starting with = + - @, a tab or a carriage return, or with = + - @ after leading
    spaces or line breaks (OWASP's rule: some importers trim the cell first)."""

    # The expression appears once, so its parameters stay in step with the SQL.
    template = (
        r"regexp_replace(%(expressions)s, '^(\s*[-=+@]|[' || chr(9) || chr(13) || '])', '''\1')"
    )
    output_field = CharField()


class Timestamp(Func):
    """ISO 8601 in UTC, e.g. 2026-11-22T09:15:03Z (the connection's time zone is UTC)."""

    template = 'to_char(%(expressions)s, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\')'
    output_field = CharField()


class LocalTime(Func):
    """The time in a zone, as a spreadsheet reads a date: 2026-11-22 18:15."""

    arg_joiner = " AT TIME ZONE "
    template = "to_char(%(expressions)s, 'YYYY-MM-DD HH24:MI')"
    output_field = CharField()


# The teacher's sheet: header -> the annotation computing it; the order is the file's.
TEACHER_COLUMNS = {
    "Student": "student",
    "User name": "username",
    "Article": "article",
    "Paragraph": "paragraph",
    "Quote": "quote",
    "Note": "note",
    "Tags": "tags",
    "Glossary entries": "glossary_entries",
    "Assignment": "assignment",
    "Created": "created",
    "Replies": "replies",
    "Class": "class",
    "Shared with class": "shared",
    "Hidden by teacher": "hidden",
    "Quote in the text": "anchor",
    "Updated": "updated",
    "Time zone": "time_zone",
    "Link": "link",
    # Appended (issue 17): the columns above keep their places.
    "Question": "question",
    "Same question": "same_question",
    "Helpful": "helpful",
}
# What "Quote in the text" says for each anchor status.
ANCHOR_WORDS = {
    AnchorStatus.ANCHORED: "found",
    AnchorStatus.REANCHORED: "found again after a correction of the text",
    AnchorStatus.ORPHANED: "no longer in the text",
}


def exportable_by(user) -> QuerySet:
    """What `user` may export: their own highlights, and, for a teacher, those of the
    students they teach that they may see. Never anyone else's private highlight."""
    taught = Membership.objects.filter(
        classroom__in=Membership.objects.filter(user=user, role=Membership.Role.TEACHER).values(
            "classroom"
        ),
        role=Membership.Role.STUDENT,
    ).values("user")
    return Highlight.objects.visible_to(user).filter(Q(owner=user) | Q(owner__in=taught))


def _joined(queryset, column: str, order_by: str) -> Subquery:
    """The values of `column` joined by "; ", in the order of `order_by`."""
    return Subquery(
        queryset.values("highlight_id")
        .annotate(joined=StringAgg(column, SEPARATOR, order_by=order_by))
        .values("joined")
    )


def _paragraph_number() -> RawSQL:
    """Paragraph of each highlight's start, from the documents' paragraph offsets."""
    cases, params = [], []
    for document in Document.objects.only("pk", "text", "paragraph_roles"):
        starts = [paragraph.start for paragraph in document.paragraphs]
        cases.append(
            "WHEN %s THEN (SELECT count(*) FROM unnest(%s::integer[]) AS s "
            'WHERE s <= "annotations_highlight"."start")'
        )
        params += [document.pk, starts]
    if not cases:
        return RawSQL("NULL::bigint", [], output_field=IntegerField())
    sql = 'CASE "annotations_highlight"."document_id" ' + " ".join(cases) + " END"
    return RawSQL(sql, params, output_field=IntegerField())


def _tags() -> Subquery:
    """A highlight's tags, alphabetical, "; " between."""
    tags = TaggedHighlight.objects.filter(content_object=OuterRef("pk")).annotate(
        highlight_id=F("content_object")
    )
    return _joined(tags, "tag__name", "tag__name")


def _links() -> QuerySet:
    return Highlight.glossary_entries.through.objects.filter(highlight=OuterRef("pk"))


def _link(base_url: str) -> Concat:
    """The highlight's address in the reading view, built by PostgreSQL for each row."""
    # A document's address around its slug.
    document_path = reverse("document", args=["SLUG"]).split("SLUG")
    return Concat(
        Value(base_url + document_path[0]),
        "document__slug",
        Value(document_path[1] + "#h-"),
        Cast("pk", CharField()),
        output_field=CharField(),
    )


def _name(user: str) -> Coalesce:
    """A person's first and last name, or their user name when they gave none."""
    full = Trim(Concat(f"{user}__first_name", Value(" "), f"{user}__last_name"))
    return Coalesce(NullIf(full, Value("")), f"{user}__username", output_field=CharField())


def readable_replies(viewer, classroom) -> QuerySet:
    """The replies an export carries: those the viewer may read (ReplyQuerySet.visible_to;
    all for a backup, with no viewer), made in `classroom` if given; never the emptied
    ones a deletion kept above their answers."""
    replies = Reply.objects.visible_to(viewer) if viewer else Reply.objects.all()
    if classroom:
        replies = replies.filter(classroom=classroom)
    return replies.filter(deleted__isnull=True)


def work_of(user) -> QuerySet:
    """What "Download my work" holds: the person's highlights and each highlight they
    replied to (a reply they have not deleted), seen by them now or not (seen_by)."""
    replied = Reply.objects.filter(author=user, deleted__isnull=True).values("highlight")
    return Highlight.objects.filter(Q(owner=user) | Q(pk__in=replied))


def seen_by(user) -> Exists:
    """Whether `user` may see the highlight now (HighlightQuerySet.visible_to)."""
    return Exists(Highlight.objects.visible_to(user).filter(pk=OuterRef("pk")))


def work_replies(user) -> QuerySet:
    """The replies "Download my work" carries: those the person may read (readable_replies,
    on highlights they see) and their own wherever they are, on a highlight they may no
    longer see too."""
    readable = readable_replies(user, None).values("pk")
    return Reply.objects.filter(Q(pk__in=readable) | Q(author=user, deleted__isnull=True))


def _masked(value, mine: bool):
    """In "Download my work", a highlight's cell empty where the person may not see the
    highlight now (the annotation `c_seen`): their reply on it comes alone."""
    if not mine:
        return value
    return Case(When(c_seen=True, then=value), default=Value(None))


def _replies(replies: QuerySet) -> Subquery:
    """A highlight's `replies` (readable_replies, or work_replies), oldest first, one a
    line: "Ms Kim: Good point."."""
    return Subquery(
        replies.filter(highlight=OuterRef("pk"))
        .values("highlight")
        .annotate(
            joined=StringAgg(
                Concat(_name("author"), Value(": "), "text", output_field=CharField()),
                "\n",
                order_by=("created", "pk"),
            )
        )
        .values("joined")
    )


def _yes_no(condition: Q) -> Case:
    return Case(When(condition, then=Value("yes")), default=Value("no"))


def _hidden(viewer, classroom) -> Exists:
    """Whether the viewer sees it hidden: in a class they teach (in `classroom`, when the
    export is of one class), or, for its author, in any (ClassHideQuerySet.seen_by). With
    no viewer (a backup by `manage.py export_annotations`), hidden in any class."""
    hides = ClassHide.objects.seen_by(viewer) if viewer else ClassHide.objects.all()
    hides = hides.filter(highlight=OuterRef("pk"))
    return Exists(hides.filter(classroom=classroom) if classroom else hides)


def teacher_queryset(
    highlights: QuerySet, base_url: str, *, viewer, classroom: int | None = None, mine=False
) -> QuerySet:
    """The highlights as rows of the teacher's sheet (TEACHER_COLUMNS): by student (last
    name, first name, user name), then by article and place in the text; times in the
    current time zone (the viewer's, when a middleware has activated it). Hides and
    replies are the viewer's classes' (those of `classroom` for one class's export).
    `mine`: "Download my work" (work_of): the rows of highlights the viewer may no longer
    see come last, empty but for their replies (work_replies)."""
    zone = timezone.get_current_timezone_name()
    replies = work_replies(viewer) if mine else readable_replies(viewer, classroom)
    text = {
        "student": _name("owner"),
        "username": F("owner__username"),
        "article": F("document__title"),
        "quote": F("exact"),
        "note": F("note"),
        "tags": _tags(),
        "glossary_entries": _joined(_links(), "glossaryentry__name", "glossaryentry__name"),
        "assignment": F("assignment__title"),
        "replies": _replies(replies),
        "class": F("assignment__classroom__name"),
        "time_zone": Value(zone),
    }
    plain = {
        "paragraph": _paragraph_number(),
        "created": LocalTime("created", Value(zone)),
        "shared": _yes_no(Q(visibility=Highlight.Visibility.CLASS)),
        "hidden": _yes_no(Q(c_hidden_here=True)),
        "anchor": Case(
            *[
                When(anchor_status=status, then=Value(words))
                for status, words in ANCHOR_WORDS.items()
            ]
        ),
        "updated": LocalTime("updated", Value(zone)),
        "link": _link(base_url),
        "question": _yes_no(Q(is_question=True)),
        "same_question": F("same_question_count"),
        "helpful": F("helpful_count"),
    }
    columns = {**plain, **{name: Neutralised(value) for name, value in text.items()}}
    assert set(columns) == set(TEACHER_COLUMNS.values()), "every column is computed once"
    columns = {
        name: value if name in ("replies", "time_zone") else _masked(value, mine)
        for name, value in columns.items()
    }
    names = [f"c_{name}" for name in TEACHER_COLUMNS.values()]
    order = ["owner__last_name", "owner__first_name", "owner__username", "document__position"]
    order = [_masked(F(key), mine) for key in [*order, "start"]]
    if mine:
        highlights = highlights.annotate(c_seen=seen_by(viewer))
        order.insert(0, F("c_seen").desc())
    return (
        highlights.with_mark_counts()
        .annotate(c_hidden_here=_hidden(viewer, classroom))
        .annotate(**{f"c_{name}": value for name, value in columns.items()})
        .order_by(*order, "pk")
        .values(*names)
    )


def export_queryset(
    highlights: QuerySet, base_url: str, *, viewer, classroom: int | None = None, mine=False
) -> QuerySet:
    """The highlights as rows of COLUMNS, in the order of the text within each article;
    `hidden` as the viewer sees it (teacher_queryset). `mine`: "Download my work", as
    the teacher's sheet has it, in WORK_COLUMNS (its replies in the last, `replies`).

    Each column is an annotation named "c_" + its name (model fields cannot be
    re-annotated under their own names); the CSV header is written from COLUMNS.
    """
    links = _links()
    text = {
        "author_username": F("owner__username"),
        "author_name": Trim(Concat("owner__first_name", Value(" "), "owner__last_name")),
        "class": F("assignment__classroom__name"),
        "assignment": F("assignment__title"),
        "document_slug": F("document__slug"),
        "document_title": F("document__title"),
        "quote": F("exact"),
        "prefix": F("prefix"),
        "suffix": F("suffix"),
        "note": F("note"),
        "tags": _tags(),
        # In the same order (by name), so that the nth id, kind and Wikidata id belong to
        # the nth name.
        "glossary_entries": _joined(links, "glossaryentry__name", "glossaryentry__name"),
        "glossary_entry_ids": _joined(links, "glossaryentry__slug", "glossaryentry__name"),
        "glossary_entry_kinds": _joined(links, "glossaryentry__kind", "glossaryentry__name"),
        "glossary_wikidata_ids": _joined(links, "glossaryentry__wikidata", "glossaryentry__name"),
        "visibility": F("visibility"),
        "anchor_status": F("anchor_status"),
    }
    plain = {
        "highlight_id": F("pk"),
        "created": Timestamp("created"),
        "updated": Timestamp("updated"),
        "assignment_id": F("assignment_id"),
        "document_revision": F("revision"),
        "paragraph": _paragraph_number(),
        "start": F("start"),
        "end": F("end"),
        "hidden": Case(
            When(_hidden(viewer, classroom), then=Value("true")), default=Value("false")
        ),
        "url": _link(base_url),
    }
    columns = {**plain, **{name: Neutralised(value) for name, value in text.items()}}
    assert set(columns) == set(COLUMNS), "every column is computed once"
    names, order = COLUMNS, ["document__position", "start", "pk"]
    if mine:
        highlights = highlights.annotate(c_seen=seen_by(viewer))
        columns = {name: _masked(value, mine) for name, value in columns.items()}
        columns["replies"] = _replies_json(work_replies(viewer))
        names = WORK_COLUMNS
        order = [F("c_seen").desc(), _masked(F("document__position"), mine), "c_start", "pk"]
    return (
        highlights.annotate(**{f"c_{name}": columns[name] for name in names})
        .order_by(*order)
        .values(*[f"c_{name}" for name in names])
    )


def _replies_json(replies: QuerySet) -> Subquery:
    """A highlight's replies as a JSON list, oldest first, each with its id (the
    Protocol's, by client key), author's user name, times and text: one cell a script
    reads whatever line breaks the texts hold."""
    reply = JSONObject(
        id=Cast("client_key", CharField()),
        # As the JSON-LD's korea:inReplyTo: not to a reply emptied by its deletion.
        in_reply_to=Case(
            When(parent__deleted__isnull=True, then=Cast("parent__client_key", CharField()))
        ),
        author_username=F("author__username"),
        created=Timestamp("created"),
        edited=Timestamp("edited"),
        text=F("text"),
    )
    return Subquery(
        replies.filter(highlight=OuterRef("pk"))
        .values("highlight")
        .annotate(joined=Cast(JSONBAgg(reply, order_by=("created", "pk")), CharField()))
        .values("joined")
    )


def csv_chunks(rows: QuerySet, *, header=COLUMNS, bom: bool = False) -> Iterator[bytes]:
    """The rows as CSV, `header` first, streamed from PostgreSQL's COPY in chunks."""
    sql, params = rows.query.sql_with_params()
    header = ",".join(header) + "\n"
    if bom:
        yield BOM
    yield header.encode()
    with (
        connection.cursor() as cursor,
        # The psycopg cursor itself: Django's wrapper does not pass parameters to copy().
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        yield from copy


def sheet_chunks(
    highlights: QuerySet, base_url: str, *, viewer, classroom=None, bom=False, mine=False
) -> Iterator[bytes]:
    """The teacher's sheet as CSV, streamed as csv_chunks streams the full export."""
    rows = teacher_queryset(highlights, base_url, viewer=viewer, classroom=classroom, mine=mine)
    return csv_chunks(rows, header=list(TEACHER_COLUMNS), bom=bom)


def file_name(parts: list[str], extension: str, today: date, variant: str = "") -> str:
    """e.g. history-101_assignment-1_2026-11-22.csv, or with the variant:
    history-101_assignment-1_all-columns_2026-11-22.csv"""
    words = [slugify(part) for part in parts if part] or ["korea-reader-highlights"]
    if variant:
        words.append(slugify(variant))
    return "_".join([*words, today.isoformat()]) + "." + extension


def jsonld_chunks(
    highlights: QuerySet, base_url: str, *, viewer, collection_url: str, classroom=None, mine=False
) -> Iterator[bytes]:
    """A W3C Web Annotation collection, streamed: its id is the export's own address
    (`collection_url`, with its query), and its one page (`first`, also its `last`) holds
    one annotation per highlight, each followed by its replies the viewer may read
    (readable_replies); `korea:hidden` as the viewer sees it (teacher_queryset). `total`
    comes last, counted as the annotations go out (JSON's keys have no order).
    `mine`: "Download my work" (work_of): a highlight the viewer may no longer see is left
    out, their replies on it come all the same (work_replies), last, targeting its id."""
    page_url = collection_url + "#page-1"
    collection = {
        "@context": export_context(),
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": COLLECTION_LABEL,
        "last": page_url,
    }
    page = {
        "@context": export_context(),
        "id": page_url,
        "type": "AnnotationPage",
        # An object, as the Protocol's pages give it: the suite reads a total in it.
        "partOf": {"id": collection_url, "type": "AnnotationCollection"},
        "startIndex": 0,
    }
    yield (_opened(collection) + ', "first": ' + _opened(page) + ', "items": [\n').encode()
    replies = work_replies(viewer) if mine else readable_replies(viewer, classroom)
    replies = replies.select_related("author", "parent")
    order = ["document__position", "start", "pk"]
    if mine:
        highlights = highlights.annotate(seen=seen_by(viewer))
        order.insert(0, F("seen").desc())
    rows = (
        highlights.select_related("owner", "document", "assignment")
        .annotate(hidden_here=_hidden(viewer, classroom))
        .with_mark_counts()
        .prefetch_related(
            "tags",
            "glossary_entries",
            Prefetch("replies", replies.order_by("created", "pk"), to_attr="exported_replies"),
        )
        .order_by(*order)
    )
    total = 0
    for highlight in rows.iterator(chunk_size=2000):
        items = [web_annotation(highlight, base_url)] if getattr(highlight, "seen", True) else []
        items += [
            reply_annotation(reply, highlight, base_url) for reply in highlight.exported_replies
        ]
        for item in items:
            yield (("" if total == 0 else ",\n") + json.dumps(item, ensure_ascii=False)).encode()
            total += 1
    yield f'\n]}}, "total": {total}}}\n'.encode()


def _opened(description: dict) -> str:
    """A JSON object without its closing brace, for more keys to follow."""
    return json.dumps(description, ensure_ascii=False).removesuffix("}")


def annotation_iri(base_url: str, client_key) -> str:
    """A highlight's or a reply's id: its address in the Annotation Protocol's container
    (/annotations/<key>, annotations/protocol/), by its client key."""
    return base_url + reverse("annotation", args=[client_key])


def person_iri(user) -> str:
    """A person's id in an annotation: a `urn:uuid:` made by keyed hashing (with the
    server's SECRET_KEY) of their user name. The same in every export of this server and
    after a restore that makes their account again; telling nothing about them, even
    where the file leaves out their name (docs/EXPORT.md, "Creators")."""
    digest = salted_hmac(PERSON_SALT, user.username, algorithm="sha256").digest()
    return uuid.UUID(bytes=digest[:16], version=4).urn


def _creator(user) -> dict:
    return {
        "id": person_iri(user),
        "type": "Person",
        "nickname": user.username,
        "name": user.get_full_name() or user.username,
    }


def reply_annotation(reply: Reply, highlight: Highlight, base_url: str) -> dict:
    """A reply as the Web Annotation model has it: an annotation whose motivation is
    `replying` and whose target is the highlight's annotation; an answer in a thread
    names the reply it answers (`korea:inReplyTo`)."""
    annotation = {
        "@context": export_context(),
        "id": annotation_iri(base_url, reply.client_key),
        "type": "Annotation",
        "motivation": "replying",
        "created": reply.created.isoformat(),
        "modified": (reply.edited or reply.created).isoformat(),
        "creator": _creator(reply.author),
        "body": {
            "type": "TextualBody",
            "value": reply.text,
            "purpose": "replying",
            "format": "text/plain",
        },
        "target": annotation_iri(base_url, highlight.client_key),
    }
    if reply.parent is not None and reply.parent.deleted is None:
        annotation["korea:inReplyTo"] = annotation_iri(base_url, reply.parent.client_key)
    return annotation


def web_annotation(highlight: Highlight, base_url: str) -> dict:
    """One highlight in the W3C Web Annotation Data Model."""
    annotation = {
        "@context": export_context(),
        "id": annotation_iri(base_url, highlight.client_key),
        "type": "Annotation",
        "motivation": "highlighting",
        "created": highlight.created.isoformat(),
        "modified": highlight.updated.isoformat(),
        "creator": _creator(highlight.owner),
        "target": {
            "source": base_url + highlight.document.get_absolute_url(),
            "korea:revision": highlight.revision,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": highlight.exact,
                    "prefix": highlight.prefix,
                    "suffix": highlight.suffix,
                },
                {"type": "TextPositionSelector", "start": highlight.start, "end": highlight.end},
            ],
        },
        "korea:visibility": highlight.visibility,
        "korea:anchorStatus": highlight.anchor_status,
        "korea:hidden": highlight.hidden_here,
        # How many marked it, never who (annotations/questions.py).
        "korea:question": highlight.is_question,
        "korea:sameQuestion": highlight.same_question_count,
        "korea:helpful": highlight.helpful_count,
    }
    if bodies := _bodies(highlight, base_url):
        annotation["body"] = bodies
    if highlight.assignment_id:
        annotation["korea:assignment"] = highlight.assignment.title
    return annotation


def _bodies(highlight: Highlight, base_url: str) -> list[dict]:
    """The note, the tags and the glossary links, as the annotation's bodies."""
    bodies = []
    if highlight.note:
        bodies.append(
            {
                "type": "TextualBody",
                "value": highlight.note,
                "purpose": "commenting",
                "format": "text/plain",
            }
        )
    # Sorted here: the prefetched order is whatever the database's plan gives.
    bodies += [
        {"type": "TextualBody", "value": tag.name, "purpose": "tagging"}
        for tag in sorted(highlight.tags.all(), key=lambda tag: tag.name)
    ]
    for entry in sorted(highlight.glossary_entries.all(), key=lambda entry: entry.name):
        body = {
            "type": "SpecificResource",
            "purpose": "identifying",
            "source": base_url + entry.get_absolute_url(),
            "korea:name": entry.name,
            "korea:kind": entry.kind,
        }
        if entry.wikidata:
            body["korea:sameAs"] = f"http://www.wikidata.org/entity/{entry.wikidata}"
        bodies.append(body)
    return bodies
