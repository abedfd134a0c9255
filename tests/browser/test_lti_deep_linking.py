"""Deep linking in a real browser: the LMS's course page (the simulator, on another port)
frames Korea Reader; the teacher adds it to a module, sets the assignment by keyboard, and
the signed link goes back to the LMS by itself; a student then opens that link from the
course and is in the assignment, inside the frame. The CSP of every framed page is
checked too (the page fixture): the answer's form posts to the LMS with no inline script."""

from playwright.sync_api import expect

from annotations.models import Assignment
from tests.lti_platform import DEEP_LINKING


def test_a_teacher_links_an_assignment_and_a_student_opens_it(page, lms, documents):
    page.goto(lms.url("/course/add?role=Instructor"))

    frame = page.frame_locator("iframe[title='Korea Reader']")
    heading = frame.get_by_role("heading", name="Add a Korea Reader assignment to the course")
    expect(heading).to_be_visible()
    frame.get_by_label("Title").focus()
    page.keyboard.type("The cables of 1950")
    page.keyboard.press("Tab")
    expect(frame.get_by_label("Instructions")).to_be_focused()
    page.keyboard.type("Read the telegrams closely.")
    page.keyboard.press("Tab")
    expect(frame.get_by_label("Stalin's 'Hot' War")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # all three articles
    frame.get_by_label("Due").focus()
    page.keyboard.type("06012030")  # the field's parts, in turn: month, day, year
    page.keyboard.press("ArrowRight")
    page.keyboard.type("0900A")  # hour, minute, AM
    frame.get_by_role("button", name="Set the assignment").focus()
    page.keyboard.press("Enter")

    expect(frame.get_by_role("heading", name="Added to the module")).to_be_visible()
    expect(frame.get_by_text("The cables of 1950")).to_be_visible()
    assignment = Assignment.objects.get()
    assert assignment.documents.count() == 3
    assert assignment.due.year == 2030
    (claims,) = lms.deep_links
    (item,) = claims[DEEP_LINKING + "content_items"]
    assert item["custom"] == {"korea_reader_assignment": str(assignment.pk)}
    assert item["lineItem"]["scoreMaximum"] == 100

    page.goto(lms.url("/course/link?role=Learner&n=0"))

    expect(frame.get_by_role("heading", name="The cables of 1950")).to_be_visible()
    expect(frame.get_by_text("Signed in as")).to_be_visible()


def test_without_javascript_the_answer_goes_back_with_continue(browser, live_server, lms):
    from annotations.loading import load_documents

    load_documents()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(lms.url("/course/add?role=Instructor"))
    # Without JavaScript the frame stops at each step's link or button, as a person would.
    frame = page.frame_locator("iframe[title='Korea Reader']")
    frame.get_by_role("link", name="Continue").click()
    frame.get_by_role("button", name="Continue").click()  # the LMS's form

    frame.get_by_label("Title").fill("Read closely")
    frame.get_by_label("Stalin and Korean War").check()
    frame.get_by_label("Due").fill("2030-06-01T09:00")
    frame.get_by_role("button", name="Set the assignment").click()
    frame.get_by_role("button", name="Continue").click()

    expect(frame.get_by_role("heading", name="Added to the module")).to_be_visible()
    assert len(lms.deep_links) == 1
    context.close()
