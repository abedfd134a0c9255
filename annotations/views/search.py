"""Search: the highlights the viewer may see that a query finds (annotations/search.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from annotations.query_forms import SearchForm
from annotations.search import search_page


@login_required
@require_safe
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> TemplateResponse:
    """GET only, so it needs no write limit: a query string, results a page at a time."""
    form = SearchForm(request.GET, request=request)
    template = "annotations/search.html"
    if request.htmx:
        template += "#results"
    return TemplateResponse(request, template, search_page(form))
