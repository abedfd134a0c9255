"""The tool's three pages for the LMS: OIDC login initiation, the launch, our JWKS; and
the teacher's deep-linking page a deep-linking launch leads to.

Built on django-lti's views (and so on pylti1p3's checks). The LMS posts to the first two
from its own page, so they are CSRF-exempt there (the id token's state and nonce are
their protection) and counted by address.
"""

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import login as log_in
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from lti_tool import views as lti_views
from lti_tool.constants import SESSION_KEY
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from annotations.access import NoDeepLinking, get_deep_linking_for_user
from annotations.forms import AssignmentForm
from annotations.lti import deep_linking, frames
from annotations.lti.launch import (
    ForeignAssignment,
    NoRole,
    claimed_assignment,
    class_role,
    enter,
    landing,
    linked_assignment,
)
from annotations.lti.refusals import (
    INACTIVE,
    INCOMPLETE,
    LOGIN,
    NO_DEEP_LINKING,
    NO_ROLE,
    NOT_YET,
    ONLY_TEACHERS_ADD,
    OTHER_COURSE,
    OTHER_TARGET,
    refusal_for,
    refuse,
)
from annotations.lti.roster import sync_at_launch
from annotations.lti.tool import DjangoToolConfig, validated_launch
from annotations.models import Membership
from annotations.pages import form_page
from annotations.throttles import write_limit
from annotations.time_zones import zones_of_form
from annotations.writes import create_assignment

TARGET_LINK = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
NO_ASSIGNMENT = (
    "This link in the course opens no assignment yet, so your students land on this class "
    "page. Set an assignment here, or add Korea Reader to the course again to choose one."
)


class OIDCLogin(lti_views.OIDCLoginInitView):
    """The LMS's first step. Without `lti1p3_new_window`, a page first checks (with
    static/js/lti_login.js) that the browser keeps our cookies in the LMS's frame: it then
    carries on at once, or offers "Open in a new window"; without JavaScript, both links."""

    def get_oidc_response(self, request, registration_uuid, params):
        wanted = ("iss", "login_hint", "target_link_uri")
        if not all(params.get(name) for name in wanted):
            return refuse(request, LOGIN, "missing iss, login_hint or target_link_uri")
        oidc = DjangoOIDCLogin(
            request, DjangoToolConfig(), launch_data_storage=DjangoCacheDataStorage()
        )
        try:
            if not params.get("lti1p3_new_window"):
                oidc.validate_oidc_login()
                return self.cookie_check(request, params)
            return oidc.redirect(request.build_absolute_uri(reverse("lti_launch")))
        except OIDCException as error:
            return refuse(request, LOGIN, str(error))

    def cookie_check(self, request: HttpRequest, params) -> TemplateResponse:
        keep = (
            "iss",
            "login_hint",
            "target_link_uri",
            "lti_message_hint",
            "lti_deployment_id",
            "client_id",
        )
        query = {name: params[name] for name in keep if params.get(name)}
        url = reverse("lti_login") + "?" + urlencode({**query, "lti1p3_new_window": "1"})
        return TemplateResponse(request, "lti/login.html", {"continue_url": url})


class Launch(lti_views.LtiLaunchBaseView):
    """The launch: every check made (annotations/lti/tool.py), then the account, the class
    and the membership (annotations/lti/launch.py), a session, and the class's page; or,
    for a teacher's deep-linking request, the page that chooses the assignment to link."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            lti_launch = validated_launch(request)
        except LtiException as error:
            return refuse(request, refusal_for(error), str(error))
        if not lti_launch.deployment.is_active:
            return refuse(request, INACTIVE, f"deployment {lti_launch.deployment}")
        if not (lti_launch.is_resource_launch or lti_launch.is_deep_link_launch):
            return refuse(request, NOT_YET, "not a resource link or deep linking launch")
        target = urlsplit(lti_launch.get_claim(TARGET_LINK) or "")
        if target.netloc != request.get_host():
            return refuse(request, OTHER_TARGET, target.geturl())
        if lti_launch.is_deep_link_launch:
            return self.deep_linking(request, lti_launch)
        return self.resource_link(request, lti_launch)

    def resource_link(self, request: HttpRequest, lti_launch) -> HttpResponse:
        try:
            claimed = claimed_assignment(lti_launch)
            entered = enter(lti_launch=lti_launch)
        except ForeignAssignment as claim:
            return refuse(request, OTHER_COURSE, str(claim))
        except NoRole as roles:
            return refuse(request, NO_ROLE, str(roles))
        self.sign_in(request, entered, lti_launch)
        assignment = linked_assignment(entered, lti_launch, claimed)
        if entered.teaches and (said := sync_at_launch(entered.classroom, entered.user)):
            messages.info(request, said)
        if entered.teaches and assignment is None:
            messages.info(request, NO_ASSIGNMENT)
        return HttpResponseRedirect(landing(entered, assignment))

    def deep_linking(self, request: HttpRequest, lti_launch) -> HttpResponse:
        try:
            teaches = class_role(lti_launch.roles_claim) == Membership.Role.TEACHER
        except NoRole as roles:
            return refuse(request, NO_ROLE, str(roles))
        if not teaches:
            return refuse(request, ONLY_TEACHERS_ADD, str(lti_launch.roles_claim))
        if deep_linking.return_origin(lti_launch) is None:
            return refuse(request, INCOMPLETE, "no http(s) deep_link_return_url")
        self.sign_in(request, enter(lti_launch=lti_launch), lti_launch)
        return HttpResponseRedirect(reverse("lti_deep_link"))

    def sign_in(self, request: HttpRequest, entered, lti_launch) -> None:
        log_in(request, entered.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = lti_launch.get_launch_id()
        frames.remember_platform(request, lti_launch.registration)


@login_required
@require_http_methods(["GET", "POST"])
@write_limit("classes")
def deep_link(request: HttpRequest) -> HttpResponse:
    """The teacher's page inside the LMS's deep linking: the assignment form of
    /classes/<id>/assignments/new/, for the course's class; the assignment it sets goes back
    to the LMS as a link (annotations/lti/deep_linking.py), once: the request is answered."""
    try:
        lti_launch, classroom = get_deep_linking_for_user(request)
    except NoDeepLinking as missing:
        return refuse(request, NO_DEEP_LINKING, str(missing))
    form = AssignmentForm(
        request.POST if request.method == "POST" else None, time_zone=classroom.time_zone
    )
    if form.is_valid():
        assignment = create_assignment(classroom=classroom, **form.cleaned_data)
        del request.session[SESSION_KEY]
        return deep_linking.response_page(request, lti_launch, assignment)
    context = {"form": form, "classroom": classroom, **zones_of_form(classroom)}
    return form_page(request, "lti/deep_link.html", context)


# Counted by address (or account) whoever sends them: the LMS's page posts them, for a
# whole school behind one address at the start of a lesson (WRITE_LIMIT_LTI).
login = write_limit("lti", methods=("GET", "POST"), by_address=True)(
    frames.for_platforms(OIDCLogin.as_view())
)
launch = write_limit("lti", by_address=True)(frames.for_platforms(Launch.as_view()))
jwks = require_GET(lti_views.jwks)
