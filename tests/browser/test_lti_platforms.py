"""Staff register a learning platform by hand, by keyboard, and turn a deployment off."""

import re

from lti_tool.models import LtiDeployment, LtiRegistration
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.helpers import make_user


def test_staff_register_a_platform_and_deactivate_its_deployment(page, live_server):
    staff = make_user("staff", "Sam", "Staff")
    staff.is_staff = True
    staff.save()
    log_in(page, staff)
    page.get_by_role("link", name="Learning platforms").click()
    expect(page.get_by_role("heading", name="Learning platforms", level=1)).to_be_visible()
    expect(page.get_by_text(f"{live_server.url}/lti/login/")).to_be_visible()

    page.get_by_label("Issuer").fill("https://moodle.example.org")
    page.get_by_label("Client ID").fill("Xc7Gq2")
    page.get_by_label("Deployment ID").fill("3")
    page.get_by_label("Authentication login URL").fill("https://moodle.example.org/auth.php")
    page.get_by_label("Access token URL").fill("http://moodle.example.org/token.php")
    page.get_by_label("Keyset URL").fill("https://moodle.example.org/certs.php")
    page.get_by_label("Name", exact=True).fill("District Moodle")
    page.get_by_role("button", name="Register platform").press("Enter")
    expect(page.get_by_text("The access token URL must start with https://")).to_be_visible()
    assert not LtiRegistration.objects.exists()

    page.get_by_label("Access token URL").fill("https://moodle.example.org/token.php")
    page.get_by_role("button", name="Register platform").press("Enter")
    expect(page.get_by_role("heading", name="District Moodle")).to_be_visible()
    expect(
        page.get_by_text("District Moodle is registered, its deployment active.")
    ).to_be_visible()

    page.get_by_role("button", name="Deactivate deployment 3").press("Enter")
    expect(page.get_by_text("Deployment 3 is inactive.")).to_be_visible()
    assert not LtiDeployment.objects.get().is_active
    expect(page.get_by_role("button", name="Activate deployment 3")).to_be_visible()

    page.get_by_role("link", name="Learning platforms").first.click()
    page.get_by_role("link", name="Make a registration link").click()
    link = page.get_by_label("Registration link")
    expect(link).to_have_value(
        re.compile(rf"^{re.escape(live_server.url)}/lti/register/\?key=\S+$")
    )
