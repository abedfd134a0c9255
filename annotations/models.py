import bisect
import operator
import secrets
import uuid
from collections import defaultdict
from functools import cached_property, reduce

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, Upper
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TagBase, TaggedItemBase

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
    PARTIAL_DATE,
    RESERVED_SLUGS,
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
    return ~Q(pk__in=ClassHide.objects.filter(classroom__in=sorted(classrooms)).values("highlight"))


def _shown_in_classes(shared_classes: dict) -> Q:
    """Classmates' highlights outside assignments that no class the two share hides.

    Classmates are grouped by the classes they share with the viewer (usually one group
    a class), so the query has one term a group, not one a classmate."""
    groups = defaultdict(set)
    for member, classrooms in shared_classes.items():
        groups[frozenset(classrooms)].add(member)
    shown = Q(pk__in=[])
    for classrooms, owners in groups.items():
        shown |= Q(owner__in=owners) & _not_hidden_in(classrooms)
    return shown


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


def _shown_in_assignments(open_assignments: dict, classmates: set) -> Q:
    """Classmates' highlights in the open assignments, unless hidden in its class."""
    shown = Q(pk__in=[])
    for classroom, assignments in open_assignments.items():
        shown |= Q(assignment__in=assignments, owner__in=classmates) & _not_hidden_in({classroom})
    return shown


class HighlightQuerySet(models.QuerySet):
    def visible_to(self, user):
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
        # The viewer's classes, classmates and assignments are looked up first, as short
        # lists: a filter on ids lets PostgreSQL use its indexes, where the same rules as
        # subqueries made it test every highlight of an article at district scale.
        memberships = list(Membership.objects.filter(user=user).values_list("classroom", "role"))
        if not memberships:
            return self.filter(owner=user)
        my_classes = {classroom for classroom, _ in memberships}
        teaching = {classroom for classroom, role in memberships if role == Membership.Role.TEACHER}
        members = Membership.objects.filter(classroom__in=my_classes).exclude(user=user)
        shared_classes, taught = defaultdict(set), set()
        for member, classroom, role in members.values_list("user", "classroom", "role"):
            shared_classes[member].add(classroom)
            if classroom in teaching and role == Membership.Role.STUDENT:
                taught.add(member)
        assignments = list(
            Assignment.objects.filter(classroom__in=my_classes).values_list(
                "pk", "classroom", "visibility", "min_highlights"
            )
        )
        after_minimum = [
            pk for pk, _, rule, _ in assignments if rule == Assignment.Visibility.AFTER_MINIMUM
        ]
        made = dict(
            Highlight.objects.filter(owner=user, assignment__in=after_minimum)
            .order_by()
            .values_list("assignment")
            .annotate(Count("pk"))
            if after_minimum
            else []
        )
        taught_assignments = [pk for pk, classroom, _, _ in assignments if classroom in teaching]
        open_assignments = _open_by_class(assignments, made)
        shared = Q(visibility=Highlight.Visibility.CLASS)
        # Only people still in the class: a student a teacher removed leaves its views,
        # their highlights staying theirs.
        return self.filter(
            Q(owner=user)
            | Q(assignment__isnull=True) & shared & _shown_in_classes(shared_classes)
            | Q(assignment__isnull=True, owner__in=taught) & shared
            | Q(assignment__in=taught_assignments, owner__in=taught)
            | shared & _shown_in_assignments(open_assignments, set(shared_classes))
        )

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

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="highlights"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="highlights")
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
    )
    # Sent by the browser with each new highlight, so a retried request creates nothing new.
    client_key = models.UUIDField(default=uuid.uuid4)
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
            GinIndex(fields=["search_vector"], name="highlight_search"),
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
    def visible_to(self, user):
        """The replies `user` may read: every reply to their own highlights, those they
        wrote, and those made in a class they teach; never another class's."""
        teaching = Membership.objects.filter(user=user.pk, role=Membership.Role.TEACHER)
        return self.filter(
            Q(highlight__owner=user.pk)
            | Q(author=user.pk)
            | Q(classroom__in=teaching.values("classroom"))
        )


class Reply(models.Model):
    """A teacher's reply to a highlight, made in one class: seen by the highlight's author
    and that class's teachers (access.moderation_classes says which class)."""

    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="replies"
    )
    # Empty only when the class it was made in is gone: its writer and the author see it.
    classroom = models.ForeignKey(
        Classroom, on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    text = models.TextField(max_length=MAX_REPLY_LENGTH)
    created = models.DateTimeField(auto_now_add=True)

    objects = ReplyQuerySet.as_manager()

    class Meta:
        ordering = ["created"]
        # An expression index, not a stored column: a search asks it only which replies
        # match, never ranks them, and replies are few beside highlights.
        indexes = [GinIndex(text_vector(("text", None)), name="reply_search")]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="reply_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), MAX_REPLY_LENGTH),
                name=f"reply_at_most_{MAX_REPLY_LENGTH}",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.highlight_id}"


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


# The LTI links live with the LTI code; imported here so that the app registers them.
from annotations.lti.models import AssignmentLink, ClassLink, GradeSend  # noqa: E402, F401
