"""Threads: replying to a highlight or to a reply, editing and deleting one's reply."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import retarget

from annotations.access import CARD_RELATIONS, get_highlight_to_reply, get_reply_to_change
from annotations.forms import ReplyForm
from annotations.models import Reply
from annotations.moderation import back_to_card, thread_page
from annotations.pages import form_page
from annotations.throttles import write_limit
from annotations.writes import add_reply, delete_reply, edit_reply


@login_required
@require_POST
@write_limit("replies")
def reply_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A reply to a highlight the writer sees, or with `parent` an answer in its thread;
    for htmx, answered with the thread (moderation.back_to_card, thread_only), which
    shows nothing of the highlight's author, article or assignment: none is fetched (the
    assignment's class is in the writer's lookups, models.Viewer)."""
    related = () if request.htmx else CARD_RELATIONS
    highlight, classes = get_highlight_to_reply(request, pk, related=related)
    answering = None
    if request.POST.get("parent"):
        # Among the replies on this highlight, which access found through these lookups.
        readable = Reply.objects.visible_to(request.user, highlight.viewer, highlights_seen=True)
        answering = readable.filter(highlight=highlight)
    form = ReplyForm(request.POST, answering=answering)
    if not form.is_valid():
        return thread_page(request, highlight, 422, reply_form=form)
    reply = add_reply(
        highlight=highlight,
        author=request.user,
        text=form.cleaned_data["text"],
        classroom=classes[0],
        parent=form.cleaned_data["parent"],
    )
    return back_to_card(request, highlight, "Reply posted.", reply=reply, thread_only=True)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("replies")
def reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_to_change(request, pk)
    # Not `request.POST or None`: an empty POST must be bound, and refused.
    data = request.POST if request.method == "POST" else None
    form = ReplyForm(data, initial={"text": reply.text})
    if form.is_valid():
        edit_reply(reply=reply, text=form.cleaned_data["text"])
        return back_to_card(request, reply.highlight, "Reply updated.", reply=reply)
    context = {"reply": reply, "highlight": reply.highlight, "form": form}
    response = form_page(request, "annotations/reply_edit.html", context, partial="form")
    # A reply to correct replaces its form, not the card the form would otherwise swap.
    return retarget(response, f"#edit-{reply.anchor}") if form.is_bound else response


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("replies")
def reply_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_to_change(request, pk)
    if request.method == "POST":
        delete_reply(reply=reply)
        return back_to_card(request, reply.highlight, "Reply deleted.")
    template = "annotations/reply_delete.html" + ("#confirm" if request.htmx else "")
    return TemplateResponse(request, template, {"reply": reply, "highlight": reply.highlight})
