"""Inside the LMS's frame: the LTI pages may be framed by the registered platforms only.

Every other page keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY`
(korea_reader/settings.py). The LTI login and launch answer with `frame-ancestors`
listing the origins of the active registrations (their issuer and their auth login URL)
and without X-Frame-Options, which cannot name an origin.
"""

from functools import wraps
from urllib.parse import urlsplit

from lti_tool.models import LtiRegistration


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def platform_origins() -> list[str]:
    urls = LtiRegistration.objects.active().values_list("issuer", "auth_url")
    origins = {_origin(url) for pair in urls for url in pair}
    return sorted(origin for origin in origins if origin)


def for_platforms(view):
    @wraps(view)
    def framed(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = platform_origins()
        if origins:
            response._csp_replace = {"frame-ancestors": origins}
        # django-lti exempts its login from X-Frame-Options whatever is registered.
        response.xframe_options_exempt = bool(origins)
        return response

    return framed
