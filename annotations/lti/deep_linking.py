"""The answer to an LMS's deep-linking request (LTI Deep Linking 2.0): the assignment the
teacher set, as one ltiResourceLink with its gradebook column, signed by pylti1p3.

The link's URL is our launch; its custom claim carries the assignment's id (the
resource-link launch ties the LMS's link to it, annotations/lti/launch.py); its line item
is out of 100, its resourceId the assignment's id. The request's `data` goes back as it
came (the specification asks for it), and is left out when the request had none. The
page posts the signed answer to the LMS's return URL: static/js/lti_deep_link.js submits
it, a "Continue" button does without JavaScript, and the page's Content-Security-Policy
lets its form go to that URL's origin (form-action) and nowhere else.
"""

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from lti_tool.models import LtiLaunch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from annotations.lti.launch import ASSIGNMENT_CLAIM
from annotations.models import Assignment

SCORE_MAXIMUM = 100
LINE_ITEM_TAG = "korea-reader-assignment"
DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def return_origin(lti_launch: LtiLaunch) -> str | None:
    """The origin of the request's deep_link_return_url, None unless it is an http(s)
    URL the page can post to (pylti1p3 does not check it)."""
    settings = lti_launch.get_claim(SETTINGS)
    url = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
    parts = urlsplit(url if isinstance(url, str) else "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_item(assignment: Assignment, launch_url: str) -> DeepLinkResource:
    line_item = (
        LineItem()
        .set_score_maximum(SCORE_MAXIMUM)
        .set_label(assignment.title)
        .set_resource_id(str(assignment.pk))
        .set_tag(LINE_ITEM_TAG)
    )
    return (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(assignment.title)
        .set_custom_params({ASSIGNMENT_CLAIM: str(assignment.pk)})
        .set_lineitem(line_item)
    )


def response_jwt(lti_launch: LtiLaunch, items: list[DeepLinkResource]) -> str:
    """The signed LtiDeepLinkingResponse (pylti1p3's DeepLink, with our current key)."""
    deep_link = lti_launch.get_message_launch().get_deep_link()
    message = deep_link.get_message_jwt(items)
    if message.get(DATA) is None:
        message.pop(DATA, None)
    return deep_link.encode_jwt(message)


def response_page(
    request: HttpRequest, lti_launch: LtiLaunch, assignment: Assignment
) -> TemplateResponse:
    """The page that hands the link back to the LMS, by the browser, as the spec wants."""
    launch_url = request.build_absolute_uri(reverse("lti_launch"))
    return_url = lti_launch.get_claim(SETTINGS)["deep_link_return_url"]
    context = {
        "assignment": assignment,
        "return_url": return_url,
        "jwt": response_jwt(lti_launch, [content_item(assignment, launch_url)]),
    }
    response = TemplateResponse(request, "lti/deep_link_return.html", context)
    response._csp_update = {"form-action": [return_origin(lti_launch)]}
    return response
