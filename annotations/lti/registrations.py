"""Registering a learning platform (an LMS) with Korea Reader.

Three ways in, one write: `manage.py lti_register`, the staff page (/lti/platforms/) and
LTI Dynamic Registration (/lti/register/, annotations/lti/dynamic.py) all end in
`register_platform`, which keeps django-lti's rows: an LtiRegistration per issuer and
client id, and an active LtiDeployment per deployment id. The tool's own URLs, which the
administrator pastes into the LMS, are `tool_urls`.
"""

from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from lti_tool.models import LtiDeployment, LtiRegistration

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_URL = URLValidator(schemes=["https", "http"])


def platform_url(value: str, what: str) -> str:
    """A URL of the platform's: https, except on this machine (tests, a local LMS) or in
    development (DEBUG). What the LMS signs with and where our keys go must not travel
    in the clear."""
    try:
        _URL(value)
    except ValidationError:
        raise ValidationError(
            f"The {what} must be a whole URL, e.g. https://lms.example.org/…", code="url"
        ) from None
    parts = urlsplit(value)
    if parts.scheme != "https" and not (settings.DEBUG or parts.hostname in LOOPBACK):
        raise ValidationError(
            f"The {what} must start with https:// (the platform's keys and tokens travel there).",
            code="https",
        )
    return value


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class ToolUrls(NamedTuple):
    """What an LMS asks for, on this site (contracts in DESIGN.md)."""

    tool: str  # the target link URI / "tool URL" / redirect URL
    login: str
    launch: str
    jwks: str
    register: str
    canvas_json: str
    domain: str


def tool_urls(origin: str) -> ToolUrls:
    origin = origin.rstrip("/")
    return ToolUrls(
        tool=f"{origin}/lti/launch/",
        login=f"{origin}/lti/login/",
        launch=f"{origin}/lti/launch/",
        jwks=f"{origin}/lti/jwks/",
        register=f"{origin}/lti/register/",
        canvas_json=f"{origin}/lti/canvas.json",
        domain=urlsplit(origin).netloc,
    )


def default_origin() -> str:
    """Where this site answers, for a command that has no request to ask: the first
    CSRF_TRUSTED_ORIGINS, else the first ALLOWED_HOSTS (development: port 8000)."""
    if settings.CSRF_TRUSTED_ORIGINS:
        return settings.CSRF_TRUSTED_ORIGINS[0]
    hosts = [host for host in settings.ALLOWED_HOSTS if host != "*" and not host.startswith(".")]
    host = hosts[0] if hosts else "localhost"
    return f"http://{host}:8000" if host in LOOPBACK else f"https://{host}"


@transaction.atomic
def register_platform(
    *,
    issuer: str,
    client_id: str,
    deployment_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    name: str = "",
    audience: str = "",
) -> tuple[LtiRegistration, bool]:
    """Create or update the registration of (issuer, client id), active, and its
    deployment, active; (registration, created). Running it again changes nothing more.
    A blank `deployment_id` (a platform that names none at registration) adds none: the
    first launch then adds an inactive one for staff to activate."""
    defaults = {
        "auth_url": auth_login_url,
        "token_url": auth_token_url,
        "keyset_url": keyset_url,
        "audience": audience,
        "is_active": True,
    }
    if name:
        defaults["name"] = name
    registration, created = LtiRegistration.objects.select_for_update().update_or_create(
        issuer=issuer,
        client_id=client_id,
        defaults=defaults,
        create_defaults={**defaults, "name": name or issuer},
    )
    if deployment_id:
        LtiDeployment.objects.update_or_create(
            registration=registration, deployment_id=deployment_id, defaults={"is_active": True}
        )
    return registration, created


@transaction.atomic
def set_platform_active(*, registration: LtiRegistration, active: bool) -> None:
    registration.is_active = active
    registration.save(update_fields=["is_active", "datetime_modified"])


@transaction.atomic
def set_deployment_active(*, deployment: LtiDeployment, active: bool) -> None:
    deployment.is_active = active
    deployment.save(update_fields=["is_active", "datetime_modified"])


# What the tool asks the platform for: line items and scores (AGS), the roster (NRPS).
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]
TOOL_NAME = "Korea Reader"
TOOL_DESCRIPTION = (
    "Annotated reading for history classes: three articles on Stalin and the Korean War, "
    "highlighted, noted, tagged and linked to a glossary, with assignments and grades."
)


def canvas_configuration(origin: str) -> dict:
    """Canvas's developer key JSON ("Paste JSON"), for /lti/canvas.json."""
    urls = tool_urls(origin)
    deep_link = {
        "message_type": "LtiDeepLinkingRequest",
        "target_link_uri": urls.tool,
        "text": TOOL_NAME,
    }
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.tool,
        "public_jwk_url": urls.jwks,
        "scopes": SCOPES,
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urls.domain,
                "tool_id": "korea-reader",
                "privacy_level": "public",
                "settings": {
                    "text": TOOL_NAME,
                    "placements": [
                        {"placement": "link_selection", **deep_link},
                        {"placement": "assignment_selection", **deep_link},
                    ],
                },
            }
        ],
        "custom_fields": {},
    }
