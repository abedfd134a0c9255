"""Responses that many views give in the same way."""

from django.http import HttpRequest
from django.template.response import TemplateResponse

HIGHLIGHTS_PER_PAGE = 20  # cards on a page of highlights: an entry's, an article's


def form_page(
    request: HttpRequest, template: str, context: dict, *, partial: str | None = None
) -> TemplateResponse:
    """The page with its form, or the form's `partial` alone for htmx.

    422 when a posted form comes back to be corrected, so that htmx and scripts can tell
    a refusal from a page.
    """
    if partial and request.htmx:
        template += f"#{partial}"
    form = context["form"]  # None where the page has no form to show yet
    status = 422 if form is not None and form.is_bound else 200
    return TemplateResponse(request, template, context, status=status)
