"""Correcting a typo in an article's text (teachers and staff), and the text's history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from annotations.access import get_document_to_correct
from annotations.corrections import CorrectionError, correct_paragraph
from annotations.forms import CorrectionForm
from annotations.models import Document
from annotations.pages import form_page
from annotations.query_forms import ParagraphQueryForm
from annotations.throttles import write_limit


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("corrections")
def document_corrections(request: HttpRequest, slug: str) -> HttpResponse:
    document = get_document_to_correct(request, slug)
    if request.method == "POST":
        form = CorrectionForm(request.POST, document=document)
        if form.is_valid() and (report := _correct(request, form, document)):
            number = form.cleaned_data["paragraph"]
            messages.success(request, f"Paragraph {number} corrected. {report.summary()}")
            return HttpResponseRedirect(document.get_absolute_url() + f"#p-{number}")
    else:
        form = _form_for_chosen_paragraph(request, document)
    context = {
        "document": document,
        "form": form,
        "chosen": form.chosen_paragraph() if form else None,
        "paragraph_count": len(document.paragraphs),
        "revisions": document.revisions.select_related("corrected_by"),
        "action": reverse("document_corrections", args=[document.slug]),
    }
    return form_page(request, "annotations/document_corrections.html", context)


def _correct(request: HttpRequest, form: CorrectionForm, document: Document):
    """The correction's report, or None with the reason on the form."""
    try:
        return correct_paragraph(
            document,
            form.cleaned_data["paragraph"],
            form.cleaned_data["text"],
            author=request.user,
            note=form.cleaned_data["note"],
        )
    except CorrectionError as error:
        form.add_error(None, str(error))
        return None


def _form_for_chosen_paragraph(request: HttpRequest, document: Document):
    """`?paragraph=N`: the form with that paragraph's text to correct; none before a
    paragraph is chosen."""
    query = ParagraphQueryForm(request.GET, document=document)
    if not query.is_valid():
        count = len(document.paragraphs)
        messages.error(request, f"This article has paragraphs 1 to {count}.")
        return None
    number = query.cleaned_data["paragraph"]
    if number is None:
        return None
    chosen = document.paragraphs[number - 1]
    return CorrectionForm(
        initial={"paragraph": chosen.number, "text": chosen.text}, document=document
    )
