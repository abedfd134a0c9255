from playwright.sync_api import expect

from annotations.vocabulary import TERMS


def test_a_terms_address_opens_the_vocabulary_at_its_definition(page):
    """korea:inReplyTo is .../ns#inReplyTo: following it shows that term's definition."""
    page.goto("/ns#inReplyTo")

    expect(page.get_by_role("heading", level=1)).to_have_text("The Korea Reader vocabulary")
    expect(page.locator("dt#inReplyTo")).to_be_in_viewport()
    expect(page.locator("dt#inReplyTo")).to_have_css("outline-style", "solid")
    expect(page.locator("dl.vocabulary > dt")).to_have_count(len(TERMS))
    expect(page.get_by_role("main")).to_contain_text("The reply it answers")


def test_the_vocabulary_is_read_by_keyboard_from_the_skip_link(page):
    page.goto("/ns")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="W3C Web Annotation Data Model")).to_be_focused()
