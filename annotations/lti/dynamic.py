"""LTI Dynamic Registration 1.0 (1EdTech): the LMS opens /lti/register/ with
`openid_configuration` (and perhaps `registration_token`); we read the platform's
configuration, send it our client registration, and keep what it answers as a
registration and an active deployment (registrations.register_platform).

Who may: only someone holding a registration link that staff made on the staff page
(a signed, expiring key in the link's query, used once), as Hypothesis' LMS app does.
The LMS administrator pastes that link into the LMS; the key stands in for a log-in,
which a cross-site frame could not carry anyway (third-party cookies). An open endpoint
would let anyone register any platform and launch into Korea Reader from it.
"""

import logging
import secrets
from urllib.parse import urlsplit

import requests
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError

from annotations.lti.forms import MAX_LENGTH, PlatformForm
from annotations.lti.registrations import (
    SCOPES,
    TOOL_NAME,
    origin_of,
    platform_url,
    register_platform,
    tool_urls,
)

logger = logging.getLogger(__name__)
LINK_SALT = "annotations.lti.registration-link"
LINK_DAYS = 2
TIMEOUT = 10  # seconds for each request to the platform
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
REQUIRED = ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"]


class RegistrationFailed(Exception):
    """A registration that did not happen: `message` for the page, `detail` for the log,
    and the page's status: 403 without a good link, 400 for what the LMS sent us, 502 for
    what its platform answered (or did not)."""

    def __init__(self, message: str, detail: str = "", *, status: int = 502):
        super().__init__(message)
        self.message = message
        self.detail = detail or message
        self.status = status


def make_link(*, staff, origin: str) -> str:
    """A one-time registration link for an LMS administrator, made by `staff`."""
    key = signing.dumps({"by": staff.pk, "once": secrets.token_urlsafe(12)}, salt=LINK_SALT)
    return f"{tool_urls(origin).register}?key={key}"


def _read_key(key: str) -> dict:
    try:
        data = signing.loads(key, salt=LINK_SALT, max_age=LINK_DAYS * 86400)
    except signing.SignatureExpired:
        raise RegistrationFailed(
            f"This registration link is more than {LINK_DAYS} days old. Ask Korea Reader's "
            "staff for a new one.",
            "an expired registration link",
            status=403,
        ) from None
    except signing.BadSignature:
        raise RegistrationFailed(
            "This is not a registration link Korea Reader's staff made: ask them for one "
            "(on the page Learning platforms).",
            "a registration without a valid link",
            status=403,
        ) from None
    staff = get_user_model().objects.filter(pk=data.get("by"), is_staff=True, is_active=True)
    if not staff.exists():
        raise RegistrationFailed(
            "The staff account that made this link can no longer register platforms. Ask "
            "staff for a new link.",
            f"a registration link of account {data.get('by')}, no longer staff",
            status=403,
        )
    return data


def _claim(data: dict) -> str:
    """Mark the link used (counted in the shared database cache), or refuse it."""
    used = f"lti-registration-link:{data['once']}"
    if not cache.add(used, True, timeout=LINK_DAYS * 86400):
        raise RegistrationFailed(
            "This registration link was used already. Ask staff for a new one.",
            "a registration link used twice",
            status=403,
        )
    return used


def register(*, key: str, openid_configuration: str, registration_token: str, origin: str):
    """Register the platform; the LtiRegistration, or RegistrationFailed (logged)."""
    try:
        used = _claim(_read_key(key))
        try:
            return _register(openid_configuration, registration_token, origin)
        except RegistrationFailed:
            cache.delete(used)  # nothing was registered: the link may be tried again
            raise
    except RegistrationFailed as failure:
        logger.warning(
            "LTI dynamic registration refused (%s): %s", openid_configuration, failure.detail
        )
        raise


def _register(openid_configuration: str, registration_token: str, origin: str):
    configuration_url = _checked_url(
        openid_configuration, "platform's configuration URL", status=400
    )
    platform = _platform_configuration(configuration_url, registration_token)
    answer = _post_registration(platform, registration_token, origin)
    client_id = answer.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise RegistrationFailed(
            "The platform accepted Korea Reader but sent back no client id.",
            f"a registration answer without client_id: {answer!r:.500}",
        )
    registration, _ = register_platform(**_checked_answer(platform, answer))
    logger.info(
        "LTI dynamic registration: %s, client id %s, deployment %s",
        registration.issuer,
        registration.client_id,
        ", ".join(registration.deployments.values_list("deployment_id", flat=True)) or "none yet",
    )
    return registration


def _checked_answer(platform: dict, answer: dict) -> dict:
    """What to keep of the platform's configuration and answer, checked as the staff
    page checks what staff type (PlatformForm); a platform may name no deployment yet."""
    tool = answer.get(TOOL_CONFIGURATION)
    tool = tool if isinstance(tool, dict) else {}
    product = platform.get(PLATFORM_CONFIGURATION)
    product = product.get("product_family_code") if isinstance(product, dict) else ""
    data = {
        "issuer": platform["issuer"],
        "client_id": answer["client_id"],
        "deployment_id": str(tool.get("deployment_id") or ""),
        "auth_login_url": platform["authorization_endpoint"],
        "auth_token_url": platform["token_endpoint"],
        "keyset_url": platform["jwks_uri"],
        "name": f"{product} ({platform['issuer']})"[:MAX_LENGTH] if product else "",
        "audience": str(platform.get("authorization_server") or ""),
    }
    form = PlatformForm(data, deployment_required=False)
    if not form.is_valid():
        problems = "; ".join(
            f"{field}: {message}" for field, messages in form.errors.items() for message in messages
        )
        raise RegistrationFailed(
            f"The platform answered with values Korea Reader cannot keep ({problems}). "
            "Register it by hand instead (docs/LTI.md).",
            f"unusable registration values: {problems}",
        )
    return form.cleaned_data


def _checked_url(value, what: str, status: int = 502) -> str:
    if not isinstance(value, str) or not value:
        raise RegistrationFailed(
            f"The {what} is missing: open this page from the platform's tool registration.",
            f"no {what}",
            status=status,
        )
    try:
        return platform_url(value, what)
    except ValidationError as error:
        raise RegistrationFailed(
            error.messages[0], f"{what} {value!r:.300}", status=status
        ) from None


def _request(method: str, url: str, what: str, **kwargs) -> dict:
    try:
        response = requests.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.RequestException as error:
        raise RegistrationFailed(
            f"The platform could not be reached for its {what}. Try again in a moment.",
            f"{method} {url}: {error}",
        ) from None
    if not response.ok:
        raise RegistrationFailed(
            f"The platform refused to give its {what} (HTTP {response.status_code}). "
            "Start the registration again from the platform.",
            f"{method} {url}: {response.status_code} {response.text[:500]}",
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise RegistrationFailed(
            f"The platform's {what} is not the JSON object LTI asks for.",
            f"{method} {url}: {response.text[:500]}",
        )
    return body


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _platform_configuration(url: str, registration_token: str) -> dict:
    platform = _request("GET", url, "configuration", headers=_bearer(registration_token))
    missing = [name for name in [*REQUIRED, "registration_endpoint"] if not platform.get(name)]
    if missing:
        raise RegistrationFailed(
            f"The platform's configuration lacks {', '.join(missing)}: it cannot register "
            "tools this way. Register Korea Reader by hand (docs/LTI.md).",
            f"configuration {url} lacks {missing}",
        )
    for name in [*REQUIRED, "registration_endpoint"]:
        platform[name] = _checked_url(platform[name], f"platform's {name}")
    # The configuration's URL must begin with the issuer (LTI Dynamic Registration
    # 3.5.1): a configuration cannot speak for another platform, or another site.
    issuer = platform["issuer"].rstrip("/")
    if not (url.startswith((f"{issuer}/", f"{issuer}?")) and origin_of(issuer) == origin_of(url)):
        raise RegistrationFailed(
            "The platform's configuration names an issuer its own address does not begin "
            "with, so it cannot be trusted. Nothing was registered.",
            f"issuer {platform['issuer']} is not a prefix of {url}",
        )
    return platform


def _post_registration(platform: dict, registration_token: str, origin: str) -> dict:
    return _request(
        "POST",
        platform["registration_endpoint"],
        "registration of Korea Reader",
        json=client_registration(origin),
        headers={"Accept": "application/json", **_bearer(registration_token)},
    )


def client_registration(origin: str) -> dict:
    """What we ask the platform to register (LTI Dynamic Registration 3.6)."""
    urls = tool_urls(origin)
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": TOOL_NAME,
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(urls.tool).netloc,
            "target_link_uri": urls.tool,
            "claims": ["iss", "sub", "name", "given_name", "family_name"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": urls.tool},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": urls.tool,
                    "label": TOOL_NAME,
                    "supported_types": ["ltiResourceLink"],
                },
            ],
        },
    }
