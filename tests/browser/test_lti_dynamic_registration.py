"""Dynamic registration as an LMS shows it: its dialog, on another local port, frames
/lti/register/; the page tells the dialog it is done (a static script under our CSP)."""

import json
from urllib.parse import urlencode

import pytest
from lti_tool.models import LtiRegistration
from playwright.sync_api import expect

from annotations.lti.dynamic import make_link
from tests.helpers import make_user
from tests.lti_registration_platform import CLIENT_ID, REGISTRATION_TOKEN, RegistrationPlatform


@pytest.fixture
def platform():
    with RegistrationPlatform() as platform:
        yield platform


def test_the_lms_frames_the_registration_and_is_told_to_close(page, live_server, platform):
    staff = make_user("staff", "Sam", "Staff")
    staff.is_staff = True
    staff.save()
    link = make_link(staff=staff, origin=live_server.url)
    query = {
        "openid_configuration": platform.configuration_url,
        "registration_token": REGISTRATION_TOKEN,
    }
    tool = f"{link}&{urlencode(query)}"

    page.goto(f"{platform.origin}/lms?{urlencode({'tool': tool})}")

    frame = page.frame_locator("iframe[title='Tool registration']")
    expect(
        frame.get_by_text("Korea Reader is registered; you can close this window.")
    ).to_be_visible()
    expect(page.locator("#told")).not_to_have_text("Waiting")
    assert json.loads(page.locator("#told").text_content()) == {
        "subject": "org.imsglobal.lti.close"
    }
    assert LtiRegistration.objects.get().client_id == CLIENT_ID
