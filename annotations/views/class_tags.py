"""The class's tags, for its teachers: with counts, renamed and merged for the class alone
(annotations/class_tags.py), and the class's list of suggested tags."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from annotations.access import get_classroom_for_user, get_tag_of_class
from annotations.class_tags import (
    RenameRefused,
    merge_tags,
    rename_tag,
    tags_in_class,
    tags_of_class,
)
from annotations.pages import form_page
from annotations.tag_forms import ClassTagsForm, TagMergeForm, TagRenameForm
from annotations.throttles import write_limit


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("class_tags")
def class_tags(request: HttpRequest, pk: int) -> HttpResponse:
    """The tags on the class's work with their counts; the class's suggested tags."""
    posted = request.method == "POST"
    classroom, _ = get_classroom_for_user(request, pk, teach=True, change=posted)
    form = ClassTagsForm(request.POST if posted else None, instance=classroom)
    if form.is_valid():
        form.save(commit=False).save(update_fields=["suggested_tags"])
        names = ", ".join(classroom.suggested_tags) or "none"
        return _to_tags(request, classroom, f"The class's suggested tags are saved: {names}.")
    context = {"classroom": classroom, "form": form, "tags": tags_in_class(classroom)}
    return form_page(request, "annotations/class_tags.html", context, partial="suggested")


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("class_tags")
def class_tag_rename(request: HttpRequest, pk: int, tag_id: int) -> HttpResponse:
    posted = request.method == "POST"
    classroom, _ = get_classroom_for_user(request, pk, teach=True, change=posted)
    tag = get_tag_of_class(classroom, tag_id)
    form = TagRenameForm(request.POST if posted else None, tag=tag)
    if form.is_valid():
        try:
            done = rename_tag(classroom=classroom, tag=tag, name=form.cleaned_data["new_name"])
        except RenameRefused as refusal:
            form.add_error("new_name", str(refusal))
        else:
            return _to_tags(request, classroom, done.message)
    context = {"classroom": classroom, "tag": tag, "form": form}
    return form_page(request, "annotations/class_tag_rename.html", context, partial="form")


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("class_tags")
def class_tag_merge(request: HttpRequest, pk: int, tag_id: int) -> HttpResponse:
    posted = request.method == "POST"
    classroom, _ = get_classroom_for_user(request, pk, teach=True, change=posted)
    tag = get_tag_of_class(classroom, tag_id)
    form = TagMergeForm(request.POST if posted else None, tag=tag, tags=tags_of_class(classroom))
    if form.is_valid():
        done = merge_tags(classroom=classroom, tag=tag, into=form.cleaned_data["into"])
        return _to_tags(request, classroom, done.message)
    context = {"classroom": classroom, "tag": tag, "form": form}
    return form_page(request, "annotations/class_tag_merge.html", context, partial="form")


def _to_tags(request: HttpRequest, classroom, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("class_tags", args=[classroom.pk])
    return HttpResponseClientRedirect(url) if request.htmx else HttpResponseRedirect(url)
