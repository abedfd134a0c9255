"""The library, the reading view, and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from annotations.access import get_document
from annotations.live import live_context
from annotations.models import Document
from annotations.query_forms import ReadingQueryForm
from annotations.reading import TEMPLATE, assignments_to_work_in, reading_context


@require_safe
def library(request: HttpRequest) -> TemplateResponse:
    documents = Document.objects.in_library_order()
    return TemplateResponse(request, "annotations/library.html", {"documents": documents})


@require_safe
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The article. A student whose assignment sets it works in that assignment, so that
    their highlights count for it (`?outside=1` reads outside it); with several, the page
    offers the choice."""
    document = get_document(slug)
    query = ReadingQueryForm(request.GET)
    valid = query.is_valid()
    outside = valid and query.cleaned_data["outside"]
    assignments = assignments_to_work_in(request.user, document)
    if len(assignments) == 1 and not outside:
        assignment, _ = assignments[0]
        return redirect("assignment_document", assignment.pk, document.slug)
    show_hidden = valid and query.cleaned_data["hidden"]
    context = reading_context(
        request.user,
        document,
        assignments_to_work_in=assignments,
        show_hidden=show_hidden,
        query=request.GET,
        live=live_context(request.user, document, show_hidden=show_hidden),
    )
    return TemplateResponse(request, TEMPLATE, context)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and uptime checks: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means unhealthy
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
