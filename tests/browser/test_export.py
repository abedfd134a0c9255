import csv
from pathlib import Path

from tests.browser.helpers import logged_in_page
from tests.helpers import csv_highlight_ids


def test_a_teacher_exports_the_assignment_as_csv(
    browser,
    live_server,
    transactional_db,
    glossary,
    teacher,
    student,
    classmate,
    classroom,
    make_highlight,
    make_assignment,
):
    assignment = make_assignment(
        classroom,
        title="Sources",
        days=3,
        documents=[glossary["kim-il-sung"].mentions.first().document],
    )
    ours = make_highlight(
        student,
        "Stalin was hardly surprised",
        note="=1+1",
        tags=["motive"],
        assignment=assignment,
    )
    theirs = make_highlight(
        classmate, "Kim Il-sung had reported", visibility="class", assignment=assignment
    )
    elsewhere = make_highlight(student, "Comments are closed.")  # not in the assignment

    page = logged_in_page(browser, live_server, teacher)
    page.goto(assignment.get_absolute_url())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value

    # "Export CSV" is the teacher's sheet (docs/EXPORT.md).
    sheet = f"history-101_assignment-{assignment.pk}_"
    assert download.suggested_filename.startswith(sheet)
    assert download.suggested_filename.endswith(".csv")
    assert "all-columns" not in download.suggested_filename
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert csv_highlight_ids(Path(download.path()).read_bytes()) == [theirs.pk, ours.pk], (
        "by student: Alvarez before Kim"
    )
    assert elsewhere.pk not in csv_highlight_ids(Path(download.path()).read_bytes())
    mine = next(row for row in rows if row["User name"] == student.username)
    assert mine["Note"] == "'=1+1", "a formula is neutralised"
    assert mine["Tags"] == "motive"
    assert mine["Student"] == "Min-jun Kim"

    # The full export and the JSON-LD wait under "Other formats", closed at first.
    all_columns = page.get_by_role("link", name="CSV (all columns)")
    assert not all_columns.is_visible()
    page.get_by_text("Other formats").click()
    with page.expect_download() as download_info:
        all_columns.click()
    full = download_info.value
    assert full.suggested_filename.startswith(sheet + "all-columns_")
    with open(full.path(), encoding="utf-8", newline="") as handle:
        assert {row["highlight_id"] for row in csv.DictReader(handle)} == {
            str(ours.pk),
            str(theirs.pk),
        }
    assert page.get_by_role("link", name="Web Annotation JSON-LD").is_visible()
    page.context.close()
