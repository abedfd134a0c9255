"""The live reading view's polls (annotations/live.py): GETs that write nothing, so no
write limit; one indexed query when nothing is new."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from annotations.access import get_document, get_document_of_my_assignment
from annotations.live import Since, changes_context, not_modified
from annotations.query_forms import ChangesQueryForm
from annotations.reading import TEMPLATE


@login_required
@require_safe
@never_cache
def document_changes(request: HttpRequest, slug: str) -> HttpResponse:
    return _changes(request, lambda: get_document(slug))


@login_required
@require_safe
@never_cache
def assignment_document_changes(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    return _changes(request, lambda: get_document_of_my_assignment(request, pk, slug), pk)


def _changes(request: HttpRequest, find, assignment: int | None = None) -> HttpResponse:
    """304 and the same token with nothing new to the viewer; else the new marks. `find`
    is the access check. A poll of a page's own with nothing new never gets here
    (annotations.live.PollShortcut)."""
    query = ChangesQueryForm(request.GET)
    if not query.is_valid():
        return HttpResponseBadRequest(
            "The page's token is not one this site made: reload it.", content_type="text/plain"
        )
    since, hidden = query.cleaned_data["since"], query.cleaned_data["hidden"]
    document = find()
    context = changes_context(
        request.user, document, since, assignment=assignment, show_hidden=hidden
    )
    if context is None:
        return not_modified(since)
    if context.get("nothing"):
        return not_modified(Since.parse(context["since"]))
    response = TemplateResponse(request, TEMPLATE + "#live-changes", context)
    response["Live-Since"] = context["since"]
    return response
