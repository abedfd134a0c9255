"""The library, the reading view, and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from annotations.access import get_document
from annotations.models import Document
from annotations.reading import TEMPLATE, reading_context


@require_safe
def library(request: HttpRequest) -> TemplateResponse:
    documents = Document.objects.in_library_order()
    return TemplateResponse(request, "annotations/library.html", {"documents": documents})


@require_safe
def document_detail(request: HttpRequest, slug: str) -> TemplateResponse:
    document = get_document(slug)
    return TemplateResponse(request, TEMPLATE, reading_context(request.user, document))


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
