"""The first ten minutes of a class, in a real browser: a student joins with the link,
a teacher brings in a roster and a student logs in from a printed card."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import logged_in_page


def test_a_new_student_joins_with_the_link(page, classroom, document, make_assignment):
    make_assignment(classroom, documents=[document], title="Who started the war?")
    page.goto(f"/join/{classroom.join_code}/")
    expect(page.get_by_role("heading", name="Join History 101")).to_be_visible()
    page.get_by_label("Your name").fill("Ji-woo Han")
    page.get_by_label("User name").fill("jiwoo")
    page.get_by_label("Password", exact=True).fill("pusan-perimeter-1950")
    page.get_by_label("Password again").fill("pusan-perimeter-1950")
    page.get_by_role("button", name="Join class").click()
    expect(page.get_by_role("heading", name="History 101")).to_be_visible()
    expect(page.get_by_text("Your user name is jiwoo")).to_be_visible()
    expect(page.get_by_role("link", name="Who started the war?")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_be_visible()


def test_a_teacher_adds_students_and_one_logs_in_from_the_card(
    browser, live_server, page, classroom, teacher, document, make_assignment
):
    make_assignment(classroom, documents=[document], title="Who started the war?")
    teacher_page = logged_in_page(browser, live_server, teacher)
    teacher_page.goto(f"/classes/{classroom.pk}/")
    teacher_page.get_by_role("link", name="Add students").click()
    teacher_page.get_by_label("Students").fill(
        "Ana Silva\nBen Okoro, ben@example.org\nChloé Martin\nDae-ho Lee\nEmma Brown"
    )
    teacher_page.get_by_role("button", name="Create accounts").click()
    expect(teacher_page.get_by_role("heading", name="Login cards")).to_be_visible()
    cards = teacher_page.locator(".login-card")
    expect(cards).to_have_count(5)
    card = cards.filter(has_text="Chloé Martin")
    username, password = (
        text.strip() for text in card.locator(".login-card-secret").all_inner_texts()
    )
    assert username == "chloe.martin" and re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){2}", password)

    # The cards page on its own shows every student, and no password again.
    teacher_page.goto(f"/classes/{classroom.pk}/cards/")
    expect(teacher_page.locator(".login-card")).to_have_count(7)
    expect(teacher_page.get_by_text(password)).to_have_count(0)
    teacher_page.context.close()

    # Chloé logs in with the card, must choose her own password, and is in.
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    page.goto(f"/classes/{classroom.pk}/")  # nowhere else until she has
    expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("inchon-landing-1950")
    page.get_by_label("New password confirmation").fill("inchon-landing-1950")
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_text("Your password is saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Who started the war?")).to_be_visible()
    page.goto(f"/classes/{classroom.pk}/")
    expect(page.get_by_role("heading", name="History 101")).to_be_visible()
