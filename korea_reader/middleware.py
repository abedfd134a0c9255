"""Refusing what PostgreSQL cannot store before any view passes it on.

A NUL character cannot be part of a PostgreSQL text value, and has no use in an address:
a request with one in its path or query string is answered 400 with a message, before a
view could hand it to the database. The log-in throttle records the User-Agent and Accept
headers of a failed log-in, so a NUL in those is dropped rather than stored.
"""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

RECORDED_HEADERS = ("HTTP_USER_AGENT", "HTTP_ACCEPT")


class RefuseNulCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            response = TemplateResponse(
                request,
                "400.html",
                {"message": "The address holds a NUL character, which no page here can take."},
                status=400,
            )
            return response.render()
        for header in RECORDED_HEADERS:
            if "\x00" in request.META.get(header, ""):
                request.META[header] = request.META[header].replace("\x00", "")
        return self.get_response(request)
