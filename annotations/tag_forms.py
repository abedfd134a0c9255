"""The forms of the class's tag page (annotations/class_tags.py): renaming a tag, merging
it into another, and the class's list of suggested tags."""

from django import forms
from django.core.exceptions import ValidationError

from annotations.forms import TagsField
from annotations.models import Classroom, Tag
from annotations.validators import MAX_TAG_LENGTH, check_tags


class TagRenameForm(forms.Form):
    new_name = forms.CharField(
        label="New name",
        # Longer than a tag may be, so that the message says by how much (check_tags).
        max_length=MAX_TAG_LENGTH * 20,
        help_text=f"Up to {MAX_TAG_LENGTH} characters. A tag in use already: merged into it.",
        error_messages={"required": "Type the tag's new name."},
    )

    def __init__(self, *args, tag: Tag, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.tag = tag

    def clean_new_name(self) -> str:
        """One tag's name, by the rules of the Tags field (validators.check_tags)."""
        raw = self.cleaned_data["new_name"]
        if "," in raw:
            raise ValidationError("A tag's name cannot have a comma: commas separate tags.")
        name = " ".join(raw.split())
        check_tags([name])
        if name == self.tag.name:
            raise ValidationError(f"“{name}” is its name already: type a different one.")
        return name


class TagMergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        label="Merge into",
        empty_label="Choose a tag",
        error_messages={
            "required": "Choose the tag to merge it into.",
            "invalid_choice": "That tag is not used in this class's work: choose one listed.",
        },
    )

    def __init__(self, *args, tag: Tag, tags, **kwargs):
        """`tags`: the class's tags (class_tags.tags_of_class); any but `tag` may be chosen."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = tags.exclude(pk=tag.pk).order_by("name")


class ClassTagsForm(forms.ModelForm):
    suggested_tags = TagsField(
        label="Suggested tags",
        help_text="Offered in your students' Tags field in every assignment of the class, "
        "after the assignment's own, and outside assignments. Separate tags with commas.",
    )

    class Meta:
        model = Classroom
        fields = ["suggested_tags"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
