"""Progress on an assignment and the teacher's dashboard, against figures worked by hand.

Completion is min(made, minimum) + required entries linked, out of minimum + required
entries; suggested tags are shown as used or not, and count for nothing.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.anchoring import quote_at
from annotations.models import (
    Assignment,
    Classroom,
    Highlight,
    Membership,
    Tag,
    TaggedHighlight,
)
from annotations.progress import (
    class_progress,
    heat_maps,
    most_linked_entries,
    student_progress,
    tag_counts,
)
from tests.helpers import make_user

SLUG = "stalin-and-korean-war"
# A moment in the past, whole seconds, so the page's ISO dates can be compared exactly.
T0 = (timezone.now() - timedelta(days=1)).replace(microsecond=0)


@pytest.fixture
def third(classroom):
    """Student C: in the class, has done nothing yet."""
    user = make_user("third", "Ji-ho", "Lee")
    Membership.objects.create(classroom=classroom, user=user, role="student")
    return user


@pytest.fixture
def assignment(classroom, third, glossary, documents, make_assignment):
    return make_assignment(
        classroom,
        title="Who knew what",
        documents=[documents[SLUG], documents["stalins-hot-war"]],
        required_entries=[glossary["joseph-stalin"], glossary["kim-il-sung"]],
        min_highlights=3,
        suggested_tags=["evidence", "motive"],
        visibility="after_minimum",
    )


@pytest.fixture
def make_work(make_highlight):
    def make(owner, phrase, assignment, *, doc=None, tags=(), entries=(), at=None):
        highlight = make_highlight(owner, phrase, doc=doc, tags=tags, assignment=assignment)
        highlight.glossary_entries.set(entries)
        if at is not None:
            Highlight.objects.filter(pk=highlight.pk).update(updated=at)
        return highlight

    return make


@pytest.fixture
def work(assignment, student, classmate, glossary, documents, make_work):
    """A (student): 4 highlights, links Stalin only, tags evidence, Evidence and other.
    B (classmate): 1 highlight linking both required entries, no tags. C (third): none.
    """
    stalin, kim, song_chil = (
        glossary[s] for s in ("joseph-stalin", "kim-il-sung", "kim-song-chil")
    )
    hot_war = documents["stalins-hot-war"]
    a = [
        make_work(
            student,
            "Stalin was hardly surprised.",
            assignment,
            tags=["Evidence"],
            entries=[stalin],
            at=T0 + timedelta(hours=1),
        ),
        make_work(
            student,
            "Incheon landing",
            assignment,
            tags=["evidence", "other"],
            entries=[stalin, song_chil],
            at=T0 + timedelta(hours=2),
        ),
        make_work(
            student,
            "Soviet dictator",
            assignment,
            tags=["other"],
            entries=[song_chil],
            at=T0 + timedelta(hours=3),
        ),
        make_work(
            student,
            "the losers'",
            assignment,
            doc=hot_war,
            tags=["Evidence"],
            at=T0 + timedelta(hours=4),
        ),
    ]
    b = [
        make_work(
            classmate,
            "Pak Myong-rim",
            assignment,
            entries=[stalin, kim],
            at=T0 + timedelta(hours=5),
        )
    ]
    # Outside the assignment, later, with the other suggested tag and entry: counts for nothing.
    make_work(
        student,
        "Gimpo airfield",
        None,
        tags=["motive"],
        entries=[kim],
        at=T0 + timedelta(hours=10),
    )
    return {"a": a, "b": b}


def figures(progress) -> dict:
    return {
        "made": progress.made,
        "percent": progress.percent,
        "complete": progress.complete,
        "tags_used": progress.tags_used,
        "entries_linked": [entry.name for entry in progress.entries_linked],
        "entries_missing": [entry.name for entry in progress.entries_missing],
        "last_activity": progress.last_activity,
    }


EXPECTED = {
    "classmate": {
        "made": 1,
        "percent": 60,  # (1 + 2) / (3 + 2)
        "complete": False,
        "tags_used": [],
        "entries_linked": ["Joseph Stalin", "Kim Il-sung"],
        "entries_missing": [],
        "last_activity": T0 + timedelta(hours=5),
    },
    "student": {
        "made": 4,
        "percent": 80,  # (3 + 1) / (3 + 2)
        "complete": False,
        "tags_used": ["evidence"],
        "entries_linked": ["Joseph Stalin"],
        "entries_missing": ["Kim Il-sung"],
        "last_activity": T0 + timedelta(hours=4),
    },
    "third": {
        "made": 0,
        "percent": 0,
        "complete": False,
        "tags_used": [],
        "entries_linked": [],
        "entries_missing": ["Joseph Stalin", "Kim Il-sung"],
        "last_activity": None,
    },
}


def test_it_works_out_each_students_progress(assignment, work):
    rows = class_progress(assignment)

    # Alvarez, Kim, Lee: by last name.
    assert [row.student.username for row in rows] == ["classmate", "student", "third"]
    assert {row.student.username: figures(row) for row in rows} == EXPECTED
    for row in rows:
        assert row.minimum == 3
        assert row.suggested_tags == ["evidence", "motive"]
        assert [entry.name for entry in row.required_entries] == ["Joseph Stalin", "Kim Il-sung"]
        assert row.steps == 5


@pytest.mark.parametrize("who", ["student", "classmate", "third"])
def test_it_works_out_one_students_progress_the_same(request, assignment, work, who):
    user = request.getfixturevalue(who)

    assert figures(student_progress(assignment, user)) == EXPECTED[who]


def test_it_completes_with_the_minimum_and_the_entries_without_suggested_tags(
    assignment, work, student, classmate, glossary, make_work
):
    kim = glossary["kim-il-sung"]
    work["a"][2].glossary_entries.add(kim)  # A links the missing entry: 3 + 2 of 5
    make_work(classmate, "amphibious operation", assignment)  # B: 2 + 2 of 5
    rows = {row.student.username: row for row in class_progress(assignment)}

    assert (rows["student"].percent, rows["student"].complete) == (100, True)
    assert rows["student"].entries_missing == []
    assert rows["student"].tags_used == ["evidence"]  # "motive" never used: no matter
    assert (rows["classmate"].percent, rows["classmate"].complete) == (80, False)
    assert rows["classmate"].tags_used == []


def test_it_counts_highlights_beyond_the_minimum_for_nothing(
    assignment, classmate, glossary, make_work
):
    for phrase in ["Stalin was hardly surprised.", "Incheon landing", "Soviet dictator"] * 2:
        make_work(classmate, phrase, assignment)

    progress = student_progress(assignment, classmate)

    assert progress.made == 6
    assert progress.percent == 60  # (3 + 0) / 5
    assert not progress.complete


def test_it_counts_an_assignment_with_nothing_to_do_as_done(assignment, student):
    assignment.min_highlights = 0
    assignment.save()
    assignment.required_entries.clear()

    progress = student_progress(assignment, student)

    assert (progress.percent, progress.complete, progress.steps) == (100, True, 0)


def test_it_counts_tags_on_the_assignments_highlights(assignment, work):
    assert tag_counts(assignment) == [("Evidence", 3), ("other", 2)]
    assert Tag.objects.filter(name__iexact="evidence").count() == 1


def test_it_ranks_the_entries_linked_from_the_assignments_highlights(assignment, work):
    ranked = [(entry.name, uses) for entry, uses in most_linked_entries(assignment)]

    assert ranked == [("Joseph Stalin", 3), ("Kim Song-chil", 2), ("Kim Il-sung", 1)]
    assert [(e.name, n) for e, n in most_linked_entries(assignment, limit=1)] == [
        ("Joseph Stalin", 3)
    ]


# The dashboard


def student_rows(html: str) -> dict[str, list[str]]:
    """The students table: each student's name with the HTML of their cells."""
    table = html.split('class="data-table students-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a></th>(.*?)</tr>', table, re.S)
    return {name: re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S) for name, cells in rows}


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def test_it_shows_the_figures_in_the_students_table(client, teacher, assignment, work):
    client.force_login(teacher)

    html = client.get(f"/assignments/{assignment.pk}/").content.decode()

    rows = student_rows(html)
    assert list(rows) == ["Sofia Alvarez", "Min-jun Kim", "Ji-ho Lee"]
    assert [text(cell) for cell in rows["Min-jun Kim"][:3]] == ["4 / 3", "1 / 2", "1 / 2"]
    assert [text(cell) for cell in rows["Sofia Alvarez"][:3]] == ["1 / 3", "2 / 2", "0 / 2"]
    assert [text(cell) for cell in rows["Ji-ho Lee"][:3]] == ["0 / 3", "0 / 2", "0 / 2"]
    for name, who in [("Min-jun Kim", "student"), ("Sofia Alvarez", "classmate")]:
        # To the second with its offset, as HTML allows (no microseconds).
        last = EXPECTED[who]["last_activity"].strftime("%Y-%m-%dT%H:%M:%S%z")
        assert f'<time datetime="{last}">' in rows[name][3]
    assert text(rows["Ji-ho Lee"][3]) == "none"
    for name, percent in [("Min-jun Kim", 80), ("Sofia Alvarez", 60), ("Ji-ho Lee", 0)]:
        assert f'value="{percent}"' in rows[name][4]
        assert f'aria-label="{name}: {percent}%"' in rows[name][4]
        assert "complete" not in rows[name][4]
    assert "0 of 3 students done" in html
    assert "at least 3 highlights each" in html


def test_it_marks_complete_students_on_the_dashboard(client, teacher, assignment, work, glossary):
    work["a"][2].glossary_entries.add(glossary["kim-il-sung"])
    client.force_login(teacher)

    html = client.get(f"/assignments/{assignment.pk}/").content.decode()

    rows = student_rows(html)
    assert text(rows["Min-jun Kim"][1]) == "2 / 2"
    assert 'value="100"' in rows["Min-jun Kim"][4]
    assert "complete" in rows["Min-jun Kim"][4]
    assert "1 of 3 students done" in html


def test_it_shows_the_tags_and_entries_on_the_dashboard(client, teacher, assignment, work):
    client.force_login(teacher)

    html = client.get(f"/assignments/{assignment.pk}/").content.decode()

    tags = html.split('id="tags-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<th scope="row">([^<]*)</th><td class="num">(\d+)</td>', tags) == [
        ("Evidence", "3"),
        ("other", "2"),
    ]
    entries = html.split('id="entries-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(
        r'<a href="[^"]*">([^<]*)</a> <span class="muted">\((\d+)\)</span>', entries
    ) == [
        ("Joseph Stalin", "3"),
        ("Kim Song-chil", "2"),
        ("Kim Il-sung", "1"),
    ]


# A student's own view of their progress


@pytest.mark.parametrize(("who", "percent"), [("student", 80), ("classmate", 60), ("third", 0)])
def test_it_shows_students_their_percentage(client, request, assignment, work, who, percent):
    client.force_login(request.getfixturevalue(who))

    for url in (
        f"/assignments/{assignment.pk}/",
        "/assignments/",
        f"/classes/{assignment.classroom_id}/",
        f"/assignments/{assignment.pk}/documents/{SLUG}/",
    ):
        html = client.get(url).content.decode()
        assert f"{percent}% of this assignment" in html, url
        assert f'<progress max="100" value="{percent}"' in html, url


def test_it_lists_what_a_student_has_done_and_has_left(client, student, assignment, work):
    client.force_login(student)

    html = client.get(f"/assignments/{assignment.pk}/").content.decode()

    block = text(html.split('class="progress-block"', 1)[1].split("</ul>", 1)[0])
    assert "4 highlights (3 needed)" in block
    assert "Link Joseph Stalin (done)" in block
    assert "Link Kim Il-sung" in block
    assert "Link Kim Il-sung (done)" not in block
    assert "Suggested tags used: 1 of 2 (evidence)" in block


# The heat map


def heat(assignment) -> dict[str, dict[int, int]]:
    """Per article, the paragraphs some student highlighted, with how many students."""
    return {
        h.document.slug: {p.number: p.students for p in h.paragraphs if p.students}
        for h in heat_maps(assignment, class_size=3)
    }


def test_it_counts_the_students_who_highlighted_each_paragraph(
    assignment, student, classmate, third, documents, make_work
):
    document = documents[SLUG]
    make_work(student, "Stalin was hardly surprised.", assignment)  # paragraph 4
    make_work(student, "Incheon landing", assignment)  # 4 again: still one student
    make_work(classmate, "He was never an enthusiast", assignment)  # 4
    make_work(student, "Soviet dictator", assignment)  # 3, alone
    orphan = make_work(third, "Pak Myong-rim", assignment)  # 5, but cannot be placed
    Highlight.objects.filter(pk=orphan.pk).update(anchor_status="orphaned")
    make_work(third, "complete surprise", None)  # 6, outside the assignment
    assert document.paragraph_at(document.text.index("He was never")).number == 4
    assert document.paragraph_at(document.text.index("Soviet dictator")).number == 3

    maps = heat_maps(assignment, class_size=3)

    assert [h.document.slug for h in maps] == ["stalins-hot-war", SLUG]  # by position
    counts = {p.number: p.students for p in maps[1].paragraphs}
    assert counts == {n: {3: 1, 4: 2}.get(n, 0) for n in range(1, len(document.paragraphs) + 1)}
    assert all(p.students == 0 for p in maps[0].paragraphs)
    assert len(maps[0].paragraphs) == len(documents["stalins-hot-war"].paragraphs)


def test_it_counts_a_highlight_across_two_paragraphs_in_both(
    assignment, student, documents, make_work
):
    document = documents[SLUG]
    fifth, sixth = document.paragraphs[4], document.paragraphs[5]
    across = document.text[fifth.end - 12 : sixth.start + 12]
    assert "\n" in across
    make_work(student, across, assignment)

    assert heat(assignment) == {"stalins-hot-war": {}, SLUG: {5: 1, 6: 1}}


def test_it_counts_a_highlight_on_the_other_article(assignment, student, documents, make_work):
    make_work(student, "the losers'", assignment, doc=documents["stalins-hot-war"])

    assert heat(assignment) == {"stalins-hot-war": {2: 1}, SLUG: {}}


def test_it_shows_the_heat_map_on_the_dashboard(
    client, teacher, assignment, student, classmate, make_work
):
    make_work(student, "Stalin was hardly surprised.", assignment)
    make_work(classmate, "He was never an enthusiast", assignment)
    make_work(student, "Soviet dictator", assignment)
    client.force_login(teacher)

    html = client.get(f"/assignments/{assignment.pk}/").content.decode()

    ours = html.split("<h3>Stalin and Korean War</h3>", 1)[1].split("</details>", 1)[0]
    shown = dict(re.findall(r'<tr><td class="num">(\d+)</td><td class="num">(\d+)</td>', ours))
    assert shown["3"] == "1"
    assert shown["4"] == "2"
    assert {n for n, students in shown.items() if students != "0"} == {"3", "4"}
    assert '4<span class="visually-hidden">: 2 students</span>' in ours
    assert '3<span class="visually-hidden">: 1 student</span>' in ours


# The dashboard's queries do not grow with the class


def build_class(
    make_assignment, teacher, glossary, documents, *, students: int, highlights: int
) -> Assignment:
    """A class of `students`, and an assignment with `highlights` spread among them."""
    classroom = Classroom.objects.create(name=f"Class of {students}")
    Membership.objects.create(classroom=classroom, user=teacher, role="teacher")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"s{students}-{n}", first_name="S", last_name=f"{n:03}")
        for n in range(students)
    )
    Membership.objects.bulk_create(
        Membership(classroom=classroom, user=user, role="student") for user in users
    )
    articles = [documents[SLUG], documents["stalins-hot-war"]]
    required = [glossary["joseph-stalin"], glossary["kim-il-sung"]]
    assignment = make_assignment(
        classroom,
        title="Big",
        documents=articles,
        required_entries=required,
        min_highlights=3,
        suggested_tags=["evidence", "motive"],
    )
    rows = []
    for n in range(highlights):
        document = articles[n % 2]
        paragraph = document.paragraphs[n % len(document.paragraphs)]
        placed = quote_at(document.text, paragraph.start, min(paragraph.end, paragraph.start + 20))
        rows.append(
            Highlight.placed(
                placed,
                owner=users[n % students],
                document=document,
                assignment=assignment,
                visibility="class",
            )
        )
    created = Highlight.objects.bulk_create(rows)
    tags = [Tag.objects.get_or_create(name=name)[0] for name in ("evidence", "motive", "other")]
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=h, tag=tags[n % 3]) for n, h in enumerate(created)
    )
    links = Highlight.glossary_entries.through
    links.objects.bulk_create(
        links(highlight=h, glossaryentry=required[n // students % 2]) for n, h in enumerate(created)
    )
    return assignment


def dashboard_queries(client, assignment) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/assignments/{assignment.pk}/")
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_it_runs_as_many_queries_for_30_students_as_for_3(
    client, make_assignment, teacher, glossary, documents
):
    small = build_class(make_assignment, teacher, glossary, documents, students=3, highlights=3)
    large = build_class(make_assignment, teacher, glossary, documents, students=30, highlights=1200)
    client.force_login(teacher)
    dashboard_queries(client, small)  # warm whatever is cached once per process

    few = dashboard_queries(client, small)
    many = dashboard_queries(client, large)

    assert len(many) == len(few), "\n".join(many)
    html = client.get(f"/assignments/{large.pk}/").content.decode()
    assert len(student_rows(html)) == 30
    assert Highlight.objects.filter(assignment=large).count() == 1200
    assert "30 of 30 students done" in html  # 40 highlights each, both entries linked
