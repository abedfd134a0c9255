"""Every <time datetime> holds a value HTML allows: no microseconds (issue 15, finding 10)."""

import re

from tests.helpers import add_highlight

# A valid date, or global date and time string: seconds at most to the millisecond.
VALID = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2}))?")


def time_values(html: str) -> list[str]:
    return re.findall(r'<time datetime="([^"]*)"', html)


def test_every_time_element_holds_a_valid_value(
    client, classroom, teacher, student, assignment, document, make_highlight
):
    highlight = make_highlight(student, "Stalin was hardly surprised.", assignment=assignment)
    add_highlight(student, document, "Kim Il-sung had reported")
    pages = {
        teacher: [
            "/home/",
            classroom.get_absolute_url(),
            assignment.get_absolute_url(),
            f"/highlights/{highlight.pk}/",
            "/assignments/",
        ],
        student: [
            "/assignments/",
            assignment.get_absolute_url(),
            f"/assignments/{assignment.pk}/documents/{document.slug}/",
            f"/highlights/{highlight.pk}/",
        ],
    }
    seen = []
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            seen += [(url, value) for value in time_values(response.content.decode())]
    assert seen, "the pages show times"
    assert [pair for pair in seen if not VALID.fullmatch(pair[1])] == []
