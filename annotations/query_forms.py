"""Forms for what a query string carries.

A query string comes from a link a reader may have edited or kept from an older page:
a number that does not parse, or is out of range, reads as not given, as it always
has, rather than as an error, unless the page has something to say about it.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from annotations.anchoring import AnchorError, quote_at
from annotations.live import Since
from annotations.models import Document, GlossaryEntry, Highlight
from annotations.paragraphs import split_sentences


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
    """What the Tags field has typed so far, and the assignment it is typed in."""

    tags = QueryTextField()
    assignment = QueryNumberField(min_value=1)


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
