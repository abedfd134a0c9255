"""The URLs of bench/writes.py: a minimal authenticated write, then the site's own.

Included only by bench/settings.py, never by korea_reader/urls.py: the site has no such
view."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST

TABLE = "bench_minimal_write"


@login_required
@require_POST
def minimal_write(request: HttpRequest) -> HttpResponse:
    """The least a write of an account does: the session and its user read, the CSRF
    token checked (the middleware, as for every POST), one row inserted."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (user_id) VALUES (%s)", [request.user.pk])
    return HttpResponse(status=204)


urlpatterns = [
    path("bench/minimal-write/", minimal_write, name="bench_minimal_write"),
    path("", include("korea_reader.urls")),
]
