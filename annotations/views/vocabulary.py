"""Our vocabulary (the korea: terms of the JSON-LD export): its page and its context."""

from django.http import HttpRequest, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from annotations import vocabulary

JSONLD = "application/ld+json"


@require_safe
def vocabulary_page(request: HttpRequest) -> TemplateResponse:
    """Each term, defined, at its own anchor: a term's IRI opens the page at it."""
    context = {
        "terms": vocabulary.TERMS,
        "namespace": vocabulary.namespace(),
        "context_url": vocabulary.context_url(),
    }
    return TemplateResponse(request, "annotations/vocabulary.html", context)


@require_safe
def vocabulary_context(request: HttpRequest) -> JsonResponse:
    """The JSON-LD context that maps each term, with the type of its values. Anyone may
    read it from anywhere (as the W3C serves its own), so JSON-LD tools can load it."""
    response = JsonResponse(
        vocabulary.context(), content_type=JSONLD, json_dumps_params={"indent": 2}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
