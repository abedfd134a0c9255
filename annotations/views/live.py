"""The live reading view's polls (annotations/live.py): GETs that write nothing, so no
write limit; one indexed query when nothing is new."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotModified
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from annotations.access import get_assignment_document, get_document
from annotations.live import changes_context
from annotations.query_forms import ChangesQueryForm
from annotations.reading import TEMPLATE


@login_required
@require_safe
@never_cache
def document_changes(request: HttpRequest, slug: str) -> HttpResponse:
    return _changes(request, get_document(slug))


@login_required
@require_safe
@never_cache
def assignment_document_changes(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    assignment, _, document = get_assignment_document(request, pk, slug)
    return _changes(request, document, assignment)


def _changes(request: HttpRequest, document, assignment=None) -> HttpResponse:
    """304 and the same token with nothing new to the viewer; else the new marks."""
    query = ChangesQueryForm(request.GET)
    if not query.is_valid():
        return HttpResponseBadRequest(
            "The page's token is not one this site made: reload it.", content_type="text/plain"
        )
    since, hidden = query.cleaned_data["since"], query.cleaned_data["hidden"]
    context = changes_context(
        request.user, document, since, assignment=assignment, show_hidden=hidden
    )
    if context is None or context.get("nothing"):
        response = HttpResponseNotModified()
    else:
        response = TemplateResponse(request, TEMPLATE + "#live-changes", context)
    response["Live-Since"] = context["since"] if context else str(since)
    return response
