"""Where students stand on an assignment, and what the class did: figures for the pages.

Every function here runs a fixed number of queries, whatever the size of the class.
Progress counts two things a teacher sets: the minimum number of highlights, and the
glossary entries every student should link at least once. Suggested tags are shown as
used or not, but they are suggestions, so they do not count towards completion.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from annotations.models import (
    Assignment,
    Document,
    GlossaryEntry,
    GradeSend,
    Highlight,
    Membership,
    Reply,
    Tag,
    TaggedHighlight,
)

SHADES = 5  # heat map levels, 0 (nobody) to 4 (most of the class)


@dataclass
class Progress:
    student: object
    made: int
    minimum: int
    suggested_tags: list[str]
    tags_used: list[str]
    required_entries: list[GlossaryEntry]
    entries_linked: list[GlossaryEntry]
    due: datetime
    last_activity: datetime | None = None
    grade: GradeSend | None = None  # the newest score for the LMS's gradebook, if linked

    @property
    def steps(self) -> int:
        return self.minimum + len(self.required_entries)

    @property
    def steps_done(self) -> int:
        return min(self.made, self.minimum) + len(self.entries_linked)

    @property
    def percent(self) -> int:
        return 100 if not self.steps else round(100 * self.steps_done / self.steps)

    @property
    def complete(self) -> bool:
        return self.steps_done == self.steps

    @property
    def entries_missing(self) -> list[GlossaryEntry]:
        linked = {entry.pk for entry in self.entries_linked}
        return [entry for entry in self.required_entries if entry.pk not in linked]

    @property
    def time_left(self) -> timedelta:
        return self.due - timezone.now()

    @property
    def overdue(self) -> bool:
        return self.time_left.total_seconds() < 0


def students_of(assignment: Assignment):
    return (
        get_user_model()
        .objects.filter(
            memberships__classroom=assignment.classroom_id,
            memberships__role=Membership.Role.STUDENT,
        )
        .order_by("last_name", "first_name", "username")
    )


def class_progress(assignment: Assignment, students=None) -> list[Progress]:
    """Progress of each student (all the class's students unless given), in 4 queries."""
    students = list(students if students is not None else students_of(assignment))
    highlights = Highlight.objects.in_assignment(assignment).filter(owner__in=students)
    activity = {
        row["owner"]: row
        for row in highlights.values("owner").annotate(made=Count("pk"), last=Max("updated"))
    }
    tags_used: dict[int, set[str]] = defaultdict(set)
    for owner, name in (
        TaggedHighlight.objects.filter(content_object__in=highlights)
        .values_list("content_object__owner", "tag__name")
        .distinct()
    ):
        tags_used[owner].add(name)
    required = list(assignment.required_entries.order_by("name"))
    linked: dict[int, set[int]] = defaultdict(set)
    links = Highlight.glossary_entries.through.objects.filter(
        highlight__in=highlights, glossaryentry__in=required
    )
    for owner, entry_id in links.values_list("highlight__owner", "glossaryentry_id").distinct():
        linked[owner].add(entry_id)
    return [
        _progress(
            assignment,
            student,
            activity.get(student.pk, {}),
            tags_used[student.pk],
            required,
            linked[student.pk],
        )
        for student in students
    ]


def student_progress(assignment: Assignment, student) -> Progress:
    """One student's progress, as class_progress works it out, in 2 queries (1 when the
    assignment is known to ask for no glossary entries, AssignmentQuerySet.with_links):
    the reading view shows it after each save."""
    asks = getattr(assignment, "requires_entries", True)
    required = list(assignment.required_entries.order_by("name")) if asks else []
    made, last, tags, entries = _student_figures(assignment, student, required)
    activity = {"made": made, "last": last}
    return _progress(assignment, student, activity, set(tags), required, set(entries))


def _student_figures(assignment: Assignment, student, required) -> tuple:
    """Of the student's highlights in the assignment: how many, the last change, the
    names of their tags (when the assignment suggests some) and which of the `required`
    entries they link, in one statement. Written out: the ORM took longer to build this
    aggregate than PostgreSQL to run it, and the reading view asks for it after each save."""
    links = Highlight.glossary_entries.through._meta.db_table
    taggings, tags = TaggedHighlight._meta.db_table, Tag._meta.db_table
    tag_names = (
        f"ARRAY(SELECT DISTINCT tag.name::text FROM mine JOIN {taggings} tagging"
        f" ON tagging.content_object_id = mine.id JOIN {tags} tag ON tag.id = tagging.tag_id)"
        if assignment.suggested_tags
        else "ARRAY[]::text[]"
    )
    sql = (
        f"WITH mine AS (SELECT id, updated FROM {Highlight._meta.db_table}"
        " WHERE assignment_id = %s AND owner_id = %s)"
        f" SELECT (SELECT COUNT(*) FROM mine), (SELECT MAX(updated) FROM mine), {tag_names},"
        f" ARRAY(SELECT DISTINCT link.glossaryentry_id FROM mine JOIN {links} link"
        " ON link.highlight_id = mine.id WHERE link.glossaryentry_id = ANY(%s::bigint[]))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [assignment.pk, student.pk, [entry.pk for entry in required]])
        return cursor.fetchone()


def _progress(assignment, student, activity: dict, tag_names, required, linked) -> Progress:
    """A student's Progress from what they did: `activity` (how many highlights `made`,
    the `last` change), the names of the tags they used and the entries they `linked`."""
    suggested = {name.casefold(): name for name in assignment.suggested_tags}
    used = {suggested[name.casefold()] for name in tag_names if name.casefold() in suggested}
    return Progress(
        student=student,
        made=activity.get("made") or 0,
        minimum=assignment.min_highlights,
        suggested_tags=list(assignment.suggested_tags),
        tags_used=[tag for tag in assignment.suggested_tags if tag in used],
        required_entries=required,
        entries_linked=[entry for entry in required if entry.pk in linked],
        due=assignment.due,
        last_activity=activity.get("last"),
    )


@dataclass
class Discussion:
    """A student's whole discussion in an assignment, for grading: what they highlighted
    and every reply they wrote (on their own highlights and classmates'), oldest first."""

    progress: Progress
    entries: list[tuple[datetime, Highlight | None, Reply | None]]
    replies: int
    replies_to_others: int


def student_discussion(assignment: Assignment, student, highlights, viewer) -> Discussion:
    """The discussion around `highlights` (the student's cards on the page, already
    fetched), with the student's replies in the assignment that `viewer` reads, and the
    progress bar's counts; in a fixed number of queries."""
    replies = list(
        Reply.objects.visible_to(viewer)
        .filter(author=student, highlight__assignment=assignment, deleted__isnull=True)
        .select_related("highlight__owner", "highlight__document")
        .defer("highlight__document__text")
        .order_by("created", "pk")
    )
    entries = [(highlight.created, highlight, None) for highlight in highlights]
    entries += [(reply.created, None, reply) for reply in replies]
    entries.sort(key=lambda entry: entry[0])
    return Discussion(
        progress=student_progress(assignment, student),
        entries=entries,
        replies=len(replies),
        replies_to_others=sum(1 for reply in replies if reply.highlight.owner_id != student.pk),
    )


def class_overview(assignment: Assignment) -> dict:
    """The teacher's view of an assignment: each student's progress, the heat maps, the
    tags used and the entries linked most, and each student's score for the LMS."""
    rows = class_progress(assignment)
    tags = tag_counts(assignment)
    grades = GradeSend.objects.latest_per_student(assignment)
    for row in rows:
        row.grade = grades.get(row.student.pk)
    return {
        "rows": rows,
        "in_lms_gradebook": assignment.lti_links.exists(),
        "completed": sum(1 for row in rows if row.complete),
        "heat_maps": heat_maps(assignment, class_size=len(rows)),
        "tags": tags,
        "top_tag_uses": tags[0][1] if tags else 0,
        "entries": most_linked_entries(assignment),
    }


@dataclass
class HeatParagraph:
    number: int
    text: str
    students: int
    shade: int


@dataclass
class HeatMap:
    document: Document
    paragraphs: list[HeatParagraph] = field(default_factory=list)


def heat_maps(assignment: Assignment, class_size: int) -> list[HeatMap]:
    """Per article, how many students highlighted each paragraph (1 query for all)."""
    documents = list(assignment.documents.order_by("position"))
    students = students_of(assignment).values("pk")
    readers: dict[tuple[int, int], set[int]] = defaultdict(set)  # (document, paragraph) -> owners
    by_document = {document.pk: document for document in documents}
    rows = Highlight.objects.in_assignment(assignment).filter(owner__in=students).not_orphaned()
    for document_id, owner, start, end in rows.values_list("document_id", "owner", "start", "end"):
        document = by_document.get(document_id)
        if document is None:
            continue
        for paragraph in document.paragraphs_between(start, end):
            readers[document_id, paragraph.number].add(owner)
    maps = []
    for document in documents:
        heat = HeatMap(document)
        for paragraph in document.paragraphs:
            count = len(readers[document.pk, paragraph.number])
            # 1 for a few students, up to SHADES - 1 when the whole class highlighted it.
            shade = 0 if not count else 1 + (SHADES - 2) * min(count, class_size) // class_size
            heat.paragraphs.append(HeatParagraph(paragraph.number, paragraph.text, count, shade))
        maps.append(heat)
    return maps


def tag_counts(assignment: Assignment) -> list[tuple[str, int]]:
    """Tags on the assignment's highlights, most used first (1 query)."""
    rows = (
        TaggedHighlight.objects.filter(content_object__assignment=assignment)
        .values("tag__name")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "tag__name")
    )
    return [(row["tag__name"], row["uses"]) for row in rows]


def most_linked_entries(assignment: Assignment, limit: int = 10) -> list[tuple[object, int]]:
    """Glossary entries linked most often from the assignment's highlights (2 queries)."""
    counts = Counter(
        dict(
            Highlight.glossary_entries.through.objects.filter(highlight__assignment=assignment)
            .values_list("glossaryentry")
            .annotate(uses=Count("pk"))
        )
    )
    top = counts.most_common(limit)
    entries = GlossaryEntry.objects.in_bulk([entry_id for entry_id, _ in top])
    return [(entries[entry_id], uses) for entry_id, uses in top]


@dataclass
class TaughtAssignment:
    assignment: Assignment
    students: int
    completed: int

    @property
    def overdue(self) -> bool:
        return self.assignment.due < timezone.now()


@dataclass
class TaughtClass:
    classroom: object
    students: int
    assignments: list[TaughtAssignment]

    @property
    def next_due(self) -> TaughtAssignment | None:
        upcoming = [row for row in self.assignments if not row.overdue]
        return min(upcoming, key=lambda row: row.assignment.due, default=None)


def teaching_overview(user) -> list[TaughtClass]:
    """The classes `user` teaches, each assignment with how many students completed it
    (4 queries an assignment; a teacher has a handful)."""
    memberships = Membership.objects.filter(user=user, role=Membership.Role.TEACHER).select_related(
        "classroom"
    )
    overview = []
    for membership in memberships.order_by("classroom__archived", "classroom__name"):
        classroom = membership.classroom
        rows = []
        for assignment in classroom.assignments.order_by("due"):
            progress = class_progress(assignment)
            done = sum(1 for row in progress if row.complete)
            rows.append(TaughtAssignment(assignment, len(progress), done))
        students = classroom.memberships.filter(role=Membership.Role.STUDENT).count()
        overview.append(TaughtClass(classroom, students, rows))
    return overview
