"""The assignment form looks like the site's other forms and its required entries are
grouped and searchable like the editor's Glossary field."""

from playwright.sync_api import expect

from annotations.models import Assignment


def test_a_teacher_finds_a_required_entry_by_searching(
    page, log_in, teacher, classroom, glossary, documents
):
    log_in(teacher)
    page.goto(f"/classes/{classroom.pk}/assignments/new/")

    entries = page.locator("#glossary-all")
    expect(entries.locator("p.subhead", has_text="Person")).to_be_visible()
    expect(entries.locator("p.subhead", has_text="Place")).to_be_visible()
    page.get_by_label("Search the glossary").fill("yalu")
    expect(page.get_by_label("Yalu River")).to_be_visible()
    expect(page.get_by_label("Joseph Stalin")).to_be_hidden()
    expect(entries.locator("p.subhead", has_text="Person")).to_be_hidden()
    page.get_by_label("Yalu River").check()
    page.get_by_label("Search the glossary").fill("")
    expect(page.get_by_label("Joseph Stalin")).to_be_visible()

    page.get_by_label("Title").fill("The river")
    page.get_by_label("Stalin and Korean War").check()
    page.get_by_label("Due").fill("2030-06-01T09:00")
    page.get_by_role("button", name="Set the assignment").click()

    expect(page.get_by_role("heading", name="The river")).to_be_visible()
    assignment = Assignment.objects.get(title="The river")
    assert [entry.name for entry in assignment.required_entries.all()] == ["Yalu River"]


def test_the_date_picker_and_the_choices_are_of_the_forms_size(
    page, log_in, teacher, classroom, glossary, documents
):
    log_in(teacher)
    page.goto(f"/classes/{classroom.pk}/assignments/new/")

    def box(locator):
        return locator.bounding_box()

    title, due = box(page.get_by_label("Title")), box(page.get_by_label("Due"))
    assert abs(due["height"] - title["height"]) <= 2, (due, title)
    assert due["width"] >= 250, due
    font = "e => getComputedStyle(e).fontSize"
    assert page.get_by_label("Due").evaluate(font) == page.get_by_label("Title").evaluate(font)
    weight = "e => getComputedStyle(e.closest('label')).fontWeight"
    for choice in ("Stalin and Korean War", "Joseph Stalin"):
        assert page.get_by_label(choice).evaluate(weight) == "400", choice
    label = page.locator("label[for='id_title']")
    expect(label).to_have_text("Title")  # no colon after it, as on the other forms
