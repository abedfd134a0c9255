import csv

from tests.browser.helpers import logged_in_page


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

    assert download.suggested_filename.startswith(f"history-101_assignment-{assignment.pk}_")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["highlight_id"] for row in rows} == {str(ours.pk), str(theirs.pk)}
    assert str(elsewhere.pk) not in {row["highlight_id"] for row in rows}
    mine = next(row for row in rows if row["highlight_id"] == str(ours.pk))
    assert mine["note"] == "'=1+1", "a formula is neutralised"
    assert mine["tags"] == "motive"
    assert mine["author_username"] == student.username
    page.context.close()
