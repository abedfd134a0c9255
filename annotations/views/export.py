"""Downloads of highlights: CSV for spreadsheets, JSON-LD for annotation tools."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from annotations.export import (
    COLUMNS,
    JSONLD_CONTENT_TYPE,
    WORK_COLUMNS,
    csv_chunks,
    export_queryset,
    exportable_by,
    file_name,
    jsonld_chunks,
    sheet_chunks,
    work_of,
)
from annotations.forms import ExportFilterForm
from annotations.throttles import ALL, write_limit


@login_required
@require_safe
@write_limit("exports", methods=ALL)
def annotations_csv(request: HttpRequest) -> HttpResponse:
    """Every highlight the viewer may export, narrowed by the filters, as the teacher's
    sheet: readable headers, local times, replies, by student and place in the text."""

    def chunks(highlights, base_url, form):
        data = form.cleaned_data
        return sheet_chunks(
            highlights,
            base_url,
            viewer=request.user,
            classroom=data["classroom"],
            bom=data["excel"],
            mine=data["mine"],
        )

    return _download(request, chunks, "csv", "text/csv; charset=utf-8")


@login_required
@require_safe
@write_limit("exports", methods=ALL)
def annotations_csv_all(request: HttpRequest) -> HttpResponse:
    """The same highlights with every column, as the machine names them (docs/EXPORT.md)."""

    def chunks(highlights, base_url, form):
        data = form.cleaned_data
        rows = export_queryset(
            highlights,
            base_url,
            viewer=request.user,
            classroom=data["classroom"],
            mine=data["mine"],
        )
        return csv_chunks(rows, header=WORK_COLUMNS if data["mine"] else COLUMNS, bom=data["excel"])

    return _download(request, chunks, "csv", "text/csv; charset=utf-8", variant="all columns")


@login_required
@require_safe
@write_limit("exports", methods=ALL)
def annotations_jsonld(request: HttpRequest) -> HttpResponse:
    """The same highlights as W3C Web Annotations (JSON-LD)."""

    def chunks(highlights, base_url, form):
        return jsonld_chunks(
            highlights,
            base_url,
            viewer=request.user,
            classroom=form.cleaned_data["classroom"],
            collection_url=request.build_absolute_uri(),
            mine=form.cleaned_data["mine"],
        )

    return _download(request, chunks, "jsonld", JSONLD_CONTENT_TYPE)


def _download(
    request: HttpRequest, chunks, extension: str, content_type: str, variant: str = ""
) -> HttpResponse:
    """The filtered highlights as a streamed file, or 400 saying which filter is wrong."""
    form = ExportFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            f"The export's filters are not right: {form.problems()}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if form.cleaned_data["mine"]:
        highlights = work_of(request.user)
    else:
        highlights = form.apply(exportable_by(request.user), viewer=request.user)
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = StreamingHttpResponse(chunks(highlights, base_url, form), content_type=content_type)
    if extension == "csv" and form.cleaned_data["excel"]:
        variant = f"{variant} for Excel".strip()
    name = file_name(form.name_parts(request.user), extension, timezone.localdate(), variant)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
