"""Notifications: the list of who answered you, read by opening it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST, require_safe

from annotations.models import Viewer
from annotations.notifications import mark_all_read, mark_read, notifications_page
from annotations.query_forms import PageQueryForm
from annotations.throttles import write_limit


@login_required
@require_safe
def notification_list(request: HttpRequest) -> TemplateResponse:
    """Newest first, a page at a time; the ones shown are read from now on (this page
    still shows which were new)."""
    query = PageQueryForm(request.GET)
    number = query.cleaned_data["page"] if query.is_valid() else 1
    page = notifications_page(request.user, number, Viewer.of_request(request))
    mark_read(list(page))
    return TemplateResponse(request, "annotations/notifications.html", {"page": page})


@login_required
@require_POST
@write_limit("notifications")
def notifications_read(request: HttpRequest) -> HttpResponse:
    marked = mark_all_read(request.user)
    messages.success(request, "No new notifications." if marked else "Nothing new to mark.")
    return redirect("notifications")
