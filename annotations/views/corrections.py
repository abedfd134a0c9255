"""Correcting a typo in an article's text (teachers and staff), and the text's history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from annotations.access import get_document_to_correct
from annotations.corrections import CorrectionError, correct_paragraph
from annotations.forms import CorrectionForm

PAGE = "annotations/document_corrections.html"


@login_required
@require_http_methods(["GET", "POST"])
def document_corrections(request: HttpRequest, slug: str) -> HttpResponse:
    document = get_document_to_correct(request, slug)
    paragraphs = document.paragraphs
    form = None
    if request.method == "POST":
        form = CorrectionForm(request.POST, document=document)
        if form.is_valid():
            number = form.cleaned_data["paragraph"]
            try:
                report = correct_paragraph(
                    document,
                    number,
                    form.cleaned_data["text"],
                    author=request.user,
                    note=form.cleaned_data["note"],
                )
            except CorrectionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Paragraph {number} corrected. {report.summary()}")
                return HttpResponseRedirect(document.get_absolute_url() + f"#p-{number}")
    else:
        number = request.GET.get("paragraph", "")
        if number.isdigit() and 1 <= int(number) <= len(paragraphs):
            chosen = paragraphs[int(number) - 1]
            form = CorrectionForm(
                initial={"paragraph": chosen.number, "text": chosen.text}, document=document
            )
        elif number:
            messages.error(request, f"This article has paragraphs 1 to {len(paragraphs)}.")
    chosen = None
    if form is not None:
        value = form["paragraph"].value()
        if str(value).isdigit() and 1 <= int(value) <= len(paragraphs):
            chosen = paragraphs[int(value) - 1]
    return TemplateResponse(
        request,
        PAGE,
        {
            "document": document,
            "form": form,
            "chosen": chosen,
            "paragraph_count": len(paragraphs),
            "revisions": document.revisions.select_related("corrected_by"),
            "action": reverse("document_corrections", args=[document.slug]),
        },
        status=422 if form is not None and form.is_bound else 200,
    )
