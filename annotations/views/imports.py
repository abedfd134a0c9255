"""A teacher's upload of annotations: our own export, or another tool's."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from annotations.access import get_classroom_for_user
from annotations.import_forms import ImportForm
from annotations.importing import Owners, import_annotations
from annotations.pages import form_page
from annotations.throttles import write_limit


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("imports")
def class_import(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Import": a file's annotations into the class, and what became of each."""
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ImportForm(*data, classroom=classroom)
    context = {"form": form, "classroom": classroom}
    if form.is_valid():
        whose = form.cleaned_data["student"]
        owners = Owners(everyone=whose, classroom=classroom, importer=request.user, capped=True)
        context["report"] = import_annotations(
            form.cleaned_data["file"], owners=owners, assignment=form.cleaned_data["assignment"]
        )
        context["form"] = ImportForm(classroom=classroom)
    return form_page(request, "annotations/class_import.html", context, partial="form")
