"""The teacher's upload of an annotations file (views/imports.py)."""

import json

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from annotations.importing import annotations_in
from annotations.models import Classroom, Membership
from annotations.people_forms import PlainLabels
from annotations.validators import MAX_UPLOAD_IMPORT_ANNOTATIONS, MAX_UPLOAD_IMPORT_BYTES


class ImportForm(PlainLabels, forms.Form):
    """A file of annotations for a class, or for one of its assignments: read and
    checked here, so that a file that is not one writes nothing."""

    file = forms.FileField(
        label="Annotations file",
        help_text="Korea Reader's own export (.jsonld), Hypothesis' API JSON or .jsonld, "
        "Recogito's Web Annotation download, or any W3C Web Annotation JSON; at most "
        f"{MAX_UPLOAD_IMPORT_BYTES // (1024 * 1024)} MB.",
    )
    student = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Whose work",
        empty_label="Each author's, if a student of this class of that user name (else mine)",
        help_text="Replies are imported only in their own author's name.",
    )
    assignment = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Assignment",
        empty_label="None: the class",
        help_text="Highlights from other tools join it (our own export keeps none).",
    )

    def __init__(self, *args, classroom: Classroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__classroom=classroom, memberships__role=Membership.Role.STUDENT
            )
            .order_by("last_name", "first_name", "username")
        )
        self.fields["student"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.username})"
        )
        self.fields["assignment"].queryset = classroom.assignments.order_by("title")

    def clean_file(self) -> list:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_IMPORT_BYTES:
            raise ValidationError(
                f"The file has {upload.size:,} bytes; at most {MAX_UPLOAD_IMPORT_BYTES:,} are "
                "imported here at once. Split it, or ask an administrator to run "
                "manage.py import_annotations.",
                code="too_big",
            )
        try:
            annotations = annotations_in(json.loads(upload.read().decode("utf-8")))
        except UnicodeDecodeError:
            raise ValidationError(
                "The file is not text (UTF-8): choose a .json or .jsonld file."
            ) from None
        except json.JSONDecodeError as err:
            raise ValidationError(
                f"The file is not JSON: {err.msg} at line {err.lineno}, column {err.colno}."
            ) from None
        except ValueError as err:
            raise ValidationError(str(err)) from None
        if len(annotations) > MAX_UPLOAD_IMPORT_ANNOTATIONS:
            raise ValidationError(
                f"The file has {len(annotations):,} annotations; at most "
                f"{MAX_UPLOAD_IMPORT_ANNOTATIONS:,} are imported here at once.",
                code="too_many",
            )
        return annotations
