"""Helpers for the browser tests; the fixtures are in tests/browser/conftest.py."""

from urllib.parse import urlencode

from playwright.sync_api import expect

from tests.helpers import PASSWORD


def log_in(page, user, *, next_page: str = "", tap: bool = False) -> None:
    """Log `user` in on the login page (tapping the button, on a touch screen), on to
    `next_page` if given."""
    page.goto(
        "/accounts/login/?" + urlencode({"next": next_page}) if next_page else "/accounts/login/"
    )
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    button = page.get_by_role("button", name="Log in")
    if tap:
        button.tap()
    else:
        button.click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def logged_in_page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, user)
    return page


def phrase_box(page, paragraph: int, phrase: str, *, which: str = "both") -> dict:
    """Viewport coordinates of the start and end of `phrase` in paragraph #p-N."""
    return page.evaluate(
        """([selector, phrase]) => {
          const root = document.querySelector(selector);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let text = "", nodes = [];
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            nodes.push([n, text.length]); text += n.data;
          }
          const at = text.indexOf(phrase);
          if (at < 0) throw new Error("phrase not found: " + phrase);
          const locate = (offset) => {
            for (let i = nodes.length - 1; i >= 0; i--) {
              if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]];
            }
          };
          const range = document.createRange();
          range.setStart(...locate(at));
          range.setEnd(...locate(at + phrase.length - 1));
          range.setEnd(range.endContainer, range.endOffset + 1);
          const rects = range.getClientRects();
          const first = rects[0], last = rects[rects.length - 1];
          // Just inside the first and last characters: the selection snaps to their edges.
          return {x1: first.left + 1, y1: first.top + first.height / 2,
                  x2: last.right - 1, y2: last.top + last.height / 2};
        }""",
        [f"#p-{paragraph}", phrase],
    )


def drag_select(page, start: dict, end: dict) -> None:
    """Select text the way a person does: press, drag, release."""
    page.mouse.move(start["x1"], start["y1"])
    page.mouse.down()
    page.mouse.move(end["x2"], end["y2"], steps=8)
    page.mouse.up()


def panel_settled(page) -> None:
    """Wait until what opened in the side panel has taken the focus (highlighter.js moves
    it in after htmx settles): a field focused before that would lose it to the panel."""
    page.wait_for_function("document.getElementById('panel').contains(document.activeElement)")
