from playwright.sync_api import expect

from annotations.models import Highlight

DOC = "/documents/stalin-and-korean-war/"


def test_a_mention_card_opens_on_hover_and_on_keyboard_focus(page, glossary):
    page.goto(DOC)
    mention = page.locator("#reading-text a.mention", has_text="Pyongyang").first
    card = page.locator("#gloss-card")

    mention.hover()
    expect(card).to_be_visible()
    expect(card).to_contain_text("Place")
    expect(card).to_contain_text(glossary["pyongyang"].summary[:40])

    page.mouse.move(0, 0)
    expect(card).to_be_hidden()

    mention.focus()
    expect(card).to_be_visible()
    expect(card).to_contain_text("Pyongyang")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    # Screen readers get the same text: the mention is described by the card's content.
    assert mention.get_attribute("aria-describedby") == "gloss-pyongyang"


def test_the_marks_can_be_hidden_for_plain_reading(page, glossary):
    page.goto(DOC)
    mention = page.locator("#reading-text a.mention").first
    expect(mention).to_have_css("text-decoration-style", "dotted")

    page.get_by_label("Mark the people, places and archives in the glossary").uncheck()

    expect(mention).to_have_css("text-decoration-line", "none")
    box = mention.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    expect(page.locator("#gloss-card")).to_be_hidden()
    page.reload()
    expect(
        page.get_by_label("Mark the people, places and archives in the glossary")
    ).not_to_be_checked()


def test_without_javascript_a_mention_is_a_link_to_its_entry(browser, live_server, glossary):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(DOC)

    page.locator("#reading-text a.mention", has_text="Pyongyang").first.click()

    expect(page.get_by_role("heading", name="Pyongyang", level=1)).to_be_visible()
    context.close()


def test_a_new_highlight_links_to_a_suggested_entry(page, log_in, student, glossary, select_phrase):
    log_in(student)
    page.goto(DOC)
    # Starting the drag on a name (a link) still selects text.
    select_phrase(4, "Stalin was hardly surprised")
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()

    field = page.get_by_role("group", name="Glossary")
    suggested = field.locator(".choices").first
    expect(suggested.get_by_label("Joseph Stalin")).to_be_visible()
    suggested.get_by_label("Joseph Stalin").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#panel")).to_contain_text("Highlight saved.")
    expect(page.locator("#panel").get_by_role("link", name="Joseph Stalin")).to_be_visible()
    highlight = Highlight.objects.get()
    assert highlight.exact == "Stalin was hardly surprised"
    assert [e.slug for e in highlight.glossary_entries.all()] == ["joseph-stalin"]

    page.goto("/glossary/joseph-stalin/")
    expect(page.get_by_role("region", name="What students linked to it")).to_contain_text(
        "Stalin was hardly surprised"
    )


def test_the_glossary_search_finds_an_entry_not_suggested(
    page, log_in, student, glossary, select_phrase
):
    log_in(student)
    page.goto(DOC)
    select_phrase(4, "Stalin was hardly surprised")
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()

    page.get_by_text("Other entries").click()
    page.get_by_label("Search the glossary").fill("Yalu")
    expect(page.locator("#glossary-all").get_by_label("Yalu River")).to_be_visible()
    expect(page.locator("#glossary-all").get_by_label("Seoul")).to_be_hidden()
    page.locator("#glossary-all").get_by_label("Yalu River").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#panel").get_by_role("link", name="Yalu River")).to_be_visible()


def test_a_concordance_line_lands_on_the_mention_in_the_text(page, glossary):
    page.goto("/glossary/kim-song-chil/")
    lines = page.locator(".concordance a")
    expect(lines).to_have_count(2)

    lines.nth(1).click()

    page.wait_for_url("**/documents/stalin-and-korean-war/#m-*")
    target = page.locator("#reading-text a.mention:target")
    expect(target).to_have_text("Kim Song-chil")
    expect(target).to_be_in_viewport()
    offset = int(page.url.rsplit("#m-", 1)[1])
    mentions = list(glossary["kim-song-chil"].mentions.order_by("start"))
    assert offset == mentions[1].start
