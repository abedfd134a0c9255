"""A password a teacher made is changed at the first log-in, before anything else; times
are shown in the viewer's zone."""

import zoneinfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
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
