"""Pages at district scale: server time and SQL queries with 360,000 highlights on the server.

    make bench-district           (or: .venv/bin/python bench/district_pages.py)
    BENCH_RUNS=5 BENCH_EXPLAIN=1 .venv/bin/python bench/district_pages.py

Builds the district first unless it is there (bench/district.py: 100 classes of 30, 40
highlights per student per article). Then, as a teacher, a student and staff see them,
with the teacher of the district's empty class as the baseline beside each:

- the glossary entry page for Stalin (about 700 of a class's highlights link to him);
- the assignment dashboard of class 1 (30 students, 3,600 highlights, 1,200 per article);
- the reading view of "Stalin's 'Hot' War" for class 1's teacher (1,200 highlights of
  the class on it) against the empty class's teacher (none): the goal is a ratio of at
  most 2, with as many queries.

Every page is fetched through Django's test client (the whole request, middleware and
templates, no network) with DEBUG off, in interleaved runs, each run in another order;
medians. "SQL" is the time of the queries as the database driver saw it. BENCH_EXPLAIN=1
prints EXPLAIN ANALYZE of the slowest query of each page.
"""

import os
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.district import (  # noqa: E402  (sets Django up on the district's database)
    EMPTY_TEACHER,
    STAFF,
    STALIN,
    build_district,
    student_username,
    teacher_username,
)

# isort: split
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotations.models import Assignment, Document, GlossaryEntry, Highlight  # noqa: E402
from bench.measure import Page, logged_in, markdown_table, measure_interleaved, ratio  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN") == "1"
ARTICLE = "stalins-hot-war"
CLASS = 1


@dataclass
class Case:
    page: str
    viewer: str
    username: str
    url: str
    highlights: int  # what the page shows this viewer, or counts for them


def cases() -> list[Case]:
    User = get_user_model()
    users = {
        user.username: user
        for user in User.objects.filter(
            username__in=[teacher_username(CLASS), student_username(CLASS, 1), STAFF, EMPTY_TEACHER]
        )
    }
    teacher, student = users[teacher_username(CLASS)], users[student_username(CLASS, 1)]
    staff, empty = users[STAFF], users[EMPTY_TEACHER]
    stalin = GlossaryEntry.objects.get(slug=STALIN)
    article = Document.objects.get(slug=ARTICLE)
    work = Assignment.objects.get(classroom__name=f"District class {CLASS}")
    nothing = Assignment.objects.get(classroom__name="District empty class")

    def linked(user) -> int:
        return Highlight.objects.visible_to(user).filter(glossary_entries=stalin).count()

    def on_article(user) -> int:
        return Highlight.objects.visible_to(user).in_document(article).count()

    glossary = stalin.get_absolute_url()
    return [
        Case("Glossary: Stalin", "teacher, empty class", EMPTY_TEACHER, glossary, linked(empty)),
        Case("Glossary: Stalin", "staff", STAFF, glossary, linked(staff)),
        Case("Glossary: Stalin", "student", student.username, glossary, linked(student)),
        Case("Glossary: Stalin", "teacher", teacher.username, glossary, linked(teacher)),
        Case(
            "Assignment dashboard",
            "teacher, empty class",
            EMPTY_TEACHER,
            nothing.get_absolute_url(),
            nothing.highlights.count(),
        ),
        Case(
            "Assignment dashboard",
            "teacher",
            teacher.username,
            work.get_absolute_url(),
            work.highlights.count(),
        ),
        Case(
            "Reading view",
            "teacher, empty class",
            EMPTY_TEACHER,
            article.get_absolute_url(),
            on_article(empty),
        ),
        Case(
            "Reading view",
            "teacher",
            teacher.username,
            article.get_absolute_url(),
            on_article(teacher),
        ),
    ]


def explain(case: Case, measured: Page) -> None:
    """EXPLAIN ANALYZE of the page's slowest query."""
    with CaptureQueriesContext(connection) as queries:
        measured.client.get(case.url)
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = "\n".join(f"    {line}" for (line,) in cursor.fetchall())
    print(f"\n{case.page}, {case.viewer}: slowest query ({float(slowest['time']) * 1000:.1f} ms)")
    print(f"    {slowest['sql'][:600]}\n{plan}")


def page_ratio(measured: dict[tuple[str, str], Page], page: str) -> float:
    return ratio(measured[page, "teacher"], measured[page, "teacher, empty class"])


def main() -> None:
    district = build_district()
    if district.built:
        print(f"District built in {district.seconds:.0f} s.")
    todo = cases()
    User = get_user_model()
    pages = [Page(logged_in(User.objects.get(username=case.username)), case.url) for case in todo]
    measure_interleaved(pages, RUNS)
    print(
        f"\nDistrict of {district.highlights:,} highlights ({district.classes} classes of "
        f"{district.students}, seed {district.seed}); {RUNS} interleaved runs of each (medians):\n"
    )
    columns = ["page", "viewer", "highlights", "server time", "of which SQL", "SQL queries", "HTML"]
    rows = [
        [
            case.page,
            case.viewer,
            f"{case.highlights:,}",
            f"{page.median('ms'):.1f} ms",
            f"{page.median('sql_ms'):.1f} ms",
            str(page.first.queries),
            f"{page.first.bytes / 1000:,.1f} kB",
        ]
        for case, page in zip(todo, pages, strict=True)
    ]
    print(markdown_table(columns, rows))
    print()
    measured = {(case.page, case.viewer): page for case, page in zip(todo, pages, strict=True)}
    glossary = page_ratio(measured, "Glossary: Stalin")
    dashboard = page_ratio(measured, "Assignment dashboard")
    reading = page_ratio(measured, "Reading view")
    print(f"Glossary, Stalin, teacher / empty class: {glossary:.2f}")
    print(f"Dashboard, class of 30 / empty class: {dashboard:.2f}")
    print(f"Reading view, 1,200 / 0: **{reading:.2f}** (goal: at most 2)")
    if EXPLAIN:
        for case, page in zip(todo, pages, strict=True):
            explain(case, page)


if __name__ == "__main__":
    main()
