"""Forms for what a query string carries.

A query string comes from a link a reader may have edited or kept from an older page:
a number that does not parse, or is out of range, reads as not given, as it always
has, rather than as an error, unless the page has something to say about it.
"""

import uuid
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, Q, When
from django.forms.utils import flatatt
from django.urls import reverse_lazy
from django.utils.html import format_html, format_html_join

from annotations.anchoring import AnchorError, quote_at
from annotations.forms import ExportFilterForm
from annotations.live import Since
from annotations.models import (
    Assignment,
    Document,
    GlossaryEntry,
    Highlight,
    Tag,
    TaggedHighlight,
    Viewer,
)
from annotations.paragraphs import split_sentences
from annotations.validators import MAX_SEARCH_LENGTH

User = get_user_model()


class QueryNumberField(forms.IntegerField):
    """A whole number, or None when it is missing, not a number, or out of range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError:
            return None


class QueryTextField(forms.CharField):
    """Text as given, spaces included (a quote's context may start with one); "" when
    it cannot be text (a NUL character)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            return super().clean(value)
        except ValidationError:
            return ""


class KindsField(forms.MultipleChoiceField):
    """Glossary kinds to show; a kind this glossary does not have is left out."""

    def clean(self, value):
        return [kind for kind in self.to_python(value) if self.valid_value(kind)]


def _within(value: int | None, low: int, high: int, default: int) -> int:
    return value if value is not None and low <= value <= high else default


class SelectionForm(forms.Form):
    """Where the editor starts: a browser selection, or a paragraph narrowed to sentences.

    The editor's own fields come along too, so that changing the sentence range keeps
    what was typed. `clean()` places the selection: `cleaned_data["anchor"]`, with what
    the editor shows of the paragraph in `self.selection`.
    """

    start = QueryNumberField(min_value=0)
    end = QueryNumberField(min_value=0)
    revision = QueryNumberField(min_value=1)
    exact = QueryTextField()
    prefix = QueryTextField()
    suffix = QueryTextField()
    paragraph = QueryNumberField(min_value=1)
    first_sentence = QueryNumberField()
    last_sentence = QueryNumberField()
    assignment = QueryNumberField(min_value=1)
    client_key = QueryTextField()
    note = QueryTextField()
    tags = QueryTextField()
    visibility = QueryTextField()

    def __init__(self, data, *, document: Document):
        super().__init__(data)
        self.document = document
        self.fields["paragraph"] = QueryNumberField(min_value=1, max_value=len(document.paragraphs))
        self.selection: dict = {}

    def clean(self):
        cleaned = super().clean()
        try:
            if "paragraph" in self.data:
                cleaned["anchor"] = self._sentences(cleaned)
            else:
                cleaned["anchor"] = self.document.place(
                    start=cleaned["start"],
                    end=cleaned["end"],
                    revision=cleaned["revision"],
                    exact=cleaned["exact"],
                    prefix=cleaned["prefix"],
                    suffix=cleaned["suffix"],
                )
        except AnchorError as err:
            raise ValidationError(str(err), code="selection") from err
        self.selection["anchor"] = cleaned["anchor"]
        return cleaned

    def _sentences(self, cleaned):
        paragraphs = self.document.paragraphs
        number = cleaned["paragraph"]
        if number is None:
            raise AnchorError(f"Choose a paragraph number from 1 to {len(paragraphs)}.")
        paragraph = paragraphs[number - 1]
        sentences = split_sentences(paragraph)
        first = _within(cleaned["first_sentence"], 1, len(sentences), default=1)
        last = _within(cleaned["last_sentence"], first, len(sentences), default=len(sentences))
        text = self.document.text
        self.selection = {
            "paragraph": paragraph,
            "sentences": [(n, text[start:end]) for n, (start, end) in enumerate(sentences, 1)],
            "first_sentence": first,
            "last_sentence": last,
        }
        return quote_at(text, sentences[first - 1][0], sentences[last - 1][1])

    def editor_initial(self) -> dict:
        """The new highlight form's starting values, for a placed selection."""
        placed = self.cleaned_data["anchor"]
        return {
            "start": placed.start,
            "end": placed.end,
            "exact": placed.exact,
            "prefix": placed.prefix,
            "suffix": placed.suffix,
            "revision": self.document.revision,
            "client_key": self._client_key(),
            "note": self.cleaned_data["note"],
            "tags": self.cleaned_data["tags"],
            "visibility": self.cleaned_data["visibility"] or Highlight.Visibility.PRIVATE,
        }

    def _client_key(self) -> uuid.UUID:
        """The browser's idempotency key for this selection, or a new one if it sent none."""
        try:
            return uuid.UUID(self.cleaned_data["client_key"])
        except ValueError:
            return uuid.uuid4()


class TagQueryForm(forms.Form):
    """What the Tags field has typed so far, and the assignment it is typed in; or what
    the search page's one Tag filter has (`tag`)."""

    tags = QueryTextField()
    tag = QueryTextField()
    assignment = QueryNumberField(min_value=1)

    def clean(self):
        cleaned = super().clean()
        cleaned["tags"] = cleaned["tags"] or cleaned["tag"]
        return cleaned


class ReadingQueryForm(forms.Form):
    """`?outside=1`: a student reading an article outside the assignment that sets it;
    `?hidden=1`: a teacher painting the highlights hidden in their class too."""

    outside = forms.BooleanField(required=False)
    hidden = forms.BooleanField(required=False)


class OffsetForm(forms.Form):
    """`?at=N`: the highlights covering one place in the text."""

    at = QueryNumberField(min_value=0)


class StudentQueryForm(forms.Form):
    """`?student=ID`: a teacher narrowing an article to one student's highlights;
    `?hidden=1` as ReadingQueryForm."""

    student = QueryNumberField(min_value=0)
    hidden = forms.BooleanField(required=False)


class ChangesQueryForm(forms.Form):
    """A live reading view's poll: `since`, the token the page has (annotations/live.py),
    and `hidden=1` when it paints the highlights hidden from the class."""

    since = forms.CharField(max_length=40)
    hidden = forms.BooleanField(required=False)

    def clean_since(self):
        since = Since.parse(self.cleaned_data["since"])
        if since is None:
            raise ValidationError("Not a token of this site.")
        return since


class PageQueryForm(forms.Form):
    """`?page=N` of a paged list; the first page when missing or not a number."""

    page = QueryNumberField(min_value=1)

    def clean_page(self):
        return self.cleaned_data["page"] or 1


class AnnotationPageQueryForm(forms.Form):
    """The Web Annotation Protocol's container (annotations/protocol/collection.py): `?page=N` one
    of its pages (from 0, as the Protocol's examples count), the container itself when
    missing or not a number; `?iris=1` the annotations' addresses alone, not their
    descriptions."""

    page = QueryNumberField(min_value=0)
    iris = forms.BooleanField(required=False)


class GlossarySearchForm(forms.Form):
    q = QueryTextField()
    kind = KindsField(choices=GlossaryEntry.Kind.choices, required=False)


class ParagraphQueryForm(forms.Form):
    """`?paragraph=N`: the paragraph a teacher chose to correct."""

    paragraph = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, *, document: Document):
        super().__init__(data)
        self.fields["paragraph"] = forms.IntegerField(
            required=False, min_value=1, max_value=len(document.paragraphs)
        )


class QuickSelect(forms.Select):
    """A select written here rather than through Django's widget templates, which render
    each option as a template of its own: the glossary alone has 70 entries."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) == chosen else "", label)
                for key, label in self.choices
            ),
        )
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attrs, options)


class TagFilterInput(forms.TextInput):
    """The search's Tag filter: typed, completed by the tags in use on highlights the
    viewer can see (/tag-suggestions/ fills the datalist as they type; without
    JavaScript it is a text field), checked when the search is sent."""

    def __init__(self):
        super().__init__(
            attrs={
                "list": "search-tag-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("tag_suggestions"),
                "hx-trigger": "input changed delay:200ms, focus once",
                "hx-target": "#search-tag-options",
                "hx-swap": "innerHTML",
                "hx-push-url": "false",
            }
        )

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="search-tag-options"></datalist>', field)


def _listed(what: str) -> dict:
    return {"invalid_choice": f"Choose {what} from the list, or Any."}


class SearchForm(ExportFilterForm):
    """`/search/?q=`: a query and the export's filters (the same names, so the page's
    query string is the export's), each a choice among what the viewer may narrow by;
    `student` only for a teacher, among their students. `apply` and `search` are the
    export's: one function decides what a query finds."""

    q = forms.CharField(
        label="Search highlights",
        required=False,
        max_length=MAX_SEARCH_LENGTH,
        help_text="Words find their other forms (“archives” finds “archive”); "
        "“a phrase” in quotes, -word to leave out, or between alternatives.",
        error_messages={
            "max_length": "Search for at most %(limit_value)d characters (this has %(show_value)d)."
        },
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    classroom = None
    excel = None
    mine = None  # the search finds what one may see, not one's work (Download my work)
    # Without the value in the message: a tag the viewer cannot see is not named back.
    document = forms.ChoiceField(
        widget=QuickSelect, label="Article", required=False, error_messages=_listed("an article")
    )
    tag = forms.CharField(
        widget=TagFilterInput,
        label="Tag",
        required=False,
        max_length=100,
        help_text="A tag on highlights you can see.",
    )
    entry = forms.ChoiceField(
        widget=QuickSelect,
        label="Glossary entry",
        required=False,
        error_messages=_listed("a glossary entry"),
    )
    student = forms.ChoiceField(
        widget=QuickSelect, label="Student", required=False, error_messages=_listed("a student")
    )
    assignment = forms.TypedChoiceField(
        widget=QuickSelect,
        label="Assignment",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages=_listed("an assignment"),
    )
    since = forms.DateField(
        label="Made from",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give a date like 2026-11-22."},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label="Made until",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give a date like 2026-11-22."},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    page = QueryNumberField(min_value=1, widget=forms.HiddenInput)
    dates_message = "“Made from” must not be after “Made until”."

    def __init__(self, data, *, request):
        super().__init__(data, label_suffix="")
        self.request = request
        self.user = request.user
        # The viewer's classes and classmates, looked up once a request for the highlights
        # and the replies they may read (and the header's badge).
        self.lookups = Viewer.of_request(request)
        # Their students (of the classes they teach) and their classes' assignments, as
        # the lookups have them: no join, and no query when they have none (an empty IN).
        taught = self.lookups.taught if self.lookups else set()
        classes = self.lookups.classes if self.lookups else set()
        students = User.objects.filter(pk__in=taught).only("username", "first_name", "last_name")
        mine = Assignment.objects.filter(classroom__in=classes)
        choices = {
            "document": Document.objects.in_library_order().values_list("slug", "title"),
            "entry": GlossaryEntry.objects.order_by("name").values_list("slug", "name"),
            "student": sorted(((s.username, _person(s)) for s in students), key=_by_name),
            "assignment": mine.order_by("-due", "title").values_list("pk", "title"),
        }
        for name, options in choices.items():
            self.fields[name].choices = [("", "Any"), *options]
        if not taught:
            del self.fields["student"]

    @cached_property
    def highlights(self):
        """What the viewer may see, for the search and the Tag filter's check: built only
        when the form asks something (the empty form shows no results)."""
        return Highlight.objects.visible_to(self.user, self.lookups)

    def clean_tag(self) -> str:
        """The slug of the tag typed (its name, any case, or its slug), if a highlight the
        viewer can see carries it: only those tags are choices, as they were in a list.
        The message does not say which: a tag only others' private work has is not told
        apart from one nobody has."""
        typed = " ".join(self.cleaned_data["tag"].split())
        if not typed:
            return ""
        carried = TaggedHighlight.objects.filter(
            tag=OuterRef("pk"), content_object__in=self.highlights
        )
        slug = (
            Tag.objects.filter(Q(slug=typed) | Q(name__iexact=typed))
            .filter(Exists(carried))
            .order_by(Case(When(slug=typed, then=0), default=1))
            .values_list("slug", flat=True)
            .first()
        )
        if slug is None:
            # Not even the field names it back: the page must not tell what a tag the
            # viewer cannot see is called, whoever typed it.
            self.data = self.data.copy()
            self.data["tag"] = ""
            raise ValidationError(
                "Type a tag on highlights you can see, or leave it empty.",
                code="invalid_choice",
            )
        return slug

    def asks_something(self) -> bool:
        """Whether there is a query or a filter: an empty form is the page before a search."""
        return any(value for name, value in self.cleaned_data.items() if name != "page")

    def query_string(self) -> str:
        """The search as the address has it, without the page and the filters left at
        Any: for the links to its other pages and to its export."""
        return urlencode(
            [
                (name, self.cleaned_data["tag"] if name == "tag" else value)
                for name, values in self.data.lists()
                if name != "page"
                for value in values
                if value
            ]
        )


def _person(user) -> str:
    return f"{user.get_full_name() or user.username} ({user.username})"


def _by_name(option) -> str:
    return option[1].casefold()
