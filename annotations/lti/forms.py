"""Forms for registering a learning platform: the staff page's, which the command
`lti_register` uses too, so that both refuse the same input with the same words."""

from django import forms
from django.core.exceptions import ValidationError

from annotations.lti.registrations import platform_url
from annotations.people_forms import PlainLabels
from annotations.validators import plain_text, visible_name

# django-lti's columns are 255 characters long.
MAX_LENGTH = 255


class PlatformForm(PlainLabels, forms.Form):
    """What the LMS shows its administrator after adding Korea Reader as a tool."""

    issuer = forms.CharField(
        label="Issuer",
        max_length=MAX_LENGTH,
        help_text="The platform's issuer (iss), e.g. https://canvas.instructure.com.",
    )
    client_id = forms.CharField(label="Client ID", max_length=MAX_LENGTH)
    deployment_id = forms.CharField(label="Deployment ID", max_length=MAX_LENGTH)
    auth_login_url = forms.CharField(
        label="Authentication login URL",
        max_length=MAX_LENGTH,
        help_text="The platform's OIDC authorization endpoint.",
    )
    auth_token_url = forms.CharField(
        label="Access token URL", max_length=MAX_LENGTH, help_text="Its OAuth 2 token endpoint."
    )
    keyset_url = forms.CharField(
        label="Keyset URL", max_length=MAX_LENGTH, help_text="Its public keys (JWKS)."
    )
    name = forms.CharField(
        label="Name",
        max_length=MAX_LENGTH,
        required=False,
        help_text="As staff call it, e.g. District Canvas. Empty: the issuer.",
    )
    audience = forms.CharField(
        label="Token audience",
        max_length=MAX_LENGTH,
        required=False,
        help_text="Only if the platform asks for one other than its access token URL.",
    )

    URLS = {
        "issuer": "issuer",
        "auth_login_url": "authentication login URL",
        "auth_token_url": "access token URL",
        "keyset_url": "keyset URL",
    }

    def __init__(self, *args, deployment_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deployment_id"].required = deployment_required

    IDS = {"client_id": "client ID", "deployment_id": "deployment ID", "audience": "audience"}

    def clean(self) -> dict:
        cleaned = super().clean()
        for field, what in self.URLS.items():
            if field in cleaned:
                try:
                    cleaned[field] = platform_url(cleaned[field], what)
                except ValidationError as error:
                    self.add_error(field, error)
        for field, what in self.IDS.items():
            if field in cleaned:
                try:
                    cleaned[field] = _identifier(cleaned[field], what)
                except ValidationError as error:
                    self.add_error(field, error)
        if "name" in cleaned:
            try:
                cleaned["name"] = visible_name(" ".join(cleaned["name"].split()), "name")
            except ValidationError as error:
                self.add_error("name", error)
        return cleaned


def _identifier(value: str, what: str) -> str:
    """An id the platform made: printable, without spaces (it is compared exactly)."""
    plain_text(value, what)
    if any(character.isspace() or not character.isprintable() for character in value):
        raise ValidationError(
            f"The {what} has spaces or invisible characters in it: copy it again from the "
            "platform.",
            code="spaces",
        )
    return value


class ActiveForm(forms.Form):
    """Staff turning a registration, or one of its deployments, on or off."""

    active = forms.TypedChoiceField(
        choices=[("1", "Activate"), ("0", "Deactivate")], coerce=lambda value: value == "1"
    )
    deployment = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class RegistrationQuery(forms.Form):
    """What an LMS sends to /lti/register/ (LTI Dynamic Registration 3.3), and our
    registration link's key. Each is checked where it is used (annotations/lti/dynamic.py)."""

    key = forms.CharField(required=False, max_length=500)
    openid_configuration = forms.CharField(required=False, max_length=2000)
    registration_token = forms.CharField(required=False, max_length=5000)
