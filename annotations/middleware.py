"""A password a teacher made is changed at the first log-in, before anything else."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from annotations.signals import MUST_CHANGE_PASSWORD

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
