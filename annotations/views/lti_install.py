"""Installing Korea Reader in an LMS: staff's page of learning platforms, the one-time
link for LTI Dynamic Registration and its /lti/register/, and Canvas's developer-key
JSON. The launch itself is elsewhere; docs/LTI.md is the administrator's guide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_safe
from lti_tool.models import LtiRegistration

from annotations.access import get_deployment_of, get_platform, staff_required
from annotations.lti.dynamic import RegistrationFailed, make_link, register
from annotations.lti.forms import ActiveForm, PlatformForm, RegistrationQuery
from annotations.lti.registrations import (
    canvas_configuration,
    origin_of,
    platform_url,
    register_platform,
    set_deployment_active,
    set_platform_active,
    tool_urls,
)
from annotations.pages import form_page
from annotations.throttles import ALL, write_limit


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
@write_limit("lti_platforms")
def lti_platforms(request: HttpRequest) -> HttpResponse:
    """Every registered platform with its deployments; a POST registers one by hand."""
    form = PlatformForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        registration, created = register_platform(**form.cleaned_data)
        verb = "registered" if created else "updated"
        messages.success(request, f"{registration.name} is {verb}, its deployment active.")
        return redirect("lti_platform", pk=registration.pk)
    context = {
        "form": form,
        "platforms": LtiRegistration.objects.prefetch_related("deployments").order_by("name"),
        "urls": tool_urls(_origin(request)),
    }
    return form_page(request, "lti/platforms.html", context, partial="form")


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
@write_limit("lti_platforms")
def lti_platform(request: HttpRequest, pk: int) -> HttpResponse:
    """One platform: activate or deactivate it, or one of its deployments."""
    registration = get_platform(pk)
    form = ActiveForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        active = form.cleaned_data["active"]
        state = "active" if active else "inactive"
        if form.cleaned_data["deployment"]:
            deployment = get_deployment_of(registration, form.cleaned_data["deployment"])
            set_deployment_active(deployment=deployment, active=active)
            messages.success(request, f"Deployment {deployment.deployment_id} is {state}.")
        else:
            set_platform_active(registration=registration, active=active)
            messages.success(request, f"{registration.name} is {state}.")
        return redirect("lti_platform", pk=registration.pk)
    context = {
        "registration": registration,
        "deployments": registration.deployments.all(),
        "error": "Choose to activate or to deactivate." if form.is_bound else "",
    }
    return TemplateResponse(
        request, "lti/platform.html", context, status=422 if form.is_bound else 200
    )


@login_required
@staff_required
@require_safe
@never_cache
def lti_registration_link(request: HttpRequest) -> TemplateResponse:
    """A new one-time link for an LMS's dynamic registration, each time. Making one
    writes nothing (it is signed, and marked used when used): a GET, kept from caches."""
    link = make_link(staff=request.user, origin=_origin(request))
    return TemplateResponse(request, "lti/registration_link.html", {"link": link})


@require_safe
@xframe_options_exempt
@write_limit("lti_platforms", methods=ALL, by_address=True)
def lti_register(request: HttpRequest) -> TemplateResponse:
    """LTI Dynamic Registration: the LMS opens this, in a window or a frame, with a
    registration link's key. Every refusal is this page with its reason (and a log line)."""
    query = RegistrationQuery(request.GET)
    query.is_valid()
    data = query.cleaned_data
    try:
        registration = register(
            key=data.get("key", ""),
            openid_configuration=data.get("openid_configuration", ""),
            registration_token=data.get("registration_token", ""),
            origin=_origin(request),
        )
    except RegistrationFailed as failure:
        context = {"failure": failure.message}
        response = TemplateResponse(request, "lti/registered.html", context, status=failure.status)
    else:
        response = TemplateResponse(request, "lti/registered.html", {"registration": registration})
    return _openable(_framed_by(response, data.get("openid_configuration", "")))


def _framed_by(response: TemplateResponse, configuration_url: str) -> TemplateResponse:
    """The LMS shows this page in its own frame: let the site its configuration is on
    frame it (a well-formed URL only: it goes into a header), and no other. The page
    offers nothing to click, whatever it says."""
    try:
        origin = origin_of(platform_url(configuration_url, "configuration URL"))
    except ValidationError:
        return response
    response._csp_replace = {"frame-ancestors": [origin]}  # as django-csp's @csp_replace
    return response


def _openable(response: TemplateResponse) -> TemplateResponse:
    """An LMS may open this page as a window of its own instead: keep `window.opener`,
    which the site's COOP (same-origin) would cut, so the page can tell it it is done."""
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


@require_safe
def lti_canvas_json(request: HttpRequest) -> JsonResponse:
    """Canvas's developer key, as JSON to paste or to give by URL (docs/LTI.md)."""
    return JsonResponse(canvas_configuration(_origin(request)), json_dumps_params={"indent": 2})
