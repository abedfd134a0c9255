"""The teacher tends the class's tags by keyboard: from the class page to its tags, a
merge of two, then a rename, each reported on the tags page."""

from playwright.sync_api import expect

from annotations.models import Highlight, Tag

SECOND = "Incheon landing"


def tab_to(page, locator, presses: int = 60) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user gets there."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_the_teacher_merges_two_tags_and_renames_one_by_keyboard(
    page, log_in, teacher, student, classmate, classroom, assignment, make_highlight
):
    phrase = "Stalin was hardly surprised"
    both = make_highlight(student, phrase, tags=["Evidence", "proof"], assignment=assignment)
    one = make_highlight(classmate, SECOND, tags=["proof"], assignment=assignment)
    log_in(teacher)
    page.goto(f"/classes/{classroom.pk}/")

    tab_to(page, page.get_by_role("link", name="Tags", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tags", exact=True)).to_be_visible()
    table = page.get_by_role("region", name="Tags in use")
    expect(table.get_by_role("row", name="proof")).to_contain_text("2")

    # Merge “proof” into “Evidence”.
    tab_to(page, page.get_by_role("link", name="Merge “proof”"))
    page.keyboard.press("Enter")
    merge_into = page.get_by_label("Merge into")
    tab_to(page, merge_into)
    page.keyboard.press("ArrowDown")  # from "Choose a tag" to the one other tag
    expect(merge_into).to_have_value(str(Tag.objects.get(name="Evidence").pk))
    tab_to(page, page.get_by_role("button", name="Merge"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "“proof” merged into “Evidence” on 2 highlights of this class."
    )
    expect(table.get_by_role("row")).to_have_count(2)  # the header, and Evidence
    expect(table.get_by_role("row", name="Evidence")).to_contain_text("2")

    # Rename “Evidence” to “sources”.
    tab_to(page, page.get_by_role("link", name="Rename “Evidence”"))
    page.keyboard.press("Enter")
    new_name = page.get_by_label("New name")
    tab_to(page, new_name)
    page.keyboard.type("sources")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        "“Evidence” renamed “sources” on 2 highlights of this class."
    )
    expect(table.get_by_role("row", name="sources")).to_contain_text("2")

    assert sorted(Highlight.objects.get(pk=both.pk).tags.names()) == ["sources"]
    assert sorted(Highlight.objects.get(pk=one.pk).tags.names()) == ["sources"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["sources"]
