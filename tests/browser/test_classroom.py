import re

from playwright.sync_api import expect

from annotations.models import Assignment, Classroom, Highlight
from tests.browser.helpers import drag_select, logged_in_page, phrase_box


def test_a_class_from_creation_to_the_teachers_view_of_a_students_work(
    browser, live_server, transactional_db, glossary, teacher, student
):
    # The teacher starts a class and sets an assignment.
    teacher_page = logged_in_page(browser, live_server, teacher)
    teacher_page.get_by_role("link", name="Classes").click()
    teacher_page.get_by_role("link", name="Start a class as its teacher").click()
    teacher_page.get_by_label("Class name").fill("History 102")
    teacher_page.get_by_role("button", name="Create the class").click()
    expect(teacher_page.get_by_role("heading", name="History 102")).to_be_visible()
    code = Classroom.objects.get(name="History 102").join_code
    expect(teacher_page.locator(".join-code")).to_have_text(code)

    teacher_page.get_by_role("link", name="New assignment").click()
    teacher_page.get_by_label("Title").fill("Stalin's motives")
    teacher_page.get_by_label("Instructions").fill("Find two passages about Stalin's aims.")
    teacher_page.get_by_label("Stalin and Korean War").check()
    teacher_page.get_by_label("Due").fill("2030-06-01T09:00")
    teacher_page.get_by_label("Minimum highlights").fill("2")
    teacher_page.get_by_label("Suggested tags").fill("motive, evidence")
    teacher_page.get_by_role("button", name="Set the assignment").click()
    expect(teacher_page.get_by_role("heading", name="Stalin's motives")).to_be_visible()
    assignment = Assignment.objects.get(title="Stalin's motives")

    # A student joins with the code and highlights within the assignment.
    student_page = logged_in_page(browser, live_server, student)
    student_page.get_by_role("link", name="Classes").click()
    student_page.get_by_label("Join code").fill(code.lower())
    student_page.get_by_role("button", name="Join class").click()
    expect(student_page.get_by_text("You join as")).to_be_visible()
    student_page.get_by_role("button", name="Join class").click()
    expect(student_page.get_by_text("You joined History 102.")).to_be_visible()
    student_page.get_by_role("link", name="Assignments").click()
    student_page.get_by_role("link", name="Stalin's motives").click()
    expect(student_page.get_by_role("progressbar")).to_have_attribute("value", "0")
    student_page.get_by_role("link", name="Stalin and Korean War").click()
    expect(student_page.get_by_text("Find two passages about Stalin's aims.")).to_be_visible()

    box = phrase_box(student_page, 4, "He was never an enthusiast")
    drag_select(student_page, box, box)
    student_page.get_by_role("button", name="Highlight", exact=True).click()
    expect(student_page.get_by_label("Note")).to_be_focused()
    student_page.get_by_label("Tags").fill("motive")
    student_page.get_by_role("button", name="Save").click()
    expect(student_page.locator("#panel")).to_contain_text("Highlight saved.")

    progress = student_page.locator("#progress progress")
    expect(progress).to_have_attribute("value", "50")
    expect(student_page.locator("#progress")).to_contain_text("1 highlight (2 needed)")
    assert Highlight.objects.get().assignment == assignment

    # The teacher sees the student's row and the heat map change.
    teacher_page.reload()
    row = teacher_page.get_by_role("row", name=re.compile(student.get_full_name()))
    expect(row).to_contain_text("1 / 2")
    expect(row).to_contain_text("50%")
    heat = teacher_page.get_by_role("list", name="Paragraphs of Stalin and Korean War")
    expect(heat.locator("li").nth(3)).to_have_class("shade-4")
    expect(heat.locator("li").nth(2)).to_have_class("shade-0")
    expect(teacher_page.get_by_role("region", name="Tags used")).to_contain_text("motive")

    # And opens the article with only that student's highlights.
    row.get_by_role("link").click()
    teacher_page.get_by_role("link", name="Stalin and Korean War").click()
    expect(teacher_page.get_by_text("Showing only the highlights of")).to_be_visible()
    expect(teacher_page.locator("#reading-text mark.hl-shared")).to_have_text(
        "He was never an enthusiast"
    )
    teacher_page.context.close()
    student_page.context.close()
