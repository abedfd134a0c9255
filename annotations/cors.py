"""Tools on other sites (CORS, the Fetch standard's cross-origin rules) on the URLs made
for tools alone (annotations.tokens.TOOL_URLS: the Annotation Protocol and the JSON-LD
export): a web page elsewhere, a browser extension or the W3C's test runner may call
them with a personal access token and read the answer, headers included.

Any origin, never with credentials: a browser sends no cookie with such a request, and
lets no page read an answer to one that carried a cookie anyway, so a student's session
stays this site's own; only a token opens the door. The HTML site answers no other
site's page, as before.
"""

from django.http import HttpRequest, HttpResponse

from annotations.tokens import for_tools

ALLOW_METHODS = "GET, HEAD, OPTIONS, POST, PUT, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, Accept, If-Match, If-None-Match, Prefer"
# What a tool needs to read besides the body: the Protocol's headers, and why it was refused.
EXPOSE_HEADERS = (
    "Accept-Post, Allow, Content-Location, ETag, Link, Location, Preference-Applied, "
    "Retry-After, Vary, WWW-Authenticate"
)
PREFLIGHT_CACHE_SECONDS = "600"


class OpenToTools:
    """Answers a preflight on the tools' URLs itself (it carries no token to check), and
    marks their answers readable from any origin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "Origin" not in request.headers or not for_tools(request):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOW_METHODS
            response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
            response["Access-Control-Max-Age"] = PREFLIGHT_CACHE_SECONDS
        else:
            response = self.get_response(request)
            response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        response["Access-Control-Allow-Origin"] = "*"
        return response
