"""Search: a student finds a classmate's shared highlight by a word of its note, sees the
word marked, and follows the result to its place in the text."""

import re

from playwright.sync_api import expect

from annotations.models import Assignment


def test_a_student_searches_and_follows_a_result_to_the_passage(
    page, log_in, student, classmate, classroom, documents, make_assignment, make_highlight
):
    work = make_assignment(
        classroom, documents=list(documents.values()), visibility=Assignment.Visibility.CLASS
    )
    theirs = make_highlight(
        classmate,
        "Kim Il-sung had reported",
        note="The Soviet archives <b>say</b> so",
        visibility="class",
        assignment=work,
    )
    make_highlight(student, "Stalin was hardly surprised.", note="Nothing here", assignment=work)
    log_in(student)
    page.goto("/")

    # From the header, then again on the search page itself.
    page.get_by_label("Search highlights").fill("archive")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"/search/\?q=archive$"))
    field = page.get_by_label("Search highlights")
    expect(field).to_have_value("archive")
    field.fill("soviet archives")
    field.press("Enter")

    expect(page.get_by_role("status")).to_have_text("1 highlight found.")
    expect(page).to_have_url(re.compile(r"/search/\?q=soviet(\+|%20)archives"))
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", "/export/annotations.csv?q=soviet+archives"
    )
    result = page.get_by_role("article")
    expect(result.locator("mark")).to_have_text(["Soviet", "archives"])
    expect(result.locator(".note")).to_have_text("The Soviet archives <b>say</b> so")

    result.get_by_role("link", name=re.compile(r"^Stalin and Korean War, paragraph \d+$")).click()

    place = rf"/assignments/{work.pk}/documents/stalin-and-korean-war/#h-{theirs.pk}$"
    expect(page).to_have_url(re.compile(place))
    expect(page.locator(f"#h-{theirs.pk}")).to_be_attached()
    passage = page.locator(f"#h-{theirs.pk} + mark")
    expect(passage).to_be_in_viewport()
    expect(passage).to_contain_text("Kim Il-sung")


def test_the_tag_filter_suggests_the_tags_in_use_and_narrows_the_search(
    page, log_in, student, classroom, make_highlight
):
    tagged = make_highlight(student, "Kim Il-sung had reported", note="archives", tags=["motive"])
    make_highlight(student, "Stalin was hardly surprised.", note="archives", tags=["evidence"])
    log_in(student)
    page.goto("/search/?q=archives")
    expect(page.get_by_role("status")).to_have_text("2 highlights found.")

    page.get_by_text("Filters").click()
    tag = page.get_by_label("Tag", exact=True)
    tag.press_sequentially("mot")
    # htmx fills the field's datalist from the tags in use, without touching the address.
    expect(page.locator("#search-tag-options option")).to_have_count(1)
    expect(page.locator("#search-tag-options option")).to_have_attribute("value", "motive")
    expect(page).to_have_url(re.compile(r"/search/\?q=archives$"))
    tag.fill("Motive")
    tag.press("Enter")

    expect(page.get_by_role("status")).to_have_text("1 highlight found.")
    expect(page).to_have_url(re.compile(r"tag=Motive"))
    expect(page.get_by_role("article")).to_have_count(1)
    expect(page.locator(f"#result-{tagged.pk}")).to_be_attached()
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", "/export/annotations.csv?q=archives&tag=motive"
    )
