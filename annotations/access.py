"""Per-object access checks, in one place.

404 for what the user may not see (it might as well not exist); 403 for what they may
see but not change.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from annotations.models import Document, GlossaryEntry, Highlight, Membership


def get_document(slug: str) -> Document:
    return get_object_or_404(Document, slug=slug)


def get_highlight_for_user(request: HttpRequest, pk: int, *, change: bool = False) -> Highlight:
    highlights = Highlight.objects.visible_to(request.user).select_related("owner", "document")
    highlight = get_object_or_404(highlights, pk=pk)
    if change and highlight.owner_id != request.user.pk:
        raise PermissionDenied("Only the author of a highlight can change it.")
    return highlight


def can_curate_glossary(user) -> bool:
    """Teachers (of any class) and staff keep the shared glossary; students read it."""
    if not user.is_authenticated:
        return False
    return user.is_staff or Membership.objects.filter(user=user, role="teacher").exists()


def get_entry_for_curation(request: HttpRequest, slug: str) -> GlossaryEntry:
    """Anyone may see an entry; only curators may change it."""
    entry = get_object_or_404(GlossaryEntry, slug=slug)
    if not can_curate_glossary(request.user):
        raise PermissionDenied("Only teachers can change the glossary.")
    return entry
