from functools import cached_property, partial

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import slugify

from annotations.anchoring import AnchorError
from annotations.glossary import alias_key
from annotations.models import (
    Alias,
    Assignment,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    HighlightMark,
    Membership,
    Reply,
)
from annotations.search import Search
from annotations.time_zones import TimeZoneField, ZonedDateTimeField, describe
from annotations.validators import (
    LARGEST_ID,
    MAX_ALIAS_LENGTH,
    MAX_MIN_HIGHLIGHTS,
    MAX_NOTE_LENGTH,
    MAX_PARAGRAPH_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_SEARCH_LENGTH,
    MAX_SLUG_LENGTH,
    MAX_SUMMARY_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    RESERVED_SLUGS,
    check_tags,
    clean_note,
    parse_tags,
    plain_text,
    validate_partial_date,
    visible_name,
)


class TagsField(forms.CharField):
    """A comma-separated list of tags, cleaned to a list of names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", (MAX_TAG_LENGTH + 2) * MAX_TAGS)
        kwargs.setdefault("help_text", "Separate tags with commas, e.g. cold war, archives.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(tag) for tag in value)
        return value

    def clean(self, value):
        return check_tags(parse_tags(super().clean(value) or ""))


class GlossaryEntriesField(forms.ModelMultipleChoiceField):
    """The glossary entries ticked, checked in one query: Django's field builds a query
    for each id only to see that it is one, before the query that finds them."""

    def _check_values(self, value):
        ids = set()
        for pk in value:
            try:
                ids.add(int(pk))
            except (TypeError, ValueError):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
        usable = all(0 < pk <= LARGEST_ID for pk in ids)
        found = self.queryset.filter(pk__any=ids) if usable else []
        if len(found) != len(ids):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": min(ids - {entry.pk for entry in found})},
            )
        return found


class HighlightNoteForm(forms.ModelForm):
    """What the owner can change about a highlight: its note, tags and visibility."""

    note = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Plain text, up to {MAX_NOTE_LENGTH:,} characters.",
    )
    tags = TagsField()
    visibility = forms.ChoiceField(
        choices=Highlight.Visibility.choices,
        widget=forms.RadioSelect,
        label="Who can see it",
        initial=Highlight.Visibility.PRIVATE,
    )
    glossary_entries = GlossaryEntriesField(
        queryset=GlossaryEntry.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Glossary",
        error_messages={"invalid_choice": "That glossary entry no longer exists; reload the page."},
    )
    is_question = forms.BooleanField(
        required=False,
        label="This is a question",
        help_text="Classmates can say they wonder the same; your teacher can mark a reply "
        "as its answer.",
    )

    class Meta:
        model = Highlight
        fields = ["note", "tags", "visibility", "glossary_entries", "is_question"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.assignment_id is not None:
            self.label_for_assignment()

    def label_for_assignment(self) -> None:
        """Inside an assignment its teacher sees every highlight: "Only me" would mislead."""
        self.fields["visibility"].choices = Highlight.Visibility.choices_in_assignment()

    def clean_note(self) -> str:
        # Trailing blank lines are noise; leading spaces may be deliberate indentation.
        return clean_note(self.cleaned_data["note"].rstrip())


class HighlightMoveForm(forms.Form):
    """The assignment a highlight made outside one should count for."""

    assignment = forms.ModelChoiceField(
        queryset=Assignment.objects.none(),
        label="Assignment",
        empty_label=None,
        error_messages={
            "required": "Choose the assignment it should count for.",
            "invalid_choice": "That is not an open assignment of yours that sets this article.",
        },
    )

    def __init__(self, *args, highlight, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        assignments = Assignment.objects.to_work_in(highlight.owner, highlight.document)
        self.fields["assignment"].queryset = assignments.select_related("classroom")
        self.fields["assignment"].label_from_instance = lambda a: f"{a.title} ({a.classroom.name})"


class WorkField(forms.ModelChoiceField):
    """The assignment a new highlight counts for: one the writer works in on the article
    (AssignmentQuerySet.to_work_in_one, looked up by `find`, which the form sets); a
    hidden field, so no choices are ever listed."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Assignment.objects.none(), **kwargs)
        self.find = lambda pk: None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = 0
        found = self.find(pk) if 0 < pk <= LARGEST_ID else None
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found


class HighlightForm(HighlightNoteForm):
    """A new highlight: where it is, as the browser saw it, plus the note and tags."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, max_length=20_000, widget=forms.HiddenInput)
    prefix = forms.CharField(strip=False, required=False, max_length=64, widget=forms.HiddenInput)
    suffix = forms.CharField(strip=False, required=False, max_length=64, widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    assignment = WorkField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "That is not an assignment of yours that includes this article."
        },
    )

    SELECTION_FIELDS = ("start", "end", "exact", "prefix", "suffix", "revision", "client_key")

    class Meta(HighlightNoteForm.Meta):
        fields = ["note", "tags", "visibility", "glossary_entries", "is_question"]

    def __init__(self, *args, document, user=None, **kwargs):
        self.document = document
        super().__init__(*args, **kwargs)
        if user is not None:
            # With what a save in it asks next: whether it is in an LMS (the student's
            # score is queued for it) and has entries to link (the progress box lists them).
            self.fields["assignment"].find = partial(
                Assignment.objects.to_work_in_one, user, document
            )
        if self["assignment"].value():
            self.label_for_assignment()

    def clean(self):
        cleaned = super().clean()
        # The page fills these in, hidden: an error in one has no field to show beside, so
        # it is said above the form (the assignment's in its own words).
        if any(self.has_error(name) for name in self.SELECTION_FIELDS):
            raise ValidationError(
                "The selection did not come through. Select the passage again.", code="selection"
            )
        if self.has_error("assignment"):
            raise ValidationError(self.errors["assignment"])
        start, end = cleaned["start"], cleaned["end"]
        if start >= end:
            raise ValidationError("The selection ends before it starts.", code="selection")
        if cleaned["revision"] > self.document.revision:
            raise ValidationError(
                "The page shows a text this server does not know.", code="selection"
            )
        same_revision = cleaned["revision"] == self.document.revision
        if same_revision and end > len(self.document.text):
            raise ValidationError("The selection runs past the end of the text.", code="selection")
        try:
            placed = self.document.place(
                start=start,
                end=end,
                revision=cleaned["revision"],
                exact=cleaned["exact"],
                prefix=cleaned.get("prefix", ""),
                suffix=cleaned.get("suffix", ""),
            )
        except AnchorError as err:
            raise ValidationError(str(err), code="anchor") from err
        cleaned["anchor"] = placed
        return cleaned

    def highlight(self) -> dict:
        """What `writes.create_highlight` takes, from a valid form."""
        data = self.cleaned_data
        fields = (
            "anchor",
            "note",
            "tags",
            "visibility",
            "glossary_entries",
            "assignment",
            "is_question",
        )
        return {name: data[name] for name in fields} | {"client_key": data.get("client_key")}

    def passage(self, anchor=None) -> tuple[int, int]:
        """Where the selection is, for the glossary entries to suggest near it; for a
        refused selection, where the browser said it was."""
        if anchor is None and self.is_bound:
            anchor = self.cleaned_data.get("anchor")
        if anchor:
            return anchor.start, anchor.end
        if not self.is_bound:
            return 0, 0
        return self.cleaned_data.get("start") or 0, self.cleaned_data.get("end") or 0

    def posted_quote(self) -> str:
        anchor = self.cleaned_data.get("anchor")  # absent when the selection was refused
        return anchor.exact if anchor else self.data.get("exact", "")


class LinesField(forms.CharField):
    """A textarea with one item a line, cleaned to a list: blank lines dropped, spaces tidied."""

    def __init__(self, *, item_length: int = MAX_ALIAS_LENGTH, **kwargs):
        self.item_length = item_length
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20_000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def clean(self, value) -> list[str]:
        items = [" ".join(line.split()) for line in (super().clean(value) or "").splitlines()]
        items = [item for item in items if item]
        seen: set[str] = set()
        for item in items:
            if len(item) > self.item_length:
                raise ValidationError(
                    f"Each line is at most {self.item_length} characters; “{item[:30]}…” has "
                    f"{len(item)}.",
                    code="too_long",
                )
            if alias_key(item) in seen:
                raise ValidationError(f"“{item}” is listed twice.", code="duplicate")
            seen.add(alias_key(item))
        return items


class PartialDateField(forms.CharField):
    """A life date, as precise as it is known: YYYY, YYYY-MM or YYYY-MM-DD."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        # Longer than a date, so that a date written out is told how to write it.
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault("validators", [validate_partial_date])
        kwargs.setdefault("help_text", "For people: YYYY, YYYY-MM or YYYY-MM-DD.")
        super().__init__(**kwargs)


class DegreesField(forms.FloatField):
    """A latitude or longitude, in decimal degrees up to `limit` either way."""

    def __init__(self, limit: int, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(min_value=-limit, max_value=limit, **kwargs)


class GlossaryEntryForm(forms.ModelForm):
    """A glossary entry with the names it goes by, for teachers keeping the glossary."""

    aliases = LinesField(
        required=True,
        label="Aliases",
        help_text="Every way the articles write it, exactly as written (misspellings "
        "included), one a line. Each is linked to this entry wherever it occurs.",
        error_messages={"required": "Give at least one alias: how the articles write it."},
    )
    short_forms = LinesField(
        label="Short forms",
        help_text="Short names other entries may share, such as a family name (“Kim”), one a "
        "line. Linked only after the article has named this entry in full.",
    )
    other_names = LinesField(
        label="Other names",
        help_text="Names the articles do not use (other spellings, initials), one a line. "
        "Shown on the entry's page, never linked.",
    )
    born = PartialDateField()
    died = PartialDateField()
    latitude = DegreesField(
        90,
        help_text="For places: decimal degrees, north positive, e.g. 39.02. Give both or neither.",
    )
    longitude = DegreesField(
        180, help_text="For places: decimal degrees, east positive, e.g. 125.75."
    )

    class Meta:
        model = GlossaryEntry
        fields = [
            "kind",
            "name",
            "slug",
            "summary",
            "other_names",
            "wikidata",
            "born",
            "died",
            "latitude",
            "longitude",
        ]
        labels = {"slug": "Web address", "wikidata": "Wikidata id"}
        help_texts = {
            "name": "The name the entry is listed under.",
            "slug": "The end of the entry's address, /glossary/…/: lower-case letters, digits "
            "and hyphens. Leave it empty to make one from the name.",
            "summary": f"Plain text, up to {MAX_SUMMARY_LENGTH:,} characters: who or what it "
            "is, and why it matters to the articles.",
            "wikidata": "Optional, e.g. Q855 (from the address of its Wikidata page).",
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["kind"].choices = [("", "Choose a kind"), *GlossaryEntry.Kind.choices]
        if self.instance.pk:
            aliases = list(self.instance.aliases.order_by("text"))
            self.initial["aliases"] = [a.text for a in aliases if not a.is_short]
            self.initial["short_forms"] = [a.text for a in aliases if a.is_short]

    def fieldsets(self) -> list[tuple[str, list]]:
        """The fields in the groups the page shows them in."""
        groups = [
            ("The entry", ["kind", "name", "slug", "summary"]),
            ("Names", ["aliases", "short_forms", "other_names"]),
            ("Facts", ["wikidata", "born", "died", "latitude", "longitude"]),
        ]
        return [(legend, [self[name] for name in names]) for legend, names in groups]

    def clean_name(self) -> str:
        return visible_name(self.cleaned_data["name"], "name")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if not slug:
            name = self.cleaned_data.get("name")
            if not name:
                return slug  # the name's own error says what is missing
            slug = slugify(name)[:MAX_SLUG_LENGTH].strip("-")
            if not slug:
                raise ValidationError(
                    "Give a web address: the name has no letters or digits to make one from.",
                    code="slug",
                )
        if slug in RESERVED_SLUGS:
            raise ValidationError(
                f"“{slug}” is the address of a page of the glossary: choose another.",
                code="reserved",
            )
        other = GlossaryEntry.objects.exclude(pk=self.instance.pk).filter(slug=slug).first()
        if other is not None:
            raise ValidationError(
                f"“{other.name}” already has the web address “{slug}”: choose another.",
                code="unique",
            )
        return slug

    def clean_summary(self) -> str:
        return plain_text(self.cleaned_data["summary"], "summary")

    def clean_wikidata(self) -> str:
        return self.cleaned_data["wikidata"].upper()

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is None and longitude is not None and "latitude" not in self.errors:
            self.add_error("latitude", "Give the latitude too: a place needs both, or neither.")
        if longitude is None and latitude is not None and "longitude" not in self.errors:
            self.add_error("longitude", "Give the longitude too: a place needs both, or neither.")
        born, died = cleaned.get("born"), cleaned.get("died")
        # Compared at the precision both have: born 1912-05 and died 1912 may both be right.
        precision = min(len(born or ""), len(died or ""))
        if precision and born[:precision] > died[:precision]:
            self.add_error("died", "The date of death is before the date of birth.")
        if "aliases" in cleaned and "short_forms" in cleaned:
            self._check_names(cleaned["aliases"], cleaned["short_forms"])
        return cleaned

    def _check_names(self, aliases: list[str], short_forms: list[str]) -> None:
        """A full alias names one entry: refuse names that would take another entry's."""
        full_here = {alias_key(text) for text in aliases}
        others: dict[str, list[tuple[bool, str]]] = {}
        rows = Alias.objects.exclude(entry_id=self.instance.pk)  # a new entry: excludes none
        for text, is_short, name in rows.values_list("text", "is_short", "entry__name"):
            others.setdefault(alias_key(text), []).append((is_short, name))
        for text in aliases:
            holders = others.get(alias_key(text), [])
            full = [name for is_short, name in holders if not is_short]
            short = [name for is_short, name in holders if is_short]
            if full:
                self.add_error(
                    "aliases",
                    f"“{text}” is already an alias of “{full[0]}”: an alias names one entry "
                    "only. Remove it here, or from that entry first.",
                )
            elif short:
                self.add_error(
                    "aliases",
                    f"“{text}” is a short form of {_names(short)}: as an alias here it would "
                    "link every one of them to this entry. Add it as a short form instead.",
                )
        for text in short_forms:
            if alias_key(text) in full_here:
                self.add_error(
                    "short_forms",
                    f"“{text}” is an alias above already: list it once, as an alias or as a "
                    "short form.",
                )
                continue
            full = [name for is_short, name in others.get(alias_key(text), []) if not is_short]
            if full:
                self.add_error(
                    "short_forms",
                    f"“{text}” is an alias of “{full[0]}”, so the articles' “{text}” always "
                    "links there: it cannot be a short form of this entry too.",
                )


def _names(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in sorted(set(names))]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


class EntryMergeForm(forms.Form):
    """The entry to fold into `survivor`: any other entry of the glossary."""

    absorbed = forms.ModelChoiceField(
        queryset=GlossaryEntry.objects.all(),
        label="Entry to merge into this one",
        help_text="It is deleted once its names and links have moved here.",
        error_messages={
            "required": "Choose the entry to merge into this one.",
            "invalid_choice": "That entry is not in the glossary any more: choose another.",
        },
    )
    # Set by the second step, once the page has said what moves.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, survivor: GlossaryEntry, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.survivor = survivor
        others = list(GlossaryEntry.objects.exclude(pk=survivor.pk).order_by("name"))
        groups = [
            (label, [(entry.pk, entry.name) for entry in others if entry.kind == kind])
            for kind, label in GlossaryEntry.Kind.choices
        ]
        self.fields["absorbed"].choices = [("", "Choose an entry")] + [
            (label, choices) for label, choices in groups if choices
        ]

    def clean_absorbed(self) -> GlossaryEntry:
        absorbed = self.cleaned_data["absorbed"]
        if absorbed.pk == self.survivor.pk:
            raise ValidationError(
                "An entry cannot be merged into itself: choose another entry.", code="itself"
            )
        return absorbed


class ClassroomForm(forms.ModelForm):
    class Meta:
        model = Classroom
        fields = ["name"]
        labels = {"name": "Class name"}

    def clean_name(self) -> str:
        return visible_name(" ".join(self.cleaned_data["name"].split()), "class name")


class AssignmentForm(forms.ModelForm):
    documents = forms.ModelMultipleChoiceField(
        queryset=Document.objects.in_library_order(),
        widget=forms.CheckboxSelectMultiple,
        label="Articles",
        error_messages={"required": "Choose at least one article."},
    )
    due = ZonedDateTimeField(
        label="Due",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In the class's time zone, named below.",
    )
    suggested_tags = TagsField(label="Suggested tags", help_text="Offered first in the Tags field.")
    required_entries = forms.ModelMultipleChoiceField(
        queryset=GlossaryEntry.objects.order_by("kind", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Glossary entries every student should link at least once",
    )
    visibility = forms.ChoiceField(
        choices=Assignment.Visibility.choices,
        widget=forms.RadioSelect,
        label="Who sees students' highlights",
        initial=Assignment.Visibility.AFTER_MINIMUM,
    )

    class Meta:
        model = Assignment
        fields = [
            "title",
            "instructions",
            "documents",
            "due",
            "min_highlights",
            "suggested_tags",
            "required_entries",
            "visibility",
        ]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, time_zone: str, **kwargs):
        """`time_zone`: the class's, which the due date is typed and shown in."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["due"].time_zone = time_zone
        self.fields["due"].help_text = f"In the class's time zone, {describe(time_zone)}."

    def entry_groups(self) -> list[tuple[str, list]]:
        """The glossary entries by kind, as the editor's Glossary field shows them, each
        with whether it is chosen."""
        values = self["required_entries"].value() or []
        chosen = {str(getattr(value, "pk", value)) for value in values}
        labels = dict(GlossaryEntry.Kind.choices)
        groups: dict[str, list] = {}
        for entry in self.fields["required_entries"].queryset:
            groups.setdefault(labels[entry.kind], []).append((entry, str(entry.pk) in chosen))
        return list(groups.items())

    def clean_title(self) -> str:
        return visible_name(" ".join(self.cleaned_data["title"].split()), "title")

    def clean_instructions(self) -> str:
        return plain_text(self.cleaned_data["instructions"].strip(), "instructions")

    def clean_min_highlights(self) -> int:
        value = self.cleaned_data["min_highlights"]
        if value > MAX_MIN_HIGHLIGHTS:
            raise ValidationError(
                f"Ask for at most {MAX_MIN_HIGHLIGHTS} highlights.", code="too_many"
            )
        return value


class ReplyForm(forms.Form):
    """A reply; with `parent`, an answer to a reply of the thread (`answering`: the
    replies it may answer, those the writer reads on the highlight)."""

    text = forms.CharField(
        label="Reply", max_length=MAX_REPLY_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = forms.ModelChoiceField(
        queryset=Reply.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": "That reply is not one on this highlight you can answer."
        },
    )

    def __init__(self, *args, answering=None, **kwargs):
        super().__init__(*args, **kwargs)
        if answering is not None:
            self.fields["parent"].queryset = answering.filter(deleted__isnull=True)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError("Write something to reply.", code="empty")
        return plain_text(text, "reply")


class MarkForm(forms.Form):
    """A press of "Same question" or "Helpful" on a highlight's card: which, and whether
    it is now pressed (the button sends the state it turns to, so a retry changes nothing)."""

    kind = forms.ChoiceField(
        choices=HighlightMark.Kind.choices,
        error_messages={
            "required": "Choose “Same question” or “Helpful”.",
            "invalid_choice": "Choose “Same question” or “Helpful”.",
        },
    )
    pressed = forms.TypedChoiceField(
        choices=[("1", "Pressed"), ("0", "Not pressed")],
        coerce=lambda value: value == "1",
        error_messages={
            "required": "Say whether to mark it or take the mark back.",
            "invalid_choice": "Say whether to mark it or take the mark back.",
        },
    )

    def __init__(self, *args, highlight: Highlight, **kwargs):
        self.highlight = highlight
        super().__init__(*args, **kwargs)

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if kind == HighlightMark.Kind.SAME_QUESTION and not self.highlight.is_question:
            raise ValidationError("Only a question can be marked “Same question”.", code="kind")
        return kind


class HideAllForm(forms.Form):
    """A student's highlights in a class: hide them all from it, or show them all again."""

    hidden = forms.TypedChoiceField(
        choices=[("1", "Hide all"), ("0", "Show all again")],
        coerce=lambda value: value == "1",
        error_messages={
            "required": "Choose whether to hide the highlights or show them again.",
            "invalid_choice": "Choose whether to hide the highlights or show them again.",
        },
    )


class ExportFilterForm(forms.Form):
    """The filters of an export, as query parameters (documented in docs/EXPORT.md); the
    search page's form (query_forms.SearchForm) is this one with choices and labels."""

    q = forms.CharField(
        required=False,
        max_length=MAX_SEARCH_LENGTH,
        error_messages={
            "max_length": "search for at most %(limit_value)d characters (this has %(show_value)d)."
        },
    )
    classroom = forms.IntegerField(required=False, min_value=1)
    assignment = forms.IntegerField(required=False, min_value=1)
    document = forms.SlugField(required=False)
    student = forms.CharField(required=False, max_length=150)
    tag = forms.CharField(required=False, max_length=100)
    entry = forms.SlugField(required=False)
    since = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "give a date like 2026-11-22."},
    )
    until = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "give a date like 2026-11-22."},
    )
    excel = forms.BooleanField(required=False)
    # "Download my work": the viewer's highlights and every highlight they replied to.
    mine = forms.BooleanField(required=False)

    # Each filter but the class's, as the lookup it narrows the highlights by.
    LOOKUPS = {
        "assignment": "assignment",
        "document": "document__slug",
        "student": "owner__username",
        "tag": "tags__slug",
        "entry": "glossary_entries__slug",
        "since": "created__date__gte",
        "until": "created__date__lte",
    }

    dates_message = "“since” must not be after “until”."
    mine_message = "“mine” is the whole of your work: give it without other filters."

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError(self.dates_message, code="dates")
        # A filter would tell what a highlight one may no longer see holds.
        narrowed = [name for name in [*self.LOOKUPS, "q", "classroom"] if cleaned.get(name)]
        if cleaned.get("mine") and narrowed:
            raise ValidationError(self.mine_message, code="mine")
        return cleaned

    def problems(self) -> str:
        """What is wrong with the filters, in one line."""
        return "; ".join(
            f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
            for field, errors in self.errors.items()
        )

    @cached_property
    def search(self) -> Search | None:
        """The query `q`, looked up once (annotations/search.py), or None without one."""
        text = self.cleaned_data.get("q", "").strip()
        return Search.of(text) if text else None

    def apply(self, highlights, viewer=None, lookups=None):
        """Narrow `highlights` by every filter given, and by the query `q` as `viewer`
        searches (the replies they may read count; `lookups`, their models.Viewer, when
        the caller has it)."""
        data = self.cleaned_data
        if data.get("classroom"):
            in_class = Membership.objects.filter(classroom=data["classroom"]).values("user")
            highlights = highlights.filter(
                Q(assignment__classroom=data["classroom"])
                | Q(assignment__isnull=True, owner__in=in_class)
            )
        for name, lookup in self.LOOKUPS.items():
            if data.get(name):
                highlights = highlights.filter(**{lookup: data[name]})
        if self.search is not None:
            highlights = self.search.matching(highlights, viewer, lookups)
        # Tag and glossary filters join rows: take each highlight once. A subquery, not
        # DISTINCT, which would add the ordering's columns to what COPY writes.
        return Highlight.objects.filter(pk__in=highlights.values("pk"))

    def name_parts(self, user) -> list[str]:
        """What the file holds, for its name: class, assignment, article, student, …

        Only the names of `user`'s own classes: a file name must not tell an outsider
        what a class they guessed the number of is called.
        """
        data = self.cleaned_data
        mine = Classroom.objects.filter(memberships__user=user.pk)
        classroom = mine.filter(pk=data["classroom"]).first()
        assignment = (
            Assignment.objects.select_related("classroom")
            .filter(pk=data["assignment"], classroom__in=mine)
            .first()
        )
        return [
            classroom.name if classroom else "",
            assignment.classroom.name if assignment and not classroom else "",
            f"assignment-{assignment.pk}" if assignment else "",
            data["document"],
            data["student"],
            f"{user.username}_my-work" if data.get("mine") else "",
            f"tag-{data['tag']}" if data["tag"] else "",
            data["entry"],
        ]


class CorrectionForm(forms.Form):
    """A corrected paragraph of an article, with a note on what was corrected and why."""

    text = forms.CharField(
        label="Corrected paragraph",
        strip=False,
        # Seven times the articles' longest paragraph: bounds how long a correction holds
        # the article (bench/corrections.py).
        max_length=MAX_PARAGRAPH_LENGTH,
        # A font that tells "II" from "Il" and "0" from "O": OCR errors are those.
        widget=forms.Textarea(attrs={"rows": 10, "class": "source-text"}),
        help_text="Change only what is wrong; keep it one paragraph (no blank lines).",
    )
    note = forms.CharField(
        label="What you corrected and why",
        max_length=500,
        widget=forms.TextInput(attrs={"class": "source-text"}),
        help_text="Kept with the old text in the article's history, e.g. “Kim II Sung → "
        "Kim Il Sung: OCR error, the printed source has Il”.",
    )

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        self.fields["paragraph"] = forms.IntegerField(
            min_value=1, max_value=len(document.paragraphs), widget=forms.HiddenInput
        )

    def chosen_paragraph(self):
        """The paragraph being corrected, or None while the posted number is not one."""
        if self.is_bound:
            number = self.cleaned_data.get("paragraph")
        else:
            number = self.initial.get("paragraph")
        return self.document.paragraphs[number - 1] if number else None


class ClassSettingsForm(forms.ModelForm):
    """What a teacher changes about a class over a term."""

    time_zone = TimeZoneField(
        label="The class's time zone",
        help_text="Due dates are typed in it; everyone sees them in their own time zone.",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta:
        model = Classroom
        fields = ["name", "join_enabled", "join_code_expires", "time_zone"]
        labels = {
            "name": "Class name",
            "join_enabled": "Students may join with the code",
            "join_code_expires": "The code stops working at",
        }
        help_texts = {
            "join_code_expires": "Optional. In your time zone, named below; empty: no end."
        }
        widgets = {
            "join_code_expires": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            )
        }

    def clean_time_zone(self) -> str:
        """Not sent (an older form, a script): the class keeps its zone."""
        return self.cleaned_data["time_zone"] or self.instance.time_zone

    def clean_name(self) -> str:
        return visible_name(" ".join(self.cleaned_data["name"].split()), "class name")
