"""Detours before a view: a password a teacher made is changed at the first log-in,
before anything else; someone whose session has ended logs in again on the real log-in
page, then comes back to the page they were on; and times are the viewer's zone's."""

import zoneinfo
from urllib.parse import parse_qs, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from annotations.signals import MUST_CHANGE_PASSWORD
from annotations.time_zones import viewer_time_zone

# Where someone who must choose a password may still go.
ALLOWED = ("password_set", "logout", "healthz")


class ChooseOwnPassword:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(MUST_CHANGE_PASSWORD) and request.user.is_authenticated:
            allowed = {reverse(name) for name in ALLOWED}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                url = reverse("password_set")
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(url)
                return redirect(url)
        return self.get_response(request)


class ActivateTimeZone:
    """Middleware: the request's times are shown and read in the viewer's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        name = viewer_time_zone(request)
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class LogInAgainThenCarryOn:
    """@login_required sends a logged-out request to the log-in page with `next` set to
    the request's own address. Two kinds of request cannot go back there:

    - an htmx request: htmx would follow the redirect and swap the log-in page into the
      part of the page it was updating (the editor's panel). The browser goes to the
      log-in page instead (HX-Redirect), and `next` is the page it is on (HX-Current-URL);
    - a form posted without htmx: its address answers a POST, not the GET that follows the
      log-in. `next` is the page the form was on (the Referer).

    Only a page of this site is a place to go back to; without one the redirect stays as
    the view made it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _sends_to_log_in(response) or request.user.is_authenticated:
            return response
        if request.htmx:
            place = _page_of_this_site(request, request.htmx.current_url)
        elif request.method not in ("GET", "HEAD"):
            place = _page_of_this_site(request, request.headers.get("Referer"))
        else:
            return response
        url = redirect_to_login(place).url if place else response.url
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _sends_to_log_in(response: HttpResponse) -> bool:
    """Whether this is the redirect of an access check: to the log-in page, with `next`."""
    if response.status_code != 302:
        return False
    url = urlsplit(response.url)
    return url.path == resolve_url(settings.LOGIN_URL) and "next" in parse_qs(url.query)


def _page_of_this_site(request: HttpRequest, url: str | None) -> str | None:
    """`url` as a path on this site, if it is one (and not the log-in page itself)."""
    if not url:
        return None
    split = urlsplit(url)
    if (split.scheme, split.netloc) != (request.scheme, request.get_host()):
        return None
    if split.path == resolve_url(settings.LOGIN_URL):
        return None
    return urlunsplit(split._replace(scheme="", netloc=""))
