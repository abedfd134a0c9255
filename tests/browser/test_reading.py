import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD
from tests.textutil import normalise_whitespace


def test_a_reader_opens_the_library_follows_a_link_and_reads(page, documents):
    page.goto("/")
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Stalin and Korean War")).to_be_visible()

    page.get_by_role("link", name="Stalin's 'Hot' War").click()

    page.wait_for_url("**/documents/stalins-hot-war/")
    expect(page.get_by_role("heading", name="Stalin's 'Hot' War", level=1)).to_be_visible()
    article = page.get_by_role("article")
    expect(article).to_contain_text("Kim II Sung, was Stalin's puppet")
    shown = normalise_whitespace(page.locator(".reading-text").inner_text())
    assert shown == normalise_whitespace(documents["stalins-hot-war"].text)


def test_paragraph_links_land_on_the_paragraph(page, documents):
    page.goto("/documents/korean-war-view-from-the-other-side/#p-9")

    target = page.locator("#p-9")
    expect(target).to_be_in_viewport()
    expect(target).to_have_css("background-color", "rgb(255, 243, 196)")


def test_the_skip_link_moves_focus_to_the_main_content(page, documents):
    page.goto("/documents/stalin-and-korean-war/")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_reading_view_fits_a_phone(
    browser, live_server, transactional_db, documents, student, logged_in
):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    if logged_in:  # more navigation, the side panel, the editor's forms
        page.goto("/accounts/login/")
        page.get_by_label("User name").fill(student.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text("Signed in as")).to_be_visible()
    page.goto("/documents/stalins-hot-war/")
    expect(page.get_by_role("heading", name="Stalin's 'Hot' War", level=1)).to_be_visible()

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    font_size = page.locator(".reading-text").evaluate("e => getComputedStyle(e).fontSize")
    context.close()

    assert overflow <= 0, "nothing scrolls sideways on a phone"
    assert float(font_size.removesuffix("px")) >= 16


def test_a_student_logs_in_and_out(page, log_in, student, documents):
    log_in(student)

    expect(page.get_by_text("Signed in as")).to_contain_text("Min-jun Kim")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
