"""Forms about people: joining a class, signing up, a teacher's roster, asking to teach,
and confirming one's own password."""

import csv
from typing import NamedTuple

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm, UserCreationForm, UsernameField
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from annotations.accounts import split_name, unique_usernames
from annotations.models import AccessToken, Classroom, TeacherRequest
from annotations.time_zones import TimeZoneField
from annotations.tokens import EXPIRY_CHOICES
from annotations.validators import (
    JOIN_CODE_LENGTH,
    MAX_ROSTER_LINES,
    MAX_TOKEN_NAME_LENGTH,
    plain_text,
    visible_name,
)


def normalise_join_code(raw: str) -> str:
    """As a student may type it: spaces, hyphens and lower case allowed."""
    return "".join(raw.replace("-", " ").split()).upper()


class PlainLabels:
    """Labels as the contracts name them ("Password", not "Password:")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TimeZoneForm(PlainLabels, forms.Form):
    time_zone = TimeZoneField(
        label="Time zone", help_text="Every date and time is shown in it, with its name."
    )


class JoinForm(PlainLabels, forms.Form):
    code = forms.CharField(label="Join code", max_length=30)

    def clean_code(self) -> str:
        code = normalise_join_code(self.cleaned_data["code"])
        if not Classroom.objects.filter(join_code=code).exists():
            raise ValidationError(
                f"No class has that code. Check it with your teacher: it is "
                f"{JOIN_CODE_LENGTH} letters and digits, e.g. K7M2QX9PAB.",
                code="unknown",
            )
        return code


class NameQueryForm(forms.Form):
    """The name typed so far, for a user name suggestion."""

    name = forms.CharField(max_length=150)

    def clean_name(self) -> str:
        return visible_name(" ".join(self.cleaned_data["name"].split()), "name")


class SignupForm(PlainLabels, UserCreationForm):
    """A new student's account, made with a class's join code; no email needed."""

    name = forms.CharField(
        label="Your name",
        max_length=150,
        help_text="As your teacher knows you, e.g. Min-jun Kim.",
    )
    username = UsernameField(
        label="User name",
        required=False,
        max_length=150,
        help_text="You log in with it. Leave it empty to have one made from your name.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username"}),
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        help_text="Only to reset your password yourself if you forget it.",
    )

    class Meta(UserCreationForm.Meta):
        fields = ("name", "username", "email")

    field_order = ["name", "username", "email", "password1", "password2"]

    def __init__(self, *args, suggest_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password2"].label = "Password again"
        if suggest_url:  # as the name is typed, the user name it would make (htmx)
            self.fields["name"].widget.attrs.update(
                {
                    "hx-get": suggest_url,
                    "hx-trigger": "input changed delay:400ms",
                    "hx-target": "#username-suggestion",
                    "autocomplete": "name",
                }
            )

    def clean_name(self) -> str:
        return visible_name(" ".join(self.cleaned_data["name"].split()), "name")

    def clean_username(self) -> str:
        if not self.cleaned_data.get("username"):
            name = self.data.get("name", "")
            self.cleaned_data["username"] = unique_usernames([" ".join(name.split())])[0]
        return super().clean_username()

    def save(self, commit=True):
        user = super().save(commit=False)
        user.first_name, user.last_name = split_name(self.cleaned_data["name"])
        user.email = self.cleaned_data["email"]
        if commit:
            user.save()
        return user


class RosterLine(NamedTuple):
    name: str
    email: str
    student_id: str


class RosterForm(PlainLabels, forms.Form):
    """A class list: pasted, one student a line (`name, email, student id`), or a CSV file
    with those columns. Every line is checked; one refused line refuses them all."""

    students = forms.CharField(
        label="Students",
        required=False,
        strip=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="One student a line: the name, and if you like an email and the school's "
        "student id, separated by commas, e.g. Min-jun Kim, mkim@example.org, 20931.",
    )
    file = forms.FileField(
        label="Or a CSV file",
        required=False,
        help_text="With the columns name, email, student id (a first line naming them is "
        "skipped). At most 500 students at a time.",
    )

    def __init__(self, *args, classroom: Classroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.classroom = classroom

    def clean(self) -> dict:
        cleaned = super().clean()
        rows = self._rows(cleaned)
        if not rows:
            raise ValidationError("Paste at least one name, or choose a CSV file.", code="empty")
        if len(rows) > MAX_ROSTER_LINES:
            raise ValidationError(
                f"At most {MAX_ROSTER_LINES} students at a time; this has {len(rows)}. "
                "Split the list and add the rest after.",
                code="too_many",
            )
        lines, problems = [], []
        # Names already in the class count as listed: importing a list twice adds no one.
        seen = {
            user.get_full_name().casefold()
            for user in get_user_model().objects.filter(memberships__classroom=self.classroom)
        }
        for number, row in rows:
            line, problem = self._line(row, seen)
            if problem:
                problems.append(f"Line {number}: {problem}")
            else:
                lines.append(line)
        if problems:
            raise ValidationError(
                [ValidationError(problem, code="line") for problem in problems[:50]]
                + [ValidationError("Nothing was created: correct these lines and send again.")]
            )
        cleaned["lines"] = lines
        return cleaned

    def _rows(self, cleaned) -> list[tuple[int, list[str]]]:
        if cleaned.get("file"):
            try:
                text = cleaned["file"].read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("The file is not UTF-8 text: save it as CSV UTF-8.") from None
        else:
            text = cleaned.get("students", "")
        # Lines as a person sees them (any of \n, \r\n, \r), each read as CSV.
        try:
            rows = [
                (number, [cell.strip() for cell in row])
                for number, row in enumerate(csv.reader(text.splitlines()), start=1)
                if any(cell.strip() for cell in row)
            ]
        except csv.Error as error:
            raise ValidationError(f"The list could not be read as CSV: {error}.") from None
        if rows and rows[0][1][0].casefold() == "name":  # a header line
            rows = rows[1:]
        return rows

    def _line(self, row: list[str], seen: set[str]) -> tuple[RosterLine | None, str]:
        name, email, student_id = (row + ["", ""])[:3]
        name = " ".join(name.split())
        if len(row) > 3:
            return None, "has more than three parts (name, email, student id)."
        try:
            visible_name(name, "name")
        except ValidationError as error:
            return None, error.messages[0]
        if len(name) > 150 or len(student_id) > 50:
            return None, "is too long (names up to 150 characters, ids up to 50)."
        if email:
            try:
                validate_email(email)
            except ValidationError:
                return None, f"“{email}” is not an email address."
        if name.casefold() in seen:
            return None, (
                f"“{name}” is listed twice, or is in the class already; add something to "
                "tell them apart."
            )
        seen.add(name.casefold())
        return RosterLine(name, email, plain_text(student_id, "student id")), ""


class TeacherRequestForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = TeacherRequest
        fields = ["school", "message"]
        labels = {"school": "Your school", "message": "Anything staff should know"}
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}

    def clean_school(self) -> str:
        return visible_name(" ".join(self.cleaned_data["school"].split()), "school")

    def clean_message(self) -> str:
        return plain_text(self.cleaned_data["message"].strip(), "message")


class PasswordConfirmForm(PlainLabels, forms.Form):
    """Your own password again, before something that cannot be undone."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        if not self.user.check_password(self.cleaned_data["password"]):
            raise ValidationError("That is not your password.", code="wrong")
        return self.cleaned_data["password"]


class DecisionForm(forms.Form):
    """Staff's answer to a request to teach."""

    decision = forms.ChoiceField(choices=[("grant", "Grant"), ("decline", "Decline")])


class OwnPasswordForm(PlainLabels, SetPasswordForm):
    """Django's form for choosing a new password, labelled "New password" and "New
    password confirmation"."""


class AccessTokenForm(PlainLabels, forms.Form):
    """A new personal access token: what it is for, what it may do, how long it lives."""

    name = forms.CharField(
        label="Token name",
        max_length=MAX_TOKEN_NAME_LENGTH,
        help_text="What it is for, so that you know which to revoke: e.g. “Zotero” or “my script”.",
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read only: the tool reads what you may read. Read and write: it also "
        "makes, changes and deletes your annotations.",
    )
    expires = forms.TypedChoiceField(
        label="Expires", choices=EXPIRY_CHOICES, coerce=int, initial=30
    )

    def clean_name(self) -> str:
        return visible_name(" ".join(self.cleaned_data["name"].split()), "token name")
