"""Throttles for what people try before they have an account (django-ratelimit).

Only what can be abused is counted: wrong join codes per address (so a class of thirty
behind one school address, all with the right code, is never held up), and sign-ups per
address and per class code. The rates are settings (JOIN_FAILURES_PER_ADDRESS,
SIGNUPS_PER_ADDRESS, SIGNUPS_PER_CODE; see docs/DEPLOY.md).
"""

from django.conf import settings
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django_ratelimit.core import get_usage


def _usage(request: HttpRequest, group: str, key, rate: str, *, count: bool) -> dict | None:
    return get_usage(request, group=group, key=key, rate=rate, increment=count)


def _reached(usage: dict | None) -> bool:
    return usage is not None and usage["count"] >= usage["limit"]


def _by_code(code: str):
    return lambda group, request: code


def wrong_codes_reached(request: HttpRequest) -> bool:
    rate = settings.JOIN_FAILURES_PER_ADDRESS
    return _reached(_usage(request, "join-wrong-code", "ip", rate, count=False))


def count_wrong_code(request: HttpRequest) -> None:
    _usage(request, "join-wrong-code", "ip", settings.JOIN_FAILURES_PER_ADDRESS, count=True)


def sign_ups_reached(request: HttpRequest, code: str) -> bool:
    by_address = _usage(request, "sign-up-address", "ip", settings.SIGNUPS_PER_ADDRESS, count=False)
    by_code = _usage(
        request, "sign-up-code", _by_code(code), settings.SIGNUPS_PER_CODE, count=False
    )
    return _reached(by_address) or _reached(by_code)


def count_sign_up(request: HttpRequest, code: str) -> None:
    _usage(request, "sign-up-address", "ip", settings.SIGNUPS_PER_ADDRESS, count=True)
    _usage(request, "sign-up-code", _by_code(code), settings.SIGNUPS_PER_CODE, count=True)


def too_many(request: HttpRequest, what: str) -> TemplateResponse:
    """429, in the site's own page: what was refused and what to do."""
    return TemplateResponse(request, "429.html", {"what": what}, status=429)
