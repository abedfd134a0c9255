"""Coming in: joining with a code, signing up, one's own account, asking to teach."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annotations.access import (
    can_start_class,
    get_joinable_classroom,
    get_teacher_request,
    staff_required,
)
from annotations.accounts import unique_usernames
from annotations.mail import MailNotSent, ResetByMailForm
from annotations.models import Membership, TeacherRequest
from annotations.pages import form_page
from annotations.people_forms import (
    DecisionForm,
    JoinForm,
    NameQueryForm,
    OwnPasswordForm,
    PasswordConfirmForm,
    SignupForm,
    TeacherRequestForm,
    TimeZoneForm,
    normalise_join_code,
)
from annotations.progress import teaching_overview
from annotations.signals import MUST_CHANGE_PASSWORD
from annotations.throttles import (
    count_sign_up,
    count_wrong_code,
    sign_ups_reached,
    too_many,
    write_limit,
    wrong_codes_reached,
)
from annotations.time_zones import describe, remember_time_zone, viewer_time_zone
from annotations.writes import (
    decide_teacher_request,
    delete_account,
    join_classroom,
    set_own_password,
    set_time_zone,
    sign_up,
)

TOO_MANY_CODES = (
    "Too many wrong join codes came from this address. Wait an hour, or ask your teacher "
    "for the class's link."
)
TOO_MANY_SIGN_UPS = "Too many accounts were made here just now. Wait an hour, or ask your teacher."
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_http_methods(["GET", "POST"])
@write_limit("joins")
def class_join(request: HttpRequest) -> HttpResponse:
    """/join/: type the code the teacher gave, then join (or sign up) on its page."""
    form = JoinForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        if wrong_codes_reached(request):
            return too_many(request, TOO_MANY_CODES)
        if form.is_valid():
            return redirect("join", code=form.cleaned_data["code"])
        count_wrong_code(request)
    return form_page(request, "annotations/class_join.html", {"form": form})


@require_http_methods(["GET", "POST"])
@write_limit("joins")
def join(request: HttpRequest, code: str) -> HttpResponse:
    """/join/<code>/: a new student signs up into the class; someone logged in joins it."""
    if wrong_codes_reached(request):
        return too_many(request, TOO_MANY_CODES)
    try:
        classroom = get_joinable_classroom(normalise_join_code(code))
    except Http404:
        count_wrong_code(request)
        return TemplateResponse(request, "annotations/join_refused.html", status=404)
    if request.user.is_authenticated:
        return _join_as_member(request, classroom)
    form = SignupForm(
        request.POST if request.method == "POST" else None,
        suggest_url=reverse("username_suggestion", args=[classroom.join_code]),
    )
    if form.is_bound and sign_ups_reached(request, classroom.join_code):
        return too_many(request, TOO_MANY_SIGN_UPS)
    if form.is_valid():
        user = sign_up(form=form, classroom=classroom)
        count_sign_up(request, classroom.join_code)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(
            request,
            f"Welcome to {classroom.name}. Your user name is {user.username}: "
            "you log in with it and your password.",
        )
        return redirect(classroom)
    context = {"form": form, "classroom": classroom, "login_next": request.path}
    return form_page(request, "annotations/join.html", context)


@require_safe
def username_suggestion(request: HttpRequest, code: str) -> TemplateResponse:
    """The user name the sign-up form would make from the name typed so far (htmx)."""
    classroom = get_joinable_classroom(normalise_join_code(code))
    query = NameQueryForm(request.GET)
    name = query.cleaned_data["name"] if query.is_valid() else ""
    context = {"classroom": classroom, "suggestion": unique_usernames([name])[0] if name else ""}
    return TemplateResponse(request, "annotations/join.html#username-suggestion", context)


def _join_as_member(request: HttpRequest, classroom) -> HttpResponse:
    if request.method == "POST":
        if join_classroom(classroom=classroom, student=request.user):
            messages.success(request, f"You joined {classroom.name}.")
        else:
            messages.info(request, f"You are already in {classroom.name}.")
        return redirect(classroom)
    member = Membership.objects.filter(classroom=classroom, user=request.user).exists()
    context = {"form": None, "classroom": classroom, "member": member}
    return TemplateResponse(request, "annotations/join.html", context)


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Where a log-in lands: a teacher's classes at a glance; a student's assignments."""
    overview = teaching_overview(request.user)
    if not overview:
        return redirect("my_assignments")
    return TemplateResponse(request, "annotations/home.html", {"classes": overview})


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("account")
def account(request: HttpRequest) -> HttpResponse:
    """One's account; a POST changes the time zone times are shown in."""
    form = TimeZoneForm(
        request.POST if request.method == "POST" else None,
        initial={"time_zone": timezone.get_current_timezone_name()},
    )
    if form.is_valid():
        name = form.cleaned_data["time_zone"]
        set_time_zone(user=request.user, time_zone=name)
        remember_time_zone(request, name)
        messages.success(request, f"Times are now shown in {describe(name)}.")
        return redirect("account")
    context = {
        "form": form,
        "time_zone_chosen": bool(viewer_time_zone(request)),
        "export_query": urlencode({"mine": 1}),
        "pending_request": TeacherRequest.objects.filter(
            user=request.user, decision=TeacherRequest.Decision.PENDING
        ).exists(),
    }
    return form_page(request, "annotations/account.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("account")
def account_delete(request: HttpRequest) -> HttpResponse:
    """With the password; a teacher of a running class hands it over or archives it first."""
    teaching = Membership.objects.filter(
        user=request.user, role=Membership.Role.TEACHER, classroom__archived__isnull=True
    ).select_related("classroom")
    form = PasswordConfirmForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if not teaching and form.is_valid():
        user = request.user
        logout(request)
        delete_account(user=user)
        messages.success(request, "Your account and everything in it are deleted.")
        return redirect("library")
    context = {"form": form, "teaching": [membership.classroom for membership in teaching]}
    return form_page(request, "annotations/account_delete.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("account")
def password_set(request: HttpRequest) -> HttpResponse:
    """The first log-in with a password a teacher made: the student chooses their own."""
    form = OwnPasswordForm(request.user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        set_own_password(form=form)
        update_session_auth_hash(request, form.user)
        request.session.pop(MUST_CHANGE_PASSWORD, None)
        messages.success(request, "Your password is saved. Use it from now on.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    must = request.session.get(MUST_CHANGE_PASSWORD, False)
    return form_page(request, "registration/password_set.html", {"form": form, "must": must})


@require_http_methods(["GET", "POST"])
@write_limit("password_resets", by_address=True)
def password_reset(request: HttpRequest) -> HttpResponse:
    """Django's reset by mail, where mail is set up; otherwise the page says to ask the
    teacher and sends nothing. A mail that cannot be sent is said, never a false "sent"."""
    if not settings.EMAIL_CONFIGURED:
        return TemplateResponse(request, "registration/password_reset_unavailable.html")
    try:
        return auth_views.PasswordResetView.as_view(form_class=ResetByMailForm)(request)
    except MailNotSent:
        form = ResetByMailForm(request.POST)
        form.is_valid()
        form.add_error(None, MailNotSent.message)
        context = {"form": form}
        return TemplateResponse(
            request, "registration/password_reset_form.html", context, status=503
        )


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("account")
def teach_request(request: HttpRequest) -> HttpResponse:
    """Asking staff to make one's account a teacher's."""
    if request.method == "POST" and can_start_class(request.user):
        raise PermissionDenied("Your account is a teacher's already.")
    pending = TeacherRequest.objects.filter(
        user=request.user, decision=TeacherRequest.Decision.PENDING
    ).first()
    form = TeacherRequestForm(request.POST if request.method == "POST" else None)
    if pending is None and form.is_valid():
        form.instance.user = request.user
        form.save()
        messages.success(request, "Sent. Staff will look at your request and let you know.")
        return redirect("account")
    context = {"form": form, "pending": pending}
    return form_page(request, "annotations/teach_request.html", context)


@login_required
@staff_required
@require_safe
def teacher_requests(request: HttpRequest) -> TemplateResponse:
    requests = TeacherRequest.objects.select_related("user", "decided_by").order_by(
        "decision", "-created"
    )
    return TemplateResponse(request, "annotations/teacher_requests.html", {"requests": requests})


@login_required
@staff_required
@require_POST
@write_limit("account")
def teacher_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    teacher_request = get_teacher_request(pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to grant or to decline the request.")
        return redirect("teacher_requests")
    granted = form.cleaned_data["decision"] == "grant"
    decide_teacher_request(teacher_request=teacher_request, granted=granted, staff=request.user)
    name = teacher_request.user.get_full_name() or teacher_request.user.username
    messages.success(request, f"{name} {'is now a teacher' if granted else 'was declined'}.")
    return redirect("teacher_requests")
