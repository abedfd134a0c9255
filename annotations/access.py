"""Per-object access checks, in one place.

404 for what the user may not see (it might as well not exist); 403 for what they may
see but not change.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from annotations.models import Assignment, Classroom, Document, GlossaryEntry, Highlight, Membership


def get_document(slug: str) -> Document:
    return get_object_or_404(Document, slug=slug)


def get_highlight_for_user(request: HttpRequest, pk: int, *, change: bool = False) -> Highlight:
    highlights = Highlight.objects.visible_to(request.user).select_related(
        "owner", "document", "assignment"
    )
    highlight = get_object_or_404(highlights, pk=pk)
    if change and highlight.owner_id != request.user.pk:
        raise PermissionDenied("Only the author of a highlight can change it.")
    return highlight


def can_curate_glossary(user) -> bool:
    """Teachers (annotations.teachers) and staff keep the shared glossary; students read it."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.has_perm("annotations.change_glossaryentry")


def can_correct_text(user) -> bool:
    """Teachers and staff may correct a typo in an article; everyone reads it."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.has_perm("annotations.change_document")


def can_start_class(user) -> bool:
    """Teachers start classes; students join them with a code."""
    return user.is_authenticated and user.has_perm("annotations.add_classroom")


def get_entry_for_curation(request: HttpRequest, slug: str) -> GlossaryEntry:
    """Anyone may see an entry; only curators may change it."""
    entry = get_object_or_404(GlossaryEntry, slug=slug)
    if not can_curate_glossary(request.user):
        raise PermissionDenied("Only teachers can change the glossary.")
    return entry


def get_document_to_correct(request: HttpRequest, slug: str) -> Document:
    """Anyone may read an article; only curators (teachers, staff) may correct its text."""
    document = get_document(slug)
    if not can_correct_text(request.user):
        raise PermissionDenied("Only teachers can correct an article's text.")
    return document


def get_classroom_for_user(request: HttpRequest, pk: int, *, teach: bool = False) -> Classroom:
    """A class its members may see (404 to others); only its teachers may run it (403)."""
    membership = get_object_or_404(
        Membership.objects.select_related("classroom"), classroom_id=pk, user=request.user.pk
    )
    if teach and membership.role != Membership.Role.TEACHER:
        raise PermissionDenied("Only the class's teacher can do this.")
    classroom = membership.classroom
    classroom.viewer_role = membership.role
    return classroom


def get_assignment_for_user(request: HttpRequest, pk: int, *, teach: bool = False) -> Assignment:
    assignment = get_object_or_404(Assignment.objects.select_related("classroom"), pk=pk)
    assignment.classroom = get_classroom_for_user(request, assignment.classroom_id, teach=teach)
    return assignment


def get_student_of(assignment: Assignment, user_id: int):
    """A student of the assignment's class, or 404."""
    return get_object_or_404(
        get_user_model(),
        pk=user_id,
        memberships__classroom=assignment.classroom_id,
        memberships__role=Membership.Role.STUDENT,
    )


def teaches_author_of(user, highlight: Highlight) -> bool:
    """Whether `user` teaches the highlight's author (in the assignment's class, if any)."""
    if not user.is_authenticated:
        return False
    teaching = Membership.objects.filter(user=user, role=Membership.Role.TEACHER)
    in_class = Membership.objects.filter(
        user=highlight.owner_id,
        role=Membership.Role.STUDENT,
        classroom__in=teaching.values("classroom"),
    )
    if highlight.assignment_id:
        in_class = in_class.filter(classroom=highlight.assignment.classroom_id)
    return in_class.exists()


def get_highlight_to_moderate(request: HttpRequest, pk: int) -> Highlight:
    """A highlight its author's teacher may hide or answer; others get 404 or 403."""
    highlight = get_highlight_for_user(request, pk)
    if not teaches_author_of(request.user, highlight):
        raise PermissionDenied("Only the author's teacher can do this.")
    return highlight
