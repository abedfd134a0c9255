"""Personal access tokens in a real browser, by keyboard alone: make one, see its secret
once (focused, with the hint to copy it), use it from a tool, revoke it."""

import re

from playwright.sync_api import expect

from annotations.models import AccessToken


def test_a_student_makes_a_token_by_keyboard_sees_it_once_and_revokes_it(
    page, log_in, student, browser, live_server
):
    log_in(student)
    page.goto("/accounts/")
    page.get_by_role("link", name="Access tokens").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Access tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no tokens yet.")).to_be_visible()

    page.get_by_label("Token name").focus()
    page.keyboard.type("My export script")
    page.keyboard.press("Tab")  # to "Read only", the choice made
    expect(page.get_by_label("Read only")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Read and write")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Expires")).to_be_focused()
    page.get_by_label("Expires").select_option(label="In 7 days")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Create token")).to_be_focused()
    page.keyboard.press("Enter")

    field = page.get_by_role("textbox", name="New token")
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(re.compile("shown only this once"))
    secret = field.input_value()
    assert re.fullmatch(r"kr_[A-Za-z0-9_-]{43}", secret)
    row = page.get_by_role("row", name=re.compile("My export script"))
    expect(row).to_contain_text("Read and write")
    expect(row).to_contain_text("Never")

    # A tool sends it; the list then says when it was last used.
    tool = browser.new_context(base_url=live_server.url)
    answer = tool.request.get(
        "/export/annotations.jsonld", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200 and answer.json()["type"] == "AnnotationCollection"

    page.reload()
    expect(page.get_by_role("textbox", name="New token")).to_have_count(0)
    assert secret not in page.content()
    expect(row).not_to_contain_text("Never")

    row.get_by_role("link", name="Revoke My export script").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Revoke the token “My export script”?")).to_be_visible()
    page.get_by_role("button", name="Revoke").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("The token “My export script” is revoked")
    expect(row).to_contain_text("Revoked")
    assert AccessToken.objects.get().revoked is not None
    refused = tool.request.get(
        "/export/annotations.jsonld", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401 and refused.json()["error"] == "invalid_token"
    tool.close()
