"""Inside the LMS's frame: the LTI pages may be framed by the registered platforms only.

Every other page keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY`
(korea_reader/settings.py). The LTI login and launch answer with `frame-ancestors`
listing the origins of the active registrations (their issuer and their auth login URL)
and without X-Frame-Options, which cannot name an origin.

A launch lands on a class or assignment page inside the same frame, so a session that a
launch began remembers its platform's origins (`remember_platform`), and
`FrameForLaunchingPlatform` lets that platform, and it alone, frame the pages of that
session. Logging out, or logging in the ordinary way, ends the session and with it this.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from lti_tool.models import LtiRegistration

SESSION_ORIGINS = "lti_frame_origins"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _origins_of(registrations) -> list[str]:
    urls = registrations.values_list("issuer", "auth_url")
    origins = {_origin(url) for pair in urls for url in pair}
    return sorted(origin for origin in origins if origin)


def platform_origins() -> list[str]:
    return _origins_of(LtiRegistration.objects.active())


def remember_platform(request, registration: LtiRegistration) -> None:
    registrations = LtiRegistration.objects.filter(pk=registration.pk)
    request.session[SESSION_ORIGINS] = _origins_of(registrations)


def _allow(response, origins: list[str]) -> None:
    if origins:
        response._csp_replace = {"frame-ancestors": origins}
    # django-lti exempts its login from X-Frame-Options whatever is registered.
    response.xframe_options_exempt = bool(origins)


def for_platforms(view):
    @wraps(view)
    def framed(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        _allow(response, platform_origins())
        return response

    return framed


class FrameForLaunchingPlatform:
    """After CSPMiddleware in MIDDLEWARE, so that its policy is built with this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only a request with a session reads it (reading one would vary every page).
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        origins = request.session.get(SESSION_ORIGINS) if has_session else None
        if origins and not hasattr(response, "_csp_replace"):
            _allow(response, origins)
        return response
