import re

from django import forms
from django.core.exceptions import ValidationError

from annotations.anchoring import AnchorError
from annotations.models import Highlight

MAX_NOTE_LENGTH = 5000
MAX_TAG_LENGTH = 50
MAX_TAGS = 20
# Something that reads as an HTML tag or comment: "<b>", "</p>", "<script src=…>", "<!--".
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>|<!--")


def parse_tags(raw: str) -> list[str]:
    """Comma-separated tags: trimmed, inner whitespace collapsed, one of each in any case."""
    tags: list[str] = []
    seen: set[str] = set()
    for item in raw.split(","):
        name = " ".join(item.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            tags.append(name)
    return tags


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
        names = parse_tags(super().clean(value) or "")
        if len(names) > MAX_TAGS:
            raise ValidationError(
                f"At most {MAX_TAGS} tags per highlight; this has {len(names)}.", code="too_many"
            )
        for name in names:
            if len(name) > MAX_TAG_LENGTH:
                raise ValidationError(
                    f"Tags are at most {MAX_TAG_LENGTH} characters; “{name[:20]}…” has "
                    f"{len(name)}.",
                    code="too_long",
                )
            if "<" in name or ">" in name:
                raise ValidationError("Tags cannot contain < or >.", code="markup")
            if not any(character.isalnum() for character in name):
                raise ValidationError(
                    f"“{name}” is not a tag: a tag needs a letter or a digit.", code="empty"
                )
        return names


def clean_note(note: str) -> str:
    if _MARKUP.search(note):
        raise ValidationError(
            "Notes are plain text: remove the HTML markup (the part in < >). "
            "Line breaks are kept as you type them.",
            code="markup",
        )
    return note


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

    class Meta:
        model = Highlight
        fields = ["note", "tags", "visibility"]

    def clean_note(self) -> str:
        # Trailing blank lines are noise; leading spaces may be deliberate indentation.
        return clean_note(self.cleaned_data["note"].rstrip())


class HighlightForm(HighlightNoteForm):
    """A new highlight: where it is, as the browser saw it, plus the note and tags."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, max_length=20_000, widget=forms.HiddenInput)
    prefix = forms.CharField(strip=False, required=False, max_length=64, widget=forms.HiddenInput)
    suffix = forms.CharField(strip=False, required=False, max_length=64, widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta(HighlightNoteForm.Meta):
        fields = ["note", "tags", "visibility"]

    def __init__(self, *args, document, **kwargs):
        self.document = document
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if not {"start", "end", "exact", "revision"} <= cleaned.keys():
            raise ValidationError(
                "The selection did not come through. Select the passage again.", code="selection"
            )
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
