"""The teacher imports a Hypothesis file from the class's page and reads what became of
each annotation: with htmx (the report replaces the form in place, the page stays) and
without JavaScript (a plain post, the same report)."""

from pathlib import Path

from playwright.sync_api import expect

from annotations.models import Highlight
from tests.browser.helpers import log_in as log_in_without_fixture

HYPOTHESIS = Path(__file__).parent.parent / "data" / "imports" / "hypothesis"
SEARCH = HYPOTHESIS / "search-korea-reader.json"


def import_and_read_the_report(page, classroom) -> None:
    page.goto(f"/classes/{classroom.pk}/")
    page.get_by_role("link", name="Import annotations").click()
    page.get_by_label("Annotations file").set_input_files(SEARCH)
    page.get_by_role("button", name="Import").click()
    report = page.get_by_role("region", name="What was imported")
    expect(report.get_by_role("status")).to_contain_text("4 placed (4 placed again by their quote)")
    expect(report).to_contain_text("the quote “Regression testing” is in none of our articles")
    expect(report).to_contain_text("acct:mark@localhost: not a student of History 101")
    expect(page.get_by_label("Annotations file")).to_have_value("")  # ready for the next


def test_the_teacher_imports_a_hypothesis_file_with_htmx(
    page, log_in, teacher, student, classmate, classroom, documents
):
    log_in(teacher)
    page.goto(f"/classes/{classroom.pk}/import/")
    page.evaluate("window.sameDocument = true")  # gone if the page were loaded again
    page.get_by_label("Annotations file").set_input_files(SEARCH)
    page.get_by_role("button", name="Import").click()
    report = page.get_by_role("region", name="What was imported")
    expect(report.get_by_role("status")).to_contain_text("4 placed")
    assert page.evaluate("window.sameDocument") is True  # swapped in place by htmx

    page.get_by_label("Annotations file").set_input_files(SEARCH)  # the same file again
    page.get_by_role("button", name="Import").click()
    expect(report.get_by_role("status")).to_contain_text("0 placed (0 placed again")
    expect(report.get_by_role("status")).to_contain_text("4 already here")
    assert page.evaluate("window.sameDocument") is True
    assert Highlight.objects.filter(owner=student).count() == 2


def test_the_teacher_imports_a_hypothesis_file_without_javascript(
    browser, live_server, transactional_db, teacher, student, classmate, classroom, documents
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in_without_fixture(page, teacher)
    import_and_read_the_report(page, classroom)
    context.close()
    assert Highlight.objects.filter(owner=student).count() == 2
