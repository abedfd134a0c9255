"""Classes and reading assignments: joining, setting work, following the class."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annotations.access import (
    Role,
    can_start_class,
    get_assignment_document,
    get_assignment_for_user,
    get_classroom_for_user,
    get_highlight_to_moderate,
    get_reply_to_answer,
    get_student_of,
    teacher_required,
)
from annotations.forms import AssignmentForm, ClassroomForm, ReplyForm
from annotations.live import live_context
from annotations.log_in_locks import locked_out
from annotations.lti.roster import roster_of
from annotations.models import Assignment, Highlight, Membership
from annotations.moderation import back_to_card, with_threads
from annotations.pages import form_page
from annotations.people_forms import JoinForm
from annotations.progress import (
    class_overview,
    student_discussion,
    student_progress,
    teaching_overview,
)
from annotations.query_forms import StudentQueryForm
from annotations.questions import where_stuck
from annotations.reading import TEMPLATE as READING
from annotations.reading import reading_context
from annotations.throttles import write_limit
from annotations.time_zones import zones_of_form
from annotations.writes import create_assignment, create_classroom, set_answer, set_hidden


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
@teacher_required(
    can_start_class,
    "Only teachers can start a class. Ask your teacher for the class's join code; "
    "teachers, ask to teach on your account page (/accounts/teach/): staff grant it.",
)
@write_limit("classes")
def class_create(request: HttpRequest) -> HttpResponse:
    form = ClassroomForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        classroom = create_classroom(name=form.cleaned_data["name"], teacher=request.user)
        messages.success(
            request, f"Class created. Students join with the code {classroom.join_code}."
        )
        return HttpResponseRedirect(reverse("class", args=[classroom.pk]))
    return form_page(request, "annotations/class_form.html", {"form": form})


@login_required
@require_safe
def class_detail(request: HttpRequest, pk: int) -> TemplateResponse:
    classroom, role = get_classroom_for_user(request, pk)
    teaching = role == Role.TEACHER
    assignments = classroom.assignments.prefetch_related("documents")
    members = list(classroom.memberships.in_roster_order()) if teaching else []
    context = {
        "classroom": classroom,
        "teaching": teaching,
        "rows": [
            (assignment, None if teaching else student_progress(assignment, request.user))
            for assignment in assignments
        ],
        "export_query": urlencode({"classroom": classroom.pk}),
        "members": members,
        "locked": locked_out([membership.user for membership in members]),
        "join_url": request.build_absolute_uri(reverse("join", args=[classroom.join_code])),
        **(roster_of(classroom, members) if teaching else {}),
    }
    return TemplateResponse(request, "annotations/class_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("classes")
def assignment_create(request: HttpRequest, pk: int) -> HttpResponse:
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    form = AssignmentForm(
        request.POST if request.method == "POST" else None, time_zone=classroom.time_zone
    )
    if form.is_valid():
        assignment = create_assignment(classroom=classroom, **form.cleaned_data)
        messages.success(request, f"Assignment “{assignment.title}” set for {classroom.name}.")
        return HttpResponseRedirect(assignment.get_absolute_url())
    context = {"form": form, "classroom": classroom, **zones_of_form(classroom)}
    return form_page(request, "annotations/assignment_form.html", context)


@login_required
@require_safe
def my_assignments(request: HttpRequest) -> TemplateResponse:
    assignments = (
        Assignment.objects.for_student(request.user)
        .select_related("classroom")
        .prefetch_related("documents")
    )
    context = {
        "rows": [
            (assignment, student_progress(assignment, request.user)) for assignment in assignments
        ],
        "teaching": teaching_overview(request.user),
    }
    return TemplateResponse(request, "annotations/my_assignments.html", context)


@login_required
@require_safe
def assignment_detail(request: HttpRequest, pk: int) -> TemplateResponse:
    """For students: the brief and their progress. For the teacher: the class at a glance."""
    assignment, role = get_assignment_for_user(request, pk)
    documents = list(assignment.documents.order_by("position"))
    if role != Role.TEACHER:
        context = {
            "assignment": assignment,
            "documents": documents,
            "progress": student_progress(assignment, request.user),
        }
        return TemplateResponse(request, "annotations/assignment_student.html", context)
    context = {
        "assignment": assignment,
        "documents": documents,
        **class_overview(assignment),
        "stuck": where_stuck(assignment, request.user),
        "export_query": urlencode({"assignment": assignment.pk}),
    }
    return TemplateResponse(request, "annotations/assignment_dashboard.html", context)


@login_required
@require_safe
def assignment_document(request: HttpRequest, pk: int, slug: str) -> TemplateResponse:
    """Reading an article within an assignment, its instructions beside the text.

    The class's teacher may add `?student=ID` to see only that student's highlights.
    """
    query = StudentQueryForm(request.GET)
    valid = query.is_valid()
    student_id = query.cleaned_data["student"] if valid else None
    assignment, role, document = get_assignment_document(
        request, pk, slug, teach=student_id is not None
    )
    student = get_student_of(assignment, student_id) if student_id is not None else None
    show_hidden = valid and query.cleaned_data["hidden"]
    # One student's highlights are a still picture: the class's news is not painted in.
    live = (
        None
        if student
        else live_context(request.user, document, assignment=assignment, show_hidden=show_hidden)
    )
    context = reading_context(
        request.user,
        document,
        assignment=assignment,
        role=role,
        student=student,
        show_hidden=show_hidden,
        query=request.GET,
        live=live,
    )
    return TemplateResponse(request, READING, context)


@login_required
@require_safe
def assignment_student(request: HttpRequest, pk: int, user_id: int) -> TemplateResponse:
    """The teacher's view of one student's work on an assignment."""
    assignment, _ = get_assignment_for_user(request, pk, teach=True)
    student = get_student_of(assignment, user_id)
    highlights = with_threads(
        request.user,
        Highlight.objects.in_assignment(assignment)
        .owned_by(student)
        .for_listing()
        .with_hidden_for(request.user)
        .with_marks_for(request.user),
    )
    context = {
        "assignment": assignment,
        "student": student,
        "discussion": student_discussion(assignment, student, highlights, request.user),
        "documents": assignment.documents.order_by("position"),
        "highlights": highlights,
        "reply_form": ReplyForm(),
        "export_query": urlencode({"assignment": assignment.pk, "student": student.username}),
    }
    return TemplateResponse(request, "annotations/assignment_student_work.html", context)


@login_required
@require_POST
@write_limit("hides")
def highlight_hide(request: HttpRequest, pk: int) -> HttpResponse:
    """The teacher takes a shared highlight out of their class's view, or puts it back."""
    highlight, classes = get_highlight_to_moderate(request, pk)
    hide = request.POST.get("hidden") != "0"
    set_hidden(highlight=highlight, classrooms=classes, hidden=hide, by=request.user)
    message = (
        "Hidden from the class; its author still sees it." if hide else "Shown to the class again."
    )
    return back_to_card(request, highlight, message)


@login_required
@require_POST
@write_limit("marks")
def reply_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's teacher marks a reply to a question as its answer, or takes it back."""
    reply, _ = get_reply_to_answer(request, pk)
    is_answer = request.POST.get("answer") != "0"
    set_answer(reply=reply, by=request.user, is_answer=is_answer)
    message = (
        "Marked as the answer: the question shows as answered."
        if is_answer
        else "No longer marked as the answer."
    )
    return back_to_card(request, reply.highlight, message)
