"""Keeping the shared glossary: adding, editing and merging entries (teachers and staff)."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from annotations.access import can_curate_glossary, get_entry_for_curation, teacher_required
from annotations.entries import merge_preview
from annotations.forms import EntryMergeForm, GlossaryEntryForm
from annotations.models import GlossaryEntry
from annotations.pages import form_page
from annotations.throttles import write_limit
from annotations.writes import merge_entries, save_entry

FORM = "annotations/glossary_form.html"
MERGE = "annotations/glossary_merge.html"


def _to_entry(request: HttpRequest, entry: GlossaryEntry, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(entry.get_absolute_url())
    return HttpResponseRedirect(entry.get_absolute_url())


def _save(form: GlossaryEntryForm) -> GlossaryEntry | None:
    """Save, or None with a form error when another teacher took a name meanwhile."""
    try:
        return save_entry(
            entry=form.save(commit=False),
            aliases=form.cleaned_data["aliases"],
            short_forms=form.cleaned_data["short_forms"],
        )
    except IntegrityError:
        form.add_error(
            None,
            "Another entry took one of these names or this address a moment ago. "
            "Nothing was saved; check the names and save again.",
        )
        return None


@login_required
@require_http_methods(["GET", "POST"])
@teacher_required(can_curate_glossary, "Only teachers can change the glossary.")
@write_limit("glossary")
def entry_create(request: HttpRequest) -> HttpResponse:
    # Not `request.POST or None`: an empty POST must be bound, and refused.
    form = GlossaryEntryForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and (entry := _save(form)):
        return _to_entry(request, entry, f"Added “{entry.name}” to the glossary.")
    return form_page(request, FORM, {"form": form, "entry": None}, partial="form")


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("glossary")
def entry_edit(request: HttpRequest, slug: str) -> HttpResponse:
    entry = get_entry_for_curation(request, slug)
    # The form writes what it is given onto its instance as it validates: the page keeps
    # naming (and posting to) the entry as saved.
    saved = copy.copy(entry)
    form = GlossaryEntryForm(request.POST if request.method == "POST" else None, instance=entry)
    if form.is_valid() and (entry := _save(form)):
        return _to_entry(request, entry, f"Saved “{entry.name}”.")
    return form_page(request, FORM, {"form": form, "entry": saved}, partial="form")


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("glossary")
def entry_merge(request: HttpRequest, slug: str) -> HttpResponse:
    survivor = get_entry_for_curation(request, slug)
    form = EntryMergeForm(request.POST if request.method == "POST" else None, survivor=survivor)
    if form.is_valid() and form.cleaned_data["confirmed"]:
        absorbed = form.cleaned_data["absorbed"]
        absorbed_name = absorbed.name
        merge_entries(survivor=survivor, absorbed=absorbed)
        return _to_entry(request, survivor, f"Merged “{absorbed_name}” into “{survivor.name}”.")
    if form.is_valid():  # the second step: what moves, to confirm
        context = {"entry": survivor, **merge_preview(survivor, form.cleaned_data["absorbed"])}
        return TemplateResponse(request, MERGE + ("#form" if request.htmx else ""), context)
    return form_page(request, MERGE, {"form": form, "entry": survivor}, partial="form")
