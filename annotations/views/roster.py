"""Running a class over a term: its roster and login cards, its join code, its students'
passwords, editing and deleting assignments, archiving at the end of term."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annotations.access import (
    get_assignment_for_user,
    get_classroom_for_user,
    get_lms_classroom_for_user,
    get_student_of_class,
)
from annotations.forms import AssignmentForm, ClassSettingsForm, HideAllForm
from annotations.lti.roster import RosterUnread, lms_name, sync_roster
from annotations.models import Account, Highlight
from annotations.pages import form_page
from annotations.people_forms import RosterForm
from annotations.throttles import write_limit
from annotations.time_zones import zones_of_form
from annotations.writes import (
    add_students,
    archive_classroom,
    delete_assignment,
    hide_all_in_class,
    lift_log_in_lock,
    remove_student,
    reset_student_password,
    rotate_join_code,
    show_all_in_class,
    update_assignment,
)

CARDS = "annotations/login_cards.html"


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("classes")
def class_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's name, and whether and until when its join code lets students in."""
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    form = ClassSettingsForm(request.POST if request.method == "POST" else None, instance=classroom)
    if form.is_valid():
        form.save()
        messages.success(request, "Class settings saved.")
        return redirect(classroom)
    context = {"form": form, "classroom": classroom, **zones_of_form(classroom)}
    return form_page(request, "annotations/class_settings.html", context)


@login_required
@require_POST
@write_limit("classes")
def join_code_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    code = rotate_join_code(classroom=classroom)
    messages.success(request, f"New join code: {code}. The old one lets nobody in any more.")
    return redirect(classroom)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("classes")
def class_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """At the end of term: read-only, still exportable; or back in use."""
    classroom, _ = get_classroom_for_user(request, pk, teach=True)
    if request.method == "POST":
        archive = not classroom.is_archived
        archive_classroom(classroom=classroom, archived=archive)
        done = "archived: it is read-only now" if archive else "in use again"
        messages.success(request, f"{classroom.name} is {done}.")
        return redirect(classroom)
    return TemplateResponse(request, "annotations/class_archive.html", {"classroom": classroom})


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("roster")
def roster_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add students: accounts made from a class list, then their login cards, once."""
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = RosterForm(*data, classroom=classroom)
    if form.is_valid():
        cards = add_students(classroom=classroom, lines=form.cleaned_data["lines"])
        messages.success(
            request,
            f"{len(cards)} accounts created. Print the cards now: the temporary passwords "
            "are shown only this once.",
        )
        return _cards(request, classroom, cards)
    return form_page(
        request, "annotations/roster_form.html", {"form": form, "classroom": classroom}
    )


@login_required
@require_POST
@write_limit("roster")
def roster_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Sync roster": the class's members as its LMS course has them now."""
    classroom, link = get_lms_classroom_for_user(request, pk)
    try:
        synced = sync_roster(link=link, by=request.user)
    except RosterUnread as why:
        messages.error(request, f"The roster could not be read from {lms_name(link)}: {why}.")
        return redirect(classroom)
    messages.success(request, f"Roster synced from {lms_name(link)}: {synced}.")
    return redirect(classroom)


@login_required
@require_safe
def login_cards(request: HttpRequest, pk: int) -> TemplateResponse:
    """Every student's card; a temporary password is on it only when it was just made."""
    classroom, _ = get_classroom_for_user(request, pk, teach=True)
    students = [membership.user for membership in classroom.memberships.students()]
    return _cards(request, classroom, [(student, None) for student in students])


def _cards(request: HttpRequest, classroom, cards) -> TemplateResponse:
    waiting = set(
        Account.objects.filter(
            user__in=[student for student, _ in cards], must_change_password=True
        ).values_list("user_id", flat=True)
    )
    context = {
        "classroom": classroom,
        "cards": cards,
        "waiting": waiting,
        "site": request.build_absolute_uri("/"),
    }
    return TemplateResponse(request, CARDS, context)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("classes")
def student_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    student = get_student_of_class(classroom, user_id)
    if request.method == "POST":
        remove_student(classroom=classroom, student=student)
        name = student.get_full_name() or student.username
        messages.success(
            request,
            f"{name} left {classroom.name}; their highlights stay theirs. Turn the join code "
            "over if they should not come back with it.",
        )
        return redirect(classroom)
    context = {"classroom": classroom, "student": student}
    return TemplateResponse(request, "annotations/student_remove.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("hides")
def student_hide_all(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Every highlight the student shares in the class, hidden from it at once (after a
    page saying how many), or shown again: a flood takes one request, not one a highlight."""
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    student = get_student_of_class(classroom, user_id)
    form = HideAllForm(request.POST if request.method == "POST" else None)
    name = student.get_full_name() or student.username
    if form.is_valid() and form.cleaned_data["hidden"]:
        count = hide_all_in_class(classroom=classroom, student=student, by=request.user)
        messages.success(
            request,
            f"{count} of {name}'s highlights hidden from {classroom.name}; {name} still sees them.",
        )
        return redirect(classroom)
    if form.is_valid():
        count = show_all_in_class(classroom=classroom, student=student)
        messages.success(
            request, f"{count} of {name}'s highlights shown to {classroom.name} again."
        )
        return redirect(classroom)
    shared = Highlight.objects.owned_by(student).shared_in_class(classroom)
    hidden = shared.hidden_in([classroom.pk]).count()
    context = {
        "classroom": classroom,
        "student": student,
        "form": form,
        "to_hide": shared.count() - hidden,
        "hidden": hidden,
    }
    return form_page(request, "annotations/student_hide_all.html", context)


@login_required
@require_POST
@write_limit("classes")
def student_password_reset(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """A new one-time password, shown once on the student's card."""
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    student = get_student_of_class(classroom, user_id)
    password = reset_student_password(student=student)
    messages.success(request, "New temporary password made. Print the card: it is shown once.")
    return _cards(request, classroom, [(student, password)])


@login_required
@require_POST
@write_limit("classes")
def student_unlock(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """A student locked out of logging in (annotations/log_in_locks.py) may log in again."""
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    student = get_student_of_class(classroom, user_id)
    lift_log_in_lock(username=student.username)
    name = student.get_full_name() or student.username
    messages.success(request, f"{name} can log in again, with the password they have.")
    return redirect(classroom)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("classes")
def assignment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment, _ = get_assignment_for_user(request, pk, change=True)
    form = AssignmentForm(
        request.POST if request.method == "POST" else None,
        instance=assignment,
        time_zone=assignment.classroom.time_zone,
    )
    if form.is_valid():
        update_assignment(assignment=assignment, **form.cleaned_data)
        messages.success(request, f"Assignment “{assignment.title}” saved.")
        return redirect(assignment)
    context = {
        "form": form,
        "classroom": assignment.classroom,
        "assignment": assignment,
        **zones_of_form(assignment.classroom),
    }
    return form_page(request, "annotations/assignment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("classes")
def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """After a confirmation that says what goes (the assignment) and what stays (the
    students' highlights, outside any assignment)."""
    assignment, _ = get_assignment_for_user(request, pk, change=True)
    if request.method == "POST":
        classroom, title = assignment.classroom, assignment.title
        delete_assignment(assignment=assignment)
        messages.success(request, f"Assignment “{title}” deleted; its highlights are kept.")
        return redirect(classroom)
    context = {
        "assignment": assignment,
        "highlights": assignment.highlights.count(),
        "students": assignment.highlights.values("owner").distinct().count(),
    }
    return TemplateResponse(request, "annotations/assignment_delete.html", context)
