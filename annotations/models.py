import bisect
import operator
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, reduce

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Length, Upper
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

from annotations import lookups  # noqa: F401 (registers __any)
from annotations.anchoring import Anchor, anchor
from annotations.paragraphs import ROLES as PARAGRAPH_ROLES
from annotations.paragraphs import Paragraph, split_paragraphs
from annotations.validators import (
    JOIN_CODE,
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    MAX_INSTRUCTIONS_LENGTH,
    MAX_MIN_HIGHLIGHTS,
    MAX_NOTE_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_REQUEST_LENGTH,
    MAX_SLUG_LENGTH,
    MAX_SUMMARY_LENGTH,
    MAX_TIME_ZONE_LENGTH,
    MAX_TOKEN_NAME_LENGTH,
    PARTIAL_DATE,
    RESERVED_SLUGS,
    TOKEN_MARK,
    TOKEN_SHOWN_LENGTH,
    WIKIDATA_ID,
    validate_time_zone,
    validate_wikidata_id,
)

# Full-text search (annotations/search.py) reads each text twice: as English, stemmed
# ("archives" finds "archive"), and as names, unaccented and unstemmed ("Stykov" finds
# "Štykov"); korea_names is made by migration 0020.
SEARCH_CONFIGS = ("english", "korea_names")


def text_vector(*fields: tuple[str, str | None]) -> SearchVector:
    """The tsvector of (field, weight) pairs under both configurations: the one
    expression that a GIN index holds and that a search must repeat to use it."""
    vectors = [
        SearchVector(field, config=config, weight=weight)
        for field, weight in fields
        for config in SEARCH_CONFIGS
    ]
    return reduce(operator.add, vectors)


class DocumentQuerySet(models.QuerySet):
    def in_library_order(self):
        return self.order_by("position", "title")


class Document(models.Model):
    """One of the articles, its text stored verbatim (typos are the historical record)."""

    PARAGRAPH_ROLES = PARAGRAPH_ROLES

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    publication = models.CharField(max_length=200, blank=True)
    date_given = models.CharField(
        "date as given", max_length=100, blank=True, help_text="Exactly as the source gives it."
    )
    citation = models.TextField(blank=True)
    source_note = models.TextField(blank=True, help_text="What the source does not say.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the library.")
    text = models.TextField(help_text="The source text, verbatim, with \\n line endings.")
    revision = models.PositiveIntegerField(default=1, help_text="Goes up when the text changes.")
    paragraph_roles = models.JSONField(
        default=dict,
        blank=True,
        help_text='Paragraph text to role: "heading" or "furniture" (captions, page links).',
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="document_text_not_empty"),
            models.CheckConstraint(condition=~Q(title=""), name="document_has_title"),
            models.CheckConstraint(condition=~Q(slug=""), name="document_has_slug"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="document_revision_positive"),
            models.CheckConstraint(
                condition=~Q(text__contains="\r"), name="document_text_newlines_normalised"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("document", args=[self.slug])

    @cached_property
    def paragraphs(self) -> list[Paragraph]:
        return split_paragraphs(self.text, self.paragraph_roles)

    @cached_property
    def _paragraph_starts(self) -> list[int]:
        return [paragraph.start for paragraph in self.paragraphs]

    def paragraph_at(self, offset: int) -> Paragraph | None:
        """The paragraph holding the character at `offset`, or None between paragraphs."""
        index = bisect.bisect_right(self._paragraph_starts, offset) - 1
        if index >= 0 and offset < self.paragraphs[index].end:
            return self.paragraphs[index]
        return None

    def paragraph_number_at(self, offset: int) -> int | None:
        paragraph = self.paragraph_at(offset)
        return paragraph.number if paragraph else None

    def paragraphs_between(self, start: int, end: int) -> list[Paragraph]:
        """The paragraphs a passage from `start` to `end` touches, in order."""
        first = max(0, bisect.bisect_right(self._paragraph_starts, start) - 1)
        touched = []
        for paragraph in self.paragraphs[first:]:
            if paragraph.start >= end:
                break
            if paragraph.end > start:
                touched.append(paragraph)
        return touched

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def place(
        self, *, exact: str, prefix: str = "", suffix: str = "", start=None, end=None, revision=None
    ) -> Anchor:
        """Place a selection a reader made on this text as it was at `revision`.

        Offsets from a page loaded before a correction of the text are stale: then only
        the quote and its context count. Raises AnchorError when it cannot be placed.
        """
        if revision is not None and revision != self.revision:
            start = end = None
        return anchor(self.text, start=start, end=end, exact=exact, prefix=prefix, suffix=suffix)


class DocumentRevision(models.Model):
    """A text a document had before a correction, kept so that no correction loses it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="The revision this text was.")
    text = models.TextField()
    paragraph_roles = models.JSONField(default=dict, blank=True)
    # Who replaced it, when and why; no author for a reload from the fixtures.
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    corrected = models.DateTimeField(auto_now_add=True)
    note = models.TextField()
    moved = models.PositiveIntegerField(default=0)
    requoted = models.PositiveIntegerField(default=0)
    orphaned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_revision_once"),
            models.CheckConstraint(condition=~Q(note=""), name="document_revision_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.document} r{self.number}"


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Classroom(models.Model):
    """A class: a teacher and students who read and annotate together."""

    name = models.CharField(max_length=100)
    join_code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    # The teacher may turn joining off, or let the code lapse at a set time.
    join_enabled = models.BooleanField("students may join with the code", default=True)
    join_code_expires = models.DateTimeField(null=True, blank=True)
    # Set at the end of term: the class becomes read-only, and stays exportable.
    archived = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Due dates are entered in it (a new class takes its teacher's); everyone sees their own.
    time_zone = models.CharField(
        max_length=MAX_TIME_ZONE_LENGTH, default=default_time_zone, validators=[validate_time_zone]
    )
    # Offered in the Tags field of its students after an assignment's own suggested tags,
    # in every assignment of the class and outside assignments (annotations/tagging.py).
    suggested_tags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="classroom_has_name"),
            models.CheckConstraint(
                condition=Q(join_code__regex=JOIN_CODE),
                name="classroom_join_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("class", args=[self.pk])

    @property
    def is_archived(self) -> bool:
        return self.archived is not None

    def can_be_joined(self, now=None) -> bool:
        """Whether the join code lets students in now."""
        if not self.join_enabled or self.is_archived:
            return False
        return self.join_code_expires is None or self.join_code_expires > (now or timezone.now())


class MembershipRole(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    STUDENT = "student", "Student"


class MembershipQuerySet(models.QuerySet):
    def in_roster_order(self):
        """Students, then teachers (as the roles sort), each by name."""
        return self.select_related("user").order_by("role", "user__last_name", "user__first_name")

    def students(self):
        return (
            self.filter(role=MembershipRole.STUDENT)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__username")
        )


class Membership(models.Model):
    # Choices live beside the model, so that its constraints can name their values.
    Role = MembershipRole

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STUDENT)
    joined = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "user"], name="one_membership_per_class"),
            models.CheckConstraint(
                condition=Q(role__in=MembershipRole.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.classroom} ({self.role})"


class AssignmentQuerySet(models.QuerySet):
    def for_student(self, user):
        return self.filter(
            classroom__memberships__user=user,
            classroom__memberships__role=Membership.Role.STUDENT,
        )

    def to_work_in(self, user, document):
        """A student's assignments that set `document`, past due ones too (their work
        still counts), but not an archived class's: its work is read-only."""
        return self.for_student(user).filter(documents=document, classroom__archived__isnull=True)

    def to_work_in_one(self, user, document, pk: int):
        """The assignment `pk` if `user` works in it on `document` (to_work_in's rule),
        with `in_lms` and `requires_entries` (with_links); else None. Written out, in one
        statement: every save asks it, and the ORM took longer to build
        to_work_in().with_links().get() than PostgreSQL to run it. tests/test_work_in.py
        holds the two to the same answers."""
        model = self.model
        membership, classroom = Membership._meta.db_table, Classroom._meta.db_table
        documents = model.documents.through._meta.db_table
        links = model.lti_links.rel.related_model._meta.db_table
        entries = model.required_entries.through._meta.db_table
        sql = (
            f"SELECT a.*, EXISTS (SELECT FROM {links} link WHERE link.assignment_id = a.id)"
            f" AS in_lms, EXISTS (SELECT FROM {entries} entry WHERE entry.assignment_id = a.id)"
            f" AS requires_entries FROM {model._meta.db_table} a"
            f" JOIN {classroom} c ON c.id = a.classroom_id AND c.archived IS NULL"
            f" WHERE a.id = %s AND EXISTS (SELECT FROM {membership} m"
            " WHERE m.classroom_id = a.classroom_id AND m.user_id = %s AND m.role = %s)"
            f" AND EXISTS (SELECT FROM {documents} d"
            " WHERE d.assignment_id = a.id AND d.document_id = %s)"
        )
        found = self.raw(sql, [pk, user.pk, Membership.Role.STUDENT, document.pk])
        return next(iter(found), None)

    def with_links(self):
        """Each with `in_lms`: whether a course in an LMS links to it (lti.models
        .AssignmentLink), whose gradebook then takes the students' scores; and
        `requires_entries`: whether it asks for glossary entries to be linked."""
        lms = self.model.lti_links.rel.related_model.objects.filter(assignment=OuterRef("pk"))
        entries = self.model.required_entries.through.objects.filter(assignment=OuterRef("pk"))
        return self.annotate(in_lms=Exists(lms), requires_entries=Exists(entries))


class AssignmentVisibility(models.TextChoices):
    PRIVATE = "private", "Private: each student's highlights are seen by them and the teacher"
    CLASS = "class", "Shared: students see the highlights classmates share"
    AFTER_MINIMUM = (
        "after_minimum",
        "Shared once a student has made their own minimum of highlights",
    )


class Assignment(models.Model):
    """A reading assignment: articles to read and annotate by a due time."""

    Visibility = AssignmentVisibility

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True, max_length=MAX_INSTRUCTIONS_LENGTH)
    documents = models.ManyToManyField(Document, related_name="assignments")
    due = models.DateTimeField()
    min_highlights = models.PositiveSmallIntegerField("minimum highlights", default=3)
    suggested_tags = models.JSONField(default=list, blank=True)
    required_entries = models.ManyToManyField(
        "GlossaryEntry", blank=True, related_name="required_by"
    )
    visibility = models.CharField(
        max_length=20, choices=Visibility.choices, default=Visibility.AFTER_MINIMUM
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["due", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_highlights__lte=MAX_MIN_HIGHLIGHTS),
                name=f"assignment_minimum_at_most_{MAX_MIN_HIGHLIGHTS}",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=AssignmentVisibility.values),
                name="assignment_visibility_valid",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="assignment_has_title"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("instructions"), MAX_INSTRUCTIONS_LENGTH),
                name=f"assignment_instructions_at_most_{MAX_INSTRUCTIONS_LENGTH}",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assignment", args=[self.pk])


class GlossaryEntryQuerySet(models.QuerySet):
    def search(self, query: str):
        """Entries whose name, other names or aliases contain the query, in any case."""
        query = " ".join(query.split())
        if not query:
            return self
        # Each of the other names, not the JSON text of the list (its [", ] would match).
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        by_other_name = RawSQL(
            "SELECT entry.id FROM annotations_glossaryentry AS entry,"
            " jsonb_array_elements_text(entry.other_names) AS other_name"
            " WHERE other_name ILIKE %s",
            [pattern],
        )
        return self.filter(
            Q(name__icontains=query) | Q(aliases__text__icontains=query) | Q(pk__in=by_other_name)
        ).distinct()

    def mention_counts(self) -> dict[int, dict[int, int]]:
        """How often each of these entries is named in each document, in one query:
        {entry id: {document id: count}}; an entry never named has an empty dict."""
        counts: dict[int, dict[int, int]] = defaultdict(dict)
        rows = Mention.objects.filter(entry__in=self).values("entry_id", "document_id")
        for row in rows.annotate(n=Count("id")):
            counts[row["entry_id"]][row["document_id"]] = row["n"]
        return counts

    def near(self, document, start: int, end: int, reach: int = 300) -> list:
        """Entries named inside a passage first, then those named close to it."""
        mentions = (
            Mention.objects.filter(
                document=document,
                revision=document.revision,
                end__gt=start - reach,
                start__lt=end + reach,
            )
            .select_related("entry")
            .order_by("start")
        )

        def distance(mention):
            return max(0, start - mention.end, mention.start - end)

        ranked: dict[int, tuple] = {}
        for mention in mentions:
            key = (distance(mention), mention.start)
            if mention.entry_id not in ranked or key < ranked[mention.entry_id][0]:
                ranked[mention.entry_id] = (key, mention.entry)
        return [entry for _, entry in sorted(ranked.values(), key=lambda item: item[0])]


class EntryKind(models.TextChoices):
    PERSON = "person", "Person"
    PLACE = "place", "Place"
    ARCHIVE = "archive", "Archive"
    ORGANISATION = "organisation", "Organisation"
    WORK = "work", "Work"


class GlossaryEntry(models.Model):
    """A person, place, archive (or organisation, work) the articles name."""

    Kind = EntryKind

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=MAX_SLUG_LENGTH, unique=True)
    summary = models.TextField(max_length=MAX_SUMMARY_LENGTH)
    other_names = models.JSONField(
        default=list, blank=True, help_text="Names the articles do not use; never matched."
    )
    wikidata = models.CharField(
        "Wikidata id",
        max_length=20,
        blank=True,
        validators=[validate_wikidata_id],
    )
    born = models.CharField(max_length=10, blank=True, help_text="YYYY, YYYY-MM or YYYY-MM-DD")
    died = models.CharField(max_length=10, blank=True, help_text="YYYY, YYYY-MM or YYYY-MM-DD")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = GlossaryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "glossary entries"
        constraints = [
            models.CheckConstraint(condition=~Q(summary=""), name="glossary_entry_has_summary"),
            models.CheckConstraint(condition=~Q(name=""), name="glossary_entry_has_name"),
            # "new" is the address of the page that adds an entry.
            models.CheckConstraint(
                condition=~Q(slug__in=["", *RESERVED_SLUGS]), name="glossary_entry_slug_usable"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="glossary_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("summary"), MAX_SUMMARY_LENGTH),
                name=f"glossary_summary_at_most_{MAX_SUMMARY_LENGTH}",
            ),
            models.CheckConstraint(
                condition=Q(wikidata="") | Q(wikidata__regex=WIKIDATA_ID),
                name="glossary_wikidata_id_format",
            ),
            models.CheckConstraint(
                condition=Q(born="") | Q(born__regex=PARTIAL_DATE),
                name="glossary_born_partial_date",
            ),
            models.CheckConstraint(
                condition=Q(died="") | Q(died__regex=PARTIAL_DATE),
                name="glossary_died_partial_date",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="glossary_coordinates_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="glossary_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="glossary_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("glossary_entry", args=[self.slug])

    @property
    def wikidata_url(self) -> str:
        return f"https://www.wikidata.org/wiki/{self.wikidata}" if self.wikidata else ""


class Alias(models.Model):
    """A surface form of an entry as the articles write it, misspellings included.

    A short form ("Kim", "Pak") is ambiguous: it is linked only where the document has
    already named exactly one entry that has it (see annotations/glossary.py).
    """

    entry = models.ForeignKey(GlossaryEntry, on_delete=models.CASCADE, related_name="aliases")
    text = models.CharField(max_length=200)
    is_short = models.BooleanField("short form", default=False)

    class Meta:
        ordering = ["-is_short", "text"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "text"], name="alias_once_per_entry"),
            # A full alias names one entry; only short forms may be shared.
            models.UniqueConstraint(
                fields=["text"], condition=Q(is_short=False), name="full_alias_names_one_entry"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="alias_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text


class MentionQuerySet(models.QuerySet):
    def in_reading_order(self) -> list["Mention"]:
        """The mentions by article and place, each article fetched once, so that its
        paragraphs are split once, not once a mention."""
        mentions = list(self.order_by("document__position", "start"))
        documents = Document.objects.in_bulk({mention.document_id for mention in mentions})
        for mention in mentions:
            mention.document = documents[mention.document_id]
        return mentions


class Mention(models.Model):
    """Where an entry is named in a document at a revision; recomputed, never edited."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="mentions")
    revision = models.PositiveIntegerField()
    entry = models.ForeignKey(GlossaryEntry, on_delete=models.CASCADE, related_name="mentions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ["document", "start"]
        indexes = [models.Index(fields=["document", "revision", "start"], name="mention_place")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="mention_start_before_end"
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="mention_revision_positive"),
            models.UniqueConstraint(
                fields=["document", "revision", "start"], name="one_mention_per_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} in {self.document} at {self.start}"


class Tag(TagBase):
    """A tag, unique whatever its case: "Cold War" and "cold war" are one tag."""

    class Meta:
        ordering = ["name"]
        # UPPER, as taggit's case-insensitive lookup (iexact) compares: with LOWER the two
        # disagree on a few letters (ẞ and ß, the Kelvin sign and k) and a save would fail.
        constraints = [
            models.UniqueConstraint(Upper("name"), name="tag_name_unique_any_case"),
            models.CheckConstraint(
                condition=~Q(name="") & ~Q(slug=""), name="tag_has_name_and_slug"
            ),
        ]
        indexes = [GinIndex(text_vector(("name", None)), name="tag_search")]


class TaggedHighlight(TaggedItemBase):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_highlights")
    content_object = models.ForeignKey(
        "Highlight", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="one_tag_once_per_highlight"
            )
        ]


def _not_hidden_in(classrooms) -> Q:
    """Not hidden by a teacher in any of `classrooms`: an uncorrelated subquery that
    PostgreSQL hashes once, so it costs the same for one highlight or 5,000 hidden."""
    return ~Q(pk__in=ClassHide.objects.filter(classroom__any=classrooms).values("highlight"))


def _open_by_class(assignments: list, made: dict) -> dict[int, list[int]]:
    """The assignments whose classmates' shared highlights the viewer may see, by class:
    those that show them always, and those whose minimum the viewer has made."""
    open_assignments = defaultdict(list)
    for pk, classroom, rule, minimum in assignments:
        if rule == Assignment.Visibility.CLASS or (
            rule == Assignment.Visibility.AFTER_MINIMUM and made.get(pk, 0) >= minimum
        ):
            open_assignments[classroom].append(pk)
    return open_assignments


def _viewer_rows(user_id: int) -> tuple[list, list, dict]:
    """What Viewer.of reads, in one statement: everyone in the viewer's classes, the
    viewer too (user, class, role, whether the class is archived, whether any teacher hid
    anything in it: if not, its rules need not ask which); those classes' assignments
    (id, class, visibility rule, minimum); and how many highlights the viewer made in each
    that opens after a minimum. Written out: every page and write that checks access asks
    it first, and the ORM took three statements and longer to build them than PostgreSQL
    to run them."""
    membership, classroom = Membership._meta.db_table, Classroom._meta.db_table
    hide, assignment = ClassHide._meta.db_table, Assignment._meta.db_table
    highlight = Highlight._meta.db_table
    sql = (
        f"WITH rooms AS (SELECT classroom_id FROM {membership} WHERE user_id = %s)"
        " SELECT"
        " (SELECT coalesce(json_agg(json_build_array(m.user_id, m.classroom_id, m.role,"
        f" c.archived IS NOT NULL, EXISTS (SELECT FROM {hide} h WHERE h.classroom_id = c.id)))"
        f", '[]') FROM {membership} m JOIN {classroom} c ON c.id = m.classroom_id"
        " WHERE m.classroom_id IN (SELECT classroom_id FROM rooms)),"
        " (SELECT coalesce(json_agg(json_build_array(a.id, a.classroom_id, a.visibility,"
        f" a.min_highlights)), '[]') FROM {assignment} a"
        " WHERE a.classroom_id IN (SELECT classroom_id FROM rooms)),"
        " (SELECT coalesce(json_object_agg(made.assignment_id, made.n), '{}') FROM"
        f" (SELECT h.assignment_id, count(*) AS n FROM {highlight} h JOIN {assignment} a"
        " ON a.id = h.assignment_id WHERE h.owner_id = %s AND a.visibility = %s"
        " AND a.classroom_id IN (SELECT classroom_id FROM rooms) GROUP BY h.assignment_id) made)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id, Assignment.Visibility.AFTER_MINIMUM])
        everyone, assignments, made = cursor.fetchone()
    return everyone, assignments, {int(pk): n for pk, n in made.items()}


def _shared_by_classmates(viewer: "Viewer") -> Q | None:
    """What the viewer's classmates (everyone in a class of theirs) share that the viewer
    may see, unless a teacher hid it in a class whose hides apply: outside assignments,
    the classes the two share; in an open assignment (Viewer.open_assignments), its class.

    The terms are grouped by those classes, and only classes with hides
    (Viewer.classes_with_hides) are asked about: one hide subquery a group, usually one
    a class (a classmate's work outside and inside the class's assignments together),
    none for a class without hides. No term is made that could match nothing (an empty list of
    owners or assignments): Django would build and compile each only to drop it. None
    when nothing is shared with the viewer."""
    classmates = set(viewer.roles)
    owners, assignments = defaultdict(set), defaultdict(list)
    # Outside assignments, a teacher's students are in Viewer.highlights already, hidden
    # or not.
    for member, classrooms in viewer.roles.items():
        if member not in viewer.taught:
            owners[frozenset(classrooms) & viewer.classes_with_hides].add(member)
    for classroom, open_assignments in viewer.open_assignments.items() if classmates else ():
        assignments[frozenset({classroom}) & viewer.classes_with_hides] += open_assignments
    shown = []
    for hides in sorted(owners.keys() | assignments.keys(), key=sorted):
        terms = [Q(assignment__isnull=True, owner__any=owners[hides])] if owners[hides] else []
        if assignments[hides]:
            terms.append(Q(assignment__any=assignments[hides], owner__any=classmates))
        term = reduce(operator.or_, terms)
        shown.append(term & _not_hidden_in(hides) if hides else term)
    if not shown:
        return None
    return Q(visibility=Highlight.Visibility.CLASS) & reduce(operator.or_, shown)


def _markable_by(user, viewer=None) -> Q:
    """Who may press "Same question" and "Helpful" on a highlight they may see: a student
    of an open class its author is a student of too (for a highlight in an assignment,
    that assignment's class), never its author. Teachers see the counts; they answer.
    `viewer`: the user's lookups (Viewer.of), when the caller has them, for their classes."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if viewer is not None:
        classes = sorted(viewer.open_classes - viewer.teaching)
    else:
        classes = list(
            Membership.objects.filter(
                user=user, role=Membership.Role.STUDENT, classroom__archived__isnull=True
            ).values_list("classroom", flat=True)
        )
    classmates = Membership.objects.filter(classroom__in=classes, role=Membership.Role.STUDENT)
    in_class = Q(assignment__isnull=True) | Q(assignment__classroom__in=classes)
    return Q(owner__in=classmates.values("user")) & in_class & ~Q(owner=user.pk)


def _mark_count(kind: str, only=None) -> Subquery:
    """How many marks of `kind` each highlight has (0 for none); `only` those it holds for."""
    marks = (
        HighlightMark.objects.filter(highlight=OuterRef("pk"), kind=kind)
        .order_by()
        .values("highlight")
        .annotate(n=Count("pk"))
        .values("n")
    )
    count = Coalesce(Subquery(marks), 0)
    return count if only is None else Case(When(only, then=count), default=0)


@dataclass
class Viewer:
    """What the visibility rules need to know about one viewer, looked up first as short
    lists: a filter on ids lets PostgreSQL use its indexes, where the same rules as
    subqueries made it test every highlight of an article at district scale. Highlights
    and replies read the same lists (HighlightQuerySet.visible_to, ReplyQuerySet)."""

    user: object
    classes: set
    teaching: set
    open_classes: set  # those not archived
    # Each member of the viewer's classes (not the viewer): {user: {class: role}}.
    roles: dict
    taught: set  # the students of the classes the viewer teaches
    taught_assignments: list
    open_assignments: dict  # by class: those whose classmates' work the viewer sees
    assignment_classes: dict  # each assignment of the viewer's classes: its class
    classes_with_hides: set  # those of the viewer's classes where a teacher hid any

    @classmethod
    def of(cls, user) -> "Viewer":
        me = user.pk  # once: request.user is a lazy object, dear to ask for each row
        everyone, assignments, made = _viewer_rows(me)
        mine = [(room, role, archived) for pk, room, role, archived, _ in everyone if pk == me]
        classes = {room for room, _, _ in mine}
        teaching = {room for room, role, _ in mine if role == Membership.Role.TEACHER}
        roles, taught = defaultdict(dict), set()
        for member, classroom, role, _, _ in everyone:
            if member == me:
                continue
            roles[member][classroom] = role
            if classroom in teaching and role == Membership.Role.STUDENT:
                taught.add(member)
        with_hides = {room for pk, room, *_, hidden in everyone if pk == me and hidden}
        return cls(
            user=user,
            classes=classes,
            teaching=teaching,
            open_classes={room for room, _, archived in mine if not archived},
            roles=roles,
            taught=taught,
            taught_assignments=[pk for pk, room, _, _ in assignments if room in teaching],
            open_assignments=_open_by_class(assignments, made),
            assignment_classes={pk: room for pk, room, _, _ in assignments},
            classes_with_hides=with_hides,
        )

    @classmethod
    def of_request(cls, request) -> "Viewer | None":
        """The lookups of the request's user (None for someone logged out), made once a
        request: the access check, the card it answers with and the header's badge read
        the same lists. Made at the first ask; a view that changes what they hold (a
        class joined, a minimum reached) and shows it in the same request asks `of`."""
        if not request.user.is_authenticated:
            return None
        if not hasattr(request, "_viewer"):
            request._viewer = cls.of(request.user)
        return request._viewer

    def members_of(self, classroom: int, role: str) -> set:
        return {user for user, rooms in self.roles.items() if rooms.get(classroom) == role}

    def highlights(self) -> Q:
        """The highlights this viewer may see (HighlightQuerySet.visible_to says which),
        without the terms the lists say match nothing (no query is built only to be
        dropped)."""
        user = self.user
        # Only people still in the viewer's classes (the lists): a student a teacher
        # removed leaves its views, their highlights staying theirs.
        seen = Q(owner=user)
        if self.taught:
            shared = Q(visibility=Highlight.Visibility.CLASS)
            seen |= Q(assignment__isnull=True, owner__any=self.taught) & shared
            if self.taught_assignments:
                seen |= Q(assignment__any=self.taught_assignments, owner__any=self.taught)
        shown = _shared_by_classmates(self)
        return seen if shown is None else seen | shown

    def replies(self, *, highlights_seen: bool = False) -> Q:
        """The replies this viewer may read (ReplyQuerySet.visible_to says which);
        `highlights_seen`: of highlights found through this viewer's `highlights()`."""
        if highlights_seen:
            return self.replies_on_seen()
        return Q(highlight__in=Highlight.objects.filter(self.highlights())) & self.replies_on_seen()

    def replies_on_seen(self) -> Q:
        """The replies this viewer may read on a highlight they see: the rule without
        the highlights' own. As there, without terms the lists say match nothing."""
        user = self.user
        seen = Q(author=user) | Q(classroom__isnull=True, highlight__owner=user)
        if self.teaching:
            seen |= Q(classroom__any=self.teaching)
        for classroom in sorted(self.classes - self.teaching):
            teachers = self.members_of(classroom, Membership.Role.TEACHER)
            students = self.members_of(classroom, Membership.Role.STUDENT)
            readable = [Q(author__any=teachers)] if teachers else []
            if students:
                in_open_work = Q(highlight__assignment__isnull=True)
                if self.open_assignments.get(classroom):
                    in_open_work |= Q(highlight__assignment__any=self.open_assignments[classroom])
                by_students = Q(author__any=students) & in_open_work
                if classroom in self.classes_with_hides:
                    hidden = ClassHide.objects.filter(classroom=classroom).values("highlight")
                    by_students &= Q(highlight__owner=user) | ~Q(highlight__in=hidden)
                readable.append(by_students)
            if readable:
                seen |= Q(classroom=classroom) & reduce(operator.or_, readable)
        return seen


class HighlightQuerySet(models.QuerySet):
    def visible_to(self, user, viewer: Viewer | None = None):
        """The highlights `user` may see. The one place these rules live:

        - their own, always;
        - outside assignments, what classmates share with the class ("My class"), unless
          a teacher hid it in a class the two share (a hide belongs to one class: members
          of the author's other classes still see it); a teacher of the author sees those,
          hidden ones included;
        - in an assignment, its class's teacher sees every highlight (students are told);
          classmates see what is shared, unless hidden in that class, as the assignment's
          rule says: never ("private"), always ("class"), or once they have made the
          minimum themselves ("after_minimum").
        """
        if not user.is_authenticated:
            return self.none()
        return self.filter((viewer or Viewer.of(user)).highlights())

    def hidden_in(self, classrooms):
        """Those a teacher hid in one of `classrooms` (ids, or a query of them)."""
        return self.filter(
            pk__in=ClassHide.objects.filter(classroom__in=classrooms).values("highlight")
        )

    def with_hidden_for(self, user, classroom=None):
        """Each with `hidden_here`: whether `user` sees it as hidden, that is hidden in a
        class they teach, or, for its author, in any class (narrowed to `classroom`)."""
        hides = ClassHide.objects.seen_by(user).filter(highlight=OuterRef("pk"))
        if classroom is not None:
            hides = hides.filter(classroom=classroom)
        return self.annotate(hidden_here=Exists(hides))

    def in_document(self, document):
        return self.filter(document=document)

    def of_class(self, classroom):
        """The class's work, whose tags its teacher tends: what its students made in its
        assignments. Their highlights outside assignments are their own (a student may be
        in several classes), and keep their tags whatever a class does with its own."""
        students = Membership.objects.filter(classroom=classroom, role=Membership.Role.STUDENT)
        return self.filter(assignment__classroom=classroom, owner__in=students.values("user"))

    def shared_in_class(self, classroom):
        """Those shared with the class `classroom` sees: outside assignments, or in one of
        its assignments (who owns them is for the caller to narrow)."""
        return self.filter(
            Q(assignment__isnull=True) | Q(assignment__classroom=classroom),
            visibility=Highlight.Visibility.CLASS,
        )

    def in_assignment(self, assignment):
        return self.filter(assignment=assignment)

    def not_orphaned(self):
        """Those with a place in the text: orphaned ones lost theirs to a correction."""
        return self.exclude(anchor_status=AnchorStatus.ORPHANED)

    def owned_by(self, user):
        return self.filter(owner=user)

    def taught_by(self, user):
        """Highlights of the students `user` teaches (in any class), not `user`'s own."""
        teaching = Membership.objects.filter(user=user, role=Membership.Role.TEACHER)
        students = Membership.objects.filter(
            classroom__in=teaching.values("classroom"), role=Membership.Role.STUDENT
        )
        return self.filter(owner__in=students.values("user")).exclude(owner=user)

    def for_listing(self):
        return self.select_related("owner", "document").prefetch_related("tags", "glossary_entries")

    def markable_by(self, user):
        """Those `user` may mark "Same question" or "Helpful" (of those they may see)."""
        return self.filter(_markable_by(user))

    def with_mark_counts(self):
        """Each with how many people marked it "Same question" (`same_question_count`,
        counted on questions only) and "Helpful" (`helpful_count`), and whether a reply
        is marked as its answer (`answered`), in the same query. Never who marked it."""
        return self.annotate(
            same_question_count=_mark_count(MarkKind.SAME_QUESTION, Q(is_question=True)),
            helpful_count=_mark_count(MarkKind.HELPFUL),
            answered=Exists(Reply.objects.filter(highlight=OuterRef("pk"), is_answer=True)),
        )

    def with_marks_for(self, user, viewer: "Viewer | None" = None):
        """What a card shows `user` of the marks: the counts (with_mark_counts), whether
        they pressed each (`marked_same_question`, `marked_helpful`) and whether they may
        (`can_mark`), in the same query. `viewer`: the user's lookups, if made already."""
        mine = HighlightMark.objects.filter(highlight=OuterRef("pk"), person=user.pk)
        markable = _markable_by(user, viewer)
        return self.with_mark_counts().annotate(
            marked_same_question=Exists(mine.filter(kind=MarkKind.SAME_QUESTION)),
            marked_helpful=Exists(mine.filter(kind=MarkKind.HELPFUL)),
            can_mark=ExpressionWrapper(markable, output_field=models.BooleanField()),
        )


class HighlightManager(models.Manager.from_queryset(HighlightQuerySet)):
    def get_queryset(self):
        # The search vector is for WHERE clauses (annotations/search.py) and no page reads
        # it: longer than the passage and note together, it would double what a list of
        # highlights fetches.
        return super().get_queryset().defer("search_vector")


class HighlightVisibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    CLASS = "class", "My class"

    @classmethod
    def choices_in_assignment(cls) -> list[tuple[str, str]]:
        """The labels inside an assignment, whose teacher sees every highlight."""
        return [(cls.PRIVATE.value, "Only me and my teacher"), (cls.CLASS.value, cls.CLASS.label)]


class AnchorStatus(models.TextChoices):
    ANCHORED = "anchored", "Anchored"
    REANCHORED = "reanchored", "Re-anchored"
    ORPHANED = "orphaned", "Orphaned"


class Highlight(models.Model):
    """A passage a student marked, with an optional note and tags.

    Anchored twice, as the W3C Web Annotation model does: by position (`start`, `end`,
    code points into the document's text at `revision`) and by quote (`exact` with
    `prefix` and `suffix` context), so it can be placed again when the text changes.
    """

    Visibility = HighlightVisibility
    AnchorStatus = AnchorStatus

    # No index of their own on owner, document and assignment: each leads one of the
    # indexes in Meta (highlight_client_key_once, highlight_document_start,
    # highlight_assignment_since), which serve the same lookups; every save paid for both.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="highlights",
        db_index=False,
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="highlights", db_index=False
    )
    revision = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField()
    prefix = models.CharField(max_length=32, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True, max_length=MAX_NOTE_LENGTH)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    anchor_status = models.CharField(
        max_length=10, choices=AnchorStatus.choices, default=AnchorStatus.ANCHORED
    )
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,  # deleting an assignment never deletes students' work
        null=True,
        blank=True,
        related_name="highlights",
        db_index=False,
    )
    # Sent by the browser with each new highlight, so a retried request creates nothing new.
    client_key = models.UUIDField(default=uuid.uuid4)
    # Its author asks the class: classmates may say they wonder the same (HighlightMark).
    is_question = models.BooleanField("this is a question", default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    tags = TaggableManager(through=TaggedHighlight, blank=True)
    glossary_entries = models.ManyToManyField(GlossaryEntry, blank=True, related_name="highlights")
    # Stored, so that a search tests each highlight it may show without parsing its text
    # again (annotations/search.py); the note, the student's own words, weighs most.
    search_vector = models.GeneratedField(
        expression=text_vector(("note", "A"), ("exact", "B")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = HighlightManager()

    class Meta:
        ordering = ["document", "start", "end", "id"]
        indexes = [
            models.Index(fields=["document", "start"], name="highlight_document_start"),
            # Few, and looked for on every reading view (a teacher's "lost their place").
            models.Index(
                fields=["document"],
                condition=Q(anchor_status=AnchorStatus.ORPHANED),
                name="highlight_orphaned",
            ),
            # The live reading view's poll (annotations/live.py): an assignment's newest,
            # and the newest shared outside assignments, on an article.
            models.Index(fields=["assignment", "id"], name="highlight_assignment_since"),
            models.Index(
                fields=["document", "id"],
                condition=Q(assignment__isnull=True, visibility=HighlightVisibility.CLASS),
                name="highlight_shared_since",
            ),
            GinIndex(fields=["search_vector"], name="highlight_search"),
            # Its address in the Web Annotation Protocol, /annotations/<key>, for anyone
            # who sees it: the unique (owner, key) index cannot find it by key alone.
            models.Index(fields=["client_key"], name="highlight_client_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="highlight_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="highlight_revision_positive"
            ),
            # Orphaned ones too: what a highlight quotes is what it is.
            models.CheckConstraint(condition=~Q(exact=""), name="highlight_exact_not_empty"),
            models.CheckConstraint(
                condition=Q(anchor_status=AnchorStatus.ORPHANED)
                | Q(end=F("start") + Length("exact")),
                name="highlight_exact_matches_range",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=HighlightVisibility.values),
                name="highlight_visibility_valid",
            ),
            models.CheckConstraint(
                condition=Q(anchor_status__in=AnchorStatus.values),
                name="highlight_anchor_status_valid",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), MAX_NOTE_LENGTH),
                name=f"highlight_note_at_most_{MAX_NOTE_LENGTH}",
            ),
            models.UniqueConstraint(
                fields=["owner", "client_key"], name="highlight_client_key_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner}: {self.exact[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("highlight", args=[self.pk])

    def validate_constraints(self, exclude=None):
        """Left to PostgreSQL, which checks them on every write.

        Django's default asks the database once per check constraint before a form saves
        (two queries a highlight); the forms check what a reader can get wrong themselves,
        with messages of their own.
        """

    @classmethod
    def placed(cls, anchor: Anchor, *, owner, document: Document, **fields) -> "Highlight":
        """An unsaved highlight at `anchor` in the document's current revision."""
        return cls(
            owner=owner, document=document, revision=document.revision, **anchor.fields(), **fields
        )

    @property
    def anchor(self) -> str:
        return f"h-{self.pk}"

    @property
    def threads(self) -> list[tuple["Reply", list["Reply"]]]:
        """The replies the viewer may read, as threads: each first reply with its answers,
        oldest first. Only what moderation.replies_for prefetched (none otherwise, so that
        a card never shows a reply it was not given); an answer whose first reply the
        viewer may not read starts a thread of its own; a deleted reply stays only above
        answers."""
        replies = getattr(self, "visible_replies", [])
        shown = {reply.pk for reply in replies}
        answers = defaultdict(list)
        for reply in replies:
            if reply.parent_id in shown:
                answers[reply.parent_id].append(reply)
        return [
            (reply, answers[reply.pk])
            for reply in replies
            if reply.parent_id not in shown and (reply.deleted is None or answers[reply.pk])
        ]

    @property
    def visibility_label(self) -> str:
        """Who can see it, in the words of the place it was made (an assignment or not)."""
        in_assignment = self.assignment_id is not None
        choices = (
            self.Visibility.choices_in_assignment() if in_assignment else self.Visibility.choices
        )
        return dict(choices)[self.visibility]


class ClassHideQuerySet(models.QuerySet):
    def seen_by(self, user):
        """The hides `user` sees as hides: those of the classes they teach, and every hide
        of their own highlights. A teacher of another class of the author sees none."""
        teaching = Membership.objects.filter(user=user.pk, role=Membership.Role.TEACHER)
        return self.filter(
            Q(classroom__in=teaching.values("classroom")) | Q(highlight__owner=user.pk)
        )


class ClassHide(models.Model):
    """A teacher took a shared highlight out of one class's view: that class's members no
    longer see it; its author, that class's teachers and the author's other classes do."""

    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="class_hides")
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="hides")
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ClassHideQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["highlight", "classroom"], name="one_hide_per_highlight_and_class"
            )
        ]
        indexes = [models.Index(fields=["classroom", "highlight"], name="hide_class_highlight")]

    def __str__(self) -> str:
        return f"{self.highlight_id} hidden in {self.classroom_id}"


class ReplyQuerySet(models.QuerySet):
    def visible_to(
        self, user, viewer: Viewer | None = None, *, highlights_seen: bool = False, on=None
    ):
        """The replies `user` may read. The one place these rules live, on top of the
        highlights' (a reply is read only where its highlight is seen):

        - those they wrote, always;
        - those made in a class they teach (a teacher of another class of the author
          reads none of this one's);
        - as a student, in a class of theirs: its teachers' replies, and classmates'
          (those still in the class, as for highlights) where the class's work is open
          to them as highlights are (outside
          assignments; in an assignment whose rule shows classmates' work: never in a
          "private" one, in an "after_minimum" one once they made their minimum), and
          not on a highlight a teacher hid in that class (unless the highlight is theirs);
        - a reply made in another class, never; one whose class is gone, its writer and
          the highlight's author only.

        `viewer`: the user's lookups when the caller has them already (Viewer.of);
        `highlights_seen`: the caller narrows these to highlights it found through the
        same `viewer` (access.get_highlight_for_user), whose rule is then not asked again;
        `on`: highlights the caller has already narrowed to what `user` sees (a query of
        HighlightQuerySet.visible_to): the replies on those, without building the
        highlights' rules again.
        """
        if not user.is_authenticated:
            return self.none()
        viewer = viewer or Viewer.of(user)
        if on is not None:
            return self.filter(viewer.replies_on_seen(), highlight__in=on.values("pk"))
        return self.filter(viewer.replies(highlights_seen=highlights_seen))

    def in_threads(self):
        return self.select_related("author").order_by("created", "pk")


class Reply(models.Model):
    """A reply to a highlight, or to a reply (one level: an answer to an answer joins the
    first reply's thread), made in one class (access.reply_classes says which)."""

    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="replies")
    # The thread's first reply; a database constraint keeps it on the same highlight.
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    # No index of its own: reply_client_key_once (author, client_key) serves its lookups.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="replies", db_index=False
    )
    # Empty only when the class it was made in is gone: its writer and the author see it.
    classroom = models.ForeignKey(
        Classroom, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    text = models.TextField(max_length=MAX_REPLY_LENGTH, blank=True)
    # Its id in a JSON-LD export ends in it (.../annotations/<key>): an import is idempotent.
    client_key = models.UUIDField(default=uuid.uuid4)
    created = models.DateTimeField(auto_now_add=True)
    # A teacher of the class marked it as answering its highlight's question (one a
    # question: writes.set_answer moves the mark).
    is_answer = models.BooleanField(default=False)
    edited = models.DateTimeField(null=True, blank=True)
    # Deleted while it had answers: kept, emptied, as "Reply deleted" above them.
    deleted = models.DateTimeField(null=True, blank=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        ordering = ["created"]
        # An expression index, not a stored column: a search asks it only which replies
        # match, never ranks them, and replies are few beside highlights.
        indexes = [
            GinIndex(text_vector(("text", None)), name="reply_search"),
            # As a highlight's: its address in the Web Annotation Protocol.
            models.Index(fields=["client_key"], name="reply_client_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted__isnull=True) & ~Q(text="") | Q(deleted__isnull=False, text=""),
                name="reply_has_text_until_deleted",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MAX_REPLY_LENGTH),
                name=f"reply_at_most_{MAX_REPLY_LENGTH}",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="reply_not_its_own_parent"),
            # The target of the foreign key (parent, highlight) in migration 0020.
            models.UniqueConstraint(fields=["id", "highlight"], name="reply_id_and_highlight"),
            models.UniqueConstraint(fields=["author", "client_key"], name="reply_client_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.highlight_id}"

    @property
    def anchor(self) -> str:
        return f"r-{self.pk}"  # "reply-<highlight>" is the reply box's id


class MarkKind(models.TextChoices):
    SAME_QUESTION = "same_question", "Same question"
    HELPFUL = "helpful", "Helpful"


class HighlightMark(models.Model):
    """A classmate pressed "Same question" (on a question) or "Helpful" on a highlight:
    one of each kind a person, undone by pressing again. Pages show only the counts."""

    Kind = MarkKind

    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="marks")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="highlight_marks"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Its index, highlight first, also serves the counts of a highlight's marks.
            models.UniqueConstraint(
                fields=["highlight", "kind", "person"], name="one_mark_of_a_kind_per_person"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MarkKind.values), name="highlight_mark_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} marked {self.highlight_id} {self.kind}"


class NotificationKind(models.TextChoices):
    REPLY_TO_HIGHLIGHT = "highlight", "replied to your highlight"
    REPLY_TO_REPLY = "reply", "replied to your reply"
    ANSWER = "answer", "answered your question"


class NotificationQuerySet(models.QuerySet):
    def shown_to(self, user, viewer: Viewer | None = None, highlights=None):
        """The notifications `user` has, while they may still read the reply: a hide of
        the highlight in the reply's class, or a reply they may no longer see (another
        class's, a student removed), takes one away. One query, for the header's badge,
        after the user's lookups (`viewer`, made if not given); `highlights`: the
        highlights they see (HighlightQuerySet.visible_to), if the page built those."""
        memberships = Membership.objects.filter(user=user.pk)
        teaching = memberships.filter(role=Membership.Role.TEACHER)
        hidden = ClassHide.objects.filter(
            highlight=OuterRef("reply__highlight"), classroom=OuterRef("reply__classroom")
        )
        own_highlight = Q(reply__highlight__owner=user.pk)
        return (
            self.filter(
                recipient=user.pk,
                reply__in=Reply.objects.visible_to(user, viewer, on=highlights),
            )
            # Others' highlights only while in the class the reply was made in.
            .filter(own_highlight | Q(reply__classroom__in=memberships.values("classroom")))
            .alias(hidden=Exists(hidden))
            .exclude(
                Q(hidden=True)
                & ~own_highlight
                & ~Q(reply__classroom__in=teaching.values("classroom"))
            )
        )

    def unread(self):
        return self.filter(read__isnull=True)


class Notification(models.Model):
    """Someone answered the recipient in a thread: a reply to their highlight or to their
    reply, or the reply a teacher marked as the answer to their question. One per person
    and reply; made in the reply's transaction (annotations/notifications.py)."""

    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created = models.DateTimeField(auto_now_add=True)
    # When the recipient saw it on their notifications page; empty while it is new.
    read = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created"], name="notification_recipient"),
            # The header's count, on every page: only the new ones.
            models.Index(
                fields=["recipient"], condition=Q(read__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "reply"], name="one_notification_a_reply"),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.kind} {self.reply_id}"


class Account(models.Model):
    """What Korea Reader keeps about a person beyond Django's user: made on first need."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    # Set when a teacher made the password (roster, reset): the first log-in must change it.
    must_change_password = models.BooleanField(default=False)
    # The school's own number for a student, from a teacher's roster.
    student_id = models.CharField("student id", max_length=50, blank=True)
    # The zone times are shown in (an IANA name); empty until the first log-in detects it.
    time_zone = models.CharField(
        max_length=MAX_TIME_ZONE_LENGTH, blank=True, validators=[validate_time_zone]
    )

    def __str__(self) -> str:
        return f"account of {self.user}"


class Decision(models.TextChoices):
    PENDING = "pending", "Waiting for staff"
    GRANTED = "granted", "Granted"
    DECLINED = "declined", "Declined"


class TeacherRequest(models.Model):
    """Someone asking to teach; staff grant it (the Teachers group) or decline it."""

    Decision = Decision

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teacher_requests"
    )
    school = models.CharField(max_length=200)
    message = models.TextField(blank=True, max_length=MAX_REQUEST_LENGTH)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created"]
        constraints = [
            # One open request at a time: asking twice adds nothing for staff to read.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(decision=Decision.PENDING),
                name="one_pending_teacher_request",
            ),
            models.CheckConstraint(condition=~Q(school=""), name="teacher_request_has_school"),
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="teacher_request_decision_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("message"), MAX_REQUEST_LENGTH),
                name=f"teacher_request_at_most_{MAX_REQUEST_LENGTH}",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} asks to teach ({self.decision})"


class LogInLock(models.Model):
    """A user name locked everywhere: LOGIN_FAILURES_PER_USERNAME failed log-ins from any
    addresses (annotations/log_in_locks.py). It holds while the password is the one it was
    locked with, so any change of password lifts it; the class's teacher can lift it too."""

    # A name, not a key to a user: a made-up name is locked the same way, so a lock tells
    # nobody whether an account exists.
    username = models.CharField(max_length=150, unique=True)
    # Django's session hash of the password when locked (an HMAC of the hash, which it is
    # safe to keep); empty when no account had the name.
    password_fingerprint = models.CharField(max_length=128, blank=True)
    locked = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"log-in lock on {self.username}"


_TOKEN_SHOWN_RANDOM = TOKEN_SHOWN_LENGTH - len(TOKEN_MARK)


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read-write", "Read and write"


class AccessTokenQuerySet(models.QuerySet):
    def live(self):
        """Neither revoked nor expired: the tokens a tool may use now."""
        return self.filter(revoked__isnull=True, expires__gt=timezone.now())

    def in_list_order(self):
        """The tokens in use first, then the others, newest first: a page of the list
        always shows every token in use."""
        in_use = When(revoked__isnull=True, expires__gt=timezone.now(), then=0)
        return self.order_by(Case(in_use, default=1), "-created", "-pk")


class AccessToken(models.Model):
    """A personal access token: a tool sends it as `Authorization: Bearer` and acts for
    its owner on the tools' paths (annotations/tokens.py). The secret is shown once; only
    its SHA-256 is kept (docs/SECURITY.md), with its first characters to tell it apart."""

    Scope = TokenScope

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=MAX_TOKEN_NAME_LENGTH)
    scope = models.CharField(max_length=10, choices=TokenScope.choices)
    shown = models.CharField(max_length=TOKEN_SHOWN_LENGTH)
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="access_token_has_name"),
            models.CheckConstraint(
                condition=Q(scope__in=TokenScope.values), name="access_token_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(digest__regex=r"^[0-9a-f]{64}$"), name="access_token_digest_sha256"
            ),
            models.CheckConstraint(
                condition=Q(shown__regex=rf"^{TOKEN_MARK}[A-Za-z0-9_-]{{{_TOKEN_SHOWN_RANDOM}}}$"),
                name="access_token_shown_part",
            ),
            # No token without an expiry, and none that expires before it is made.
            models.CheckConstraint(
                condition=Q(expires__gt=F("created")), name="access_token_expires_after_made"
            ),
            models.CheckConstraint(
                condition=Q(revoked__isnull=True) | Q(revoked__gte=F("created")),
                name="access_token_revoked_after_made",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown}…) of {self.owner}"

    @property
    def status(self) -> str:
        if self.revoked is not None:
            return "Revoked"
        if self.expires <= timezone.now():
            return "Expired"
        return "Active"


# The LTI links live with the LTI code; imported here so that the app registers them.
from annotations.lti.models import AssignmentLink, ClassLink, GradeSend  # noqa: E402, F401
