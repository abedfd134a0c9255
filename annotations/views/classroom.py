"""Classes and reading assignments: joining, setting work, following the class."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annotations.access import (
    can_start_class,
    get_assignment_for_user,
    get_classroom_for_user,
    get_document,
    get_highlight_to_moderate,
    get_student_of,
)
from annotations.forms import AssignmentForm, ClassroomForm, JoinForm, ReplyForm
from annotations.models import Assignment, Highlight, Membership
from annotations.progress import (
    class_progress,
    heat_maps,
    most_linked_entries,
    student_progress,
    tag_counts,
)
from annotations.views.documents import READING, reading_context
from annotations.writes import add_reply, create_classroom, join_classroom, set_hidden


@login_required
@require_safe
def classes(request: HttpRequest) -> TemplateResponse:
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("classroom")
        .order_by("classroom__name")
    )
    context = {
        "memberships": memberships,
        "join_form": JoinForm(),
        "can_start_class": can_start_class(request.user),
    }
    return TemplateResponse(request, "annotations/classes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def class_create(request: HttpRequest) -> HttpResponse:
    if not can_start_class(request.user):
        raise PermissionDenied(
            "Only teachers can start a class. Ask your teacher for the class's join code; "
            "teachers, ask the school's administrator to mark your account as a teacher's."
        )
    form = ClassroomForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        classroom = create_classroom(name=form.cleaned_data["name"], teacher=request.user)
        messages.success(
            request, f"Class created. Students join with the code {classroom.join_code}."
        )
        return HttpResponseRedirect(reverse("class", args=[classroom.pk]))
    status = 422 if form.is_bound else 200
    return TemplateResponse(request, "annotations/class_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def class_join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        classroom, joined = join_classroom(code=form.cleaned_data["code"], student=request.user)
        if joined:
            messages.success(request, f"You joined {classroom.name}.")
        else:
            messages.info(request, f"You are already in {classroom.name}.")
        return HttpResponseRedirect(reverse("class", args=[classroom.pk]))
    status = 422 if form.is_bound else 200
    return TemplateResponse(request, "annotations/class_join.html", {"form": form}, status=status)


@login_required
@require_safe
def class_detail(request: HttpRequest, pk: int) -> TemplateResponse:
    classroom = get_classroom_for_user(request, pk)
    assignments = list(classroom.assignments.prefetch_related("documents"))
    teaching = classroom.viewer_role == Membership.Role.TEACHER
    context = {
        "classroom": classroom,
        "teaching": teaching,
        "rows": [
            (assignment, None if teaching else student_progress(assignment, request.user))
            for assignment in assignments
        ],
        "export_query": urlencode({"classroom": classroom.pk}),
        "members": classroom.memberships.select_related("user").order_by(
            "role", "user__last_name", "user__first_name"
        )
        if teaching
        else [],
    }
    return TemplateResponse(request, "annotations/class_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_user(request, pk, teach=True)
    form = AssignmentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        assignment = form.save(commit=False)
        assignment.classroom = classroom
        assignment.save()
        form.save_m2m()
        messages.success(request, f"Assignment “{assignment.title}” set for {classroom.name}.")
        return HttpResponseRedirect(assignment.get_absolute_url())
    status = 422 if form.is_bound else 200
    context = {"form": form, "classroom": classroom, "time_zone": timezone.get_current_timezone()}
    return TemplateResponse(request, "annotations/assignment_form.html", context, status=status)


@login_required
@require_safe
def my_assignments(request: HttpRequest) -> TemplateResponse:
    assignments = (
        Assignment.objects.for_student(request.user)
        .select_related("classroom")
        .prefetch_related("documents")
    )
    rows = [(assignment, student_progress(assignment, request.user)) for assignment in assignments]
    return TemplateResponse(request, "annotations/my_assignments.html", {"rows": rows})


@login_required
@require_safe
def assignment_detail(request: HttpRequest, pk: int) -> TemplateResponse:
    """For students: the brief and their progress. For the teacher: the class at a glance."""
    assignment = get_assignment_for_user(request, pk)
    documents = list(assignment.documents.order_by("position"))
    if assignment.classroom.viewer_role != Membership.Role.TEACHER:
        context = {
            "assignment": assignment,
            "documents": documents,
            "progress": student_progress(assignment, request.user),
        }
        return TemplateResponse(request, "annotations/assignment_student.html", context)
    rows = class_progress(assignment)
    tags = tag_counts(assignment)
    context = {
        "assignment": assignment,
        "documents": documents,
        "rows": rows,
        "completed": sum(1 for row in rows if row.complete),
        "heat_maps": heat_maps(assignment, class_size=len(rows)),
        "tags": tags,
        "top_tag_uses": tags[0][1] if tags else 0,
        "entries": most_linked_entries(assignment),
        "export_query": urlencode({"assignment": assignment.pk}),
    }
    return TemplateResponse(request, "annotations/assignment_dashboard.html", context)


@login_required
@require_safe
def assignment_document(request: HttpRequest, pk: int, slug: str) -> TemplateResponse:
    """Reading an article within an assignment, its instructions beside the text.

    The class's teacher may add `?student=ID` to see only that student's highlights.
    """
    assignment = get_assignment_for_user(request, pk)
    document = get_document(slug)
    get_object_or_404(assignment.documents, pk=document.pk)
    student = None
    student_id = request.GET.get("student", "")
    if student_id.isdecimal():
        assignment = get_assignment_for_user(request, pk, teach=True)
        if len(student_id) > 18:  # no such id (ids are bigints); int() would refuse it too
            raise Http404("No such student in this class.")
        student = get_student_of(assignment, int(student_id))
    context = reading_context(request, document, assignment=assignment, student=student)
    return TemplateResponse(request, READING, context)


@login_required
@require_safe
def assignment_student(request: HttpRequest, pk: int, user_id: int) -> TemplateResponse:
    """The teacher's view of one student's work on an assignment."""
    assignment = get_assignment_for_user(request, pk, teach=True)
    student = get_student_of(assignment, user_id)
    highlights = (
        Highlight.objects.filter(assignment=assignment, owner=student)
        .for_listing()
        .prefetch_related("replies__author")
    )
    context = {
        "assignment": assignment,
        "student": student,
        "progress": student_progress(assignment, student),
        "documents": assignment.documents.order_by("position"),
        "highlights": highlights,
        "reply_form": ReplyForm(),
        "export_query": urlencode({"assignment": assignment.pk, "student": student.username}),
    }
    return TemplateResponse(request, "annotations/assignment_student_work.html", context)


@login_required
@require_POST
def highlight_hide(request: HttpRequest, pk: int) -> HttpResponse:
    """The teacher takes a shared highlight out of the class's view, or puts it back."""
    highlight = get_highlight_to_moderate(request, pk)
    hide = request.POST.get("hidden") != "0"
    set_hidden(highlight=highlight, hidden=hide)
    messages.success(
        request,
        "Hidden from the class; its author still sees it." if hide else "Shown to the class again.",
    )
    return _back(request, highlight)


@login_required
@require_POST
def reply_create(request: HttpRequest, pk: int) -> HttpResponse:
    highlight = get_highlight_to_moderate(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        context = {"highlight": highlight, "reply_form": form, "moderating": True}
        template = "annotations/highlight.html" + ("#card" if request.htmx else "")
        return TemplateResponse(request, template, context, status=422)
    add_reply(highlight=highlight, author=request.user, text=form.cleaned_data["text"])
    messages.success(request, "Reply sent; its author will see it with the highlight.")
    return _back(request, highlight)


def _back(request: HttpRequest, highlight: Highlight) -> HttpResponse:
    if request.htmx:
        context = {"highlight": highlight, "reply_form": ReplyForm(), "moderating": True}
        return TemplateResponse(request, "annotations/highlight.html#card", context)
    if highlight.assignment_id:
        url = reverse("assignment_student", args=[highlight.assignment_id, highlight.owner_id])
    else:
        url = highlight.get_absolute_url()
    return HttpResponseRedirect(url)
