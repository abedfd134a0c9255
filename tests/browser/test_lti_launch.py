"""LTI in a real browser: the LMS's course page (the simulator, on another port) frames
Korea Reader; a student and a teacher each click through and land in the class inside
the frame. The CSP of every framed page is checked too (the page fixture)."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(("role", "part"), [("Learner", "student"), ("Instructor", "teacher")])
def test_a_launch_from_the_course_lands_in_the_class_inside_the_frame(page, lms, role, part):
    page.goto(lms.url(f"/course?role={role}"))

    frame = page.frame_locator("iframe[title='Korea Reader']")
    expect(frame.get_by_role("heading", name=lms.context_title)).to_be_visible()
    expect(frame.get_by_text("Signed in as")).to_be_visible()
    if part == "teacher":
        expect(frame.get_by_text("This link in the course opens no assignment yet")).to_be_visible()


def test_the_login_page_offers_a_new_window_without_javascript(browser, live_server, lms):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    query = "&".join(f"{k}={v}" for k, v in lms.login_params("Learner").items())

    page.goto(f"/lti/login/?{query}")

    expect(page.get_by_role("link", name="Open in a new window")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # the LMS's form, without JavaScript
    expect(page.get_by_role("heading", name=lms.context_title)).to_be_visible()
    context.close()
