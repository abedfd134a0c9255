"""The tool's three pages for the LMS: OIDC login initiation, the launch, our JWKS.

Built on django-lti's views (and so on pylti1p3's checks). The LMS posts to the first two
from its own page, so they are CSRF-exempt there (the id token's state and nonce are
their protection) and counted by address.
"""

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import login as log_in
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from lti_tool import views as lti_views
from lti_tool.constants import SESSION_KEY
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from annotations.lti import frames
from annotations.lti.launch import NoRole, enter, landing, linked_assignment
from annotations.lti.refusals import (
    INACTIVE,
    LOGIN,
    NO_ROLE,
    NOT_YET,
    OTHER_TARGET,
    refusal_for,
    refuse,
)
from annotations.lti.roster import sync_at_launch
from annotations.lti.tool import DjangoToolConfig, validated_launch
from annotations.throttles import write_limit

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
    and the membership (annotations/lti/launch.py), a session, and the class's page."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            lti_launch = validated_launch(request)
        except LtiException as error:
            return refuse(request, refusal_for(error), str(error))
        if not lti_launch.deployment.is_active:
            return refuse(request, INACTIVE, f"deployment {lti_launch.deployment}")
        if not lti_launch.is_resource_launch:
            return refuse(request, NOT_YET, "not a resource link launch")
        target = urlsplit(lti_launch.get_claim(TARGET_LINK) or "")
        if target.netloc != request.get_host():
            return refuse(request, OTHER_TARGET, target.geturl())
        try:
            entered = enter(lti_launch=lti_launch)
        except NoRole as roles:
            return refuse(request, NO_ROLE, str(roles))
        log_in(request, entered.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = lti_launch.get_launch_id()
        frames.remember_platform(request, lti_launch.registration)
        assignment = linked_assignment(entered, lti_launch)
        if entered.teaches and (said := sync_at_launch(entered.classroom, entered.user)):
            messages.info(request, said)
        if entered.teaches and assignment is None:
            messages.info(request, NO_ASSIGNMENT)
        return HttpResponseRedirect(landing(entered, assignment))


# Counted by address (or account) whoever sends them: the LMS's page posts them, for a
# whole school behind one address at the start of a lesson (WRITE_LIMIT_LTI).
login = write_limit("lti", methods=("GET", "POST"), by_address=True)(
    frames.for_platforms(OIDCLogin.as_view())
)
launch = write_limit("lti", by_address=True)(frames.for_platforms(Launch.as_view()))
jwks = require_GET(lti_views.jwks)
