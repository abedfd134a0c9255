"""Our vocabulary (the korea: terms of the JSON-LD export): its page and its context."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from annotations import vocabulary

JSONLD = "application/ld+json"


@require_safe
@vary_on_headers("Accept")
def vocabulary_page(request: HttpRequest) -> HttpResponse:
    """Each term, defined, at its own anchor: a term's IRI opens the page at it. A JSON-LD
    tool following a term's IRI (asking for application/ld+json) gets the context."""
    if request.get_preferred_type(["text/html", JSONLD]) == JSONLD:
        return _context()
    context = {
        "terms": vocabulary.TERMS,
        "namespace": vocabulary.namespace(),
        "context_url": vocabulary.context_url(),
    }
    return TemplateResponse(request, "annotations/vocabulary.html", context)


@require_safe
def vocabulary_context(request: HttpRequest) -> JsonResponse:
    """The JSON-LD context that maps each term, with the type of its values."""
    return _context()


def _context() -> JsonResponse:
    """Anyone may read it from anywhere (as the W3C serves its own), so that JSON-LD tools
    in a browser can load it."""
    response = JsonResponse(
        vocabulary.context(), content_type=JSONLD, json_dumps_params={"indent": 2}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
