"""Downloads of highlights: CSV for spreadsheets, JSON-LD for annotation tools."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from annotations.export import csv_chunks, export_queryset, exportable_by, file_name, jsonld_chunks
from annotations.forms import ExportFilterForm


def _filtered(request: HttpRequest):
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
            for field, errors in form.errors.items()
        )
        return (
            form,
            None,
            HttpResponse(
                f"The export's filters are not right: {problems}\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            ),
        )
    return form, form.apply(exportable_by(request.user)), None


def _download(request, chunks, form: ExportFilterForm, extension: str, content_type: str):
    response = StreamingHttpResponse(chunks, content_type=content_type)
    name = file_name(form.name_parts(request.user), extension, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def annotations_csv(request: HttpRequest) -> HttpResponse:
    """Every highlight the viewer may export, narrowed by the filters, as CSV."""
    form, highlights, problem = _filtered(request)
    if problem:
        return problem
    base_url = request.build_absolute_uri("/").rstrip("/")
    rows = export_queryset(highlights, base_url)
    chunks = csv_chunks(rows, bom=form.cleaned_data["excel"])
    return _download(request, chunks, form, "csv", "text/csv; charset=utf-8")


@login_required
@require_safe
def annotations_jsonld(request: HttpRequest) -> HttpResponse:
    """The same highlights as W3C Web Annotations (JSON-LD)."""
    form, highlights, problem = _filtered(request)
    if problem:
        return problem
    base_url = request.build_absolute_uri("/").rstrip("/")
    chunks = jsonld_chunks(highlights, base_url)
    return _download(
        request,
        chunks,
        form,
        "jsonld",
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    )
