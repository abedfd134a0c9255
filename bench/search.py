"""Search at district scale: server time of /search/ with 360,000 highlights on the server.

    make bench-search             (or: .venv/bin/python bench/search.py)
    BENCH_RUNS=5 .venv/bin/python bench/search.py

Builds the district first unless it is there (bench/district.py: 100 classes of 30, 40
highlights per student per article). Then the teacher of class 1 (3,600 highlights of
their class to search) and one of its students (their own and what classmates share)
search for:

- a word in a fifth of the notes and a tag ("archives", stemmed);
- a word in the passages and notes of almost every class ("Stalin");
- a name through the glossary ("Kim Il-sung": also his mentions and links);
- a phrase (`"Soviet archives"`), and a word with a filter (`propaganda`, one article).

Every page is fetched through Django's test client (the whole request, middleware and
templates, no network) with DEBUG off, in interleaved runs, each run in another order;
medians (bench/measure.py). The goal: under 100 ms for a teacher and for a student.
Then EXPLAIN ANALYZE of each search's query for its page of results, the teacher's and
the student's, to show which indexes it uses, and of a search over the whole district
(BENCH_EXPLAIN=0 leaves them out).
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.district import (  # noqa: E402  (sets Django up on the district's database)
    build_district,
    student_username,
    teacher_username,
)

# isort: split
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotations.models import Highlight  # noqa: E402
from annotations.search import Search  # noqa: E402
from bench.measure import Page, logged_in, markdown_table, measure_interleaved  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "1") == "1"
CLASS = 1
GOAL_MS = 100
SEARCHES = [
    {"q": "archives"},
    {"q": "Stalin"},
    {"q": "Kim Il-sung"},
    {"q": '"Soviet archives"'},
    {"q": "propaganda", "document": "stalins-hot-war"},
]


def url(search: dict) -> str:
    return "/search/?" + urlencode(search)


def count(page: Page) -> str:
    """The page's "N highlights found", as it says it."""
    html = page.client.get(page.url).content.decode()
    marker = 'id="search-status" class="visually-hidden" role="status">'
    start = html.index(marker) + len(marker)
    return html[start : html.index(" found", start)].split()[0]


def _plan(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [line for (line,) in cursor.fetchall()]


def _indexes(plan: list[str]) -> str:
    """The indexes a plan reads, by name."""
    used = set()
    for line in plan:
        words = line.split()
        if (
            "Index" in words and "Scan" in words
        ):  # "Index Scan using X on T", "Bitmap Index Scan on X"
            key = "using" if "using" in words else "on"
            used.add(words[words.index(key) + 1])
    return ", ".join(sorted(used))


def explain(page: Page, who: str) -> None:
    """EXPLAIN ANALYZE of the query that picks the page's results (the ranked ids), and
    the indexes of the one that finds the replies that match."""
    with CaptureQueriesContext(connection) as queries:
        page.client.get(page.url)
    sqls = [query["sql"] for query in queries.captured_queries]
    ranked = _plan(next(sql for sql in sqls if "ts_rank" in sql))
    replies = _plan(next(sql for sql in sqls if 'FROM "annotations_reply"' in sql))
    print(f"\n{who}, {page.url}: the matches read {_indexes(ranked)}; the replies, "
          f"{_indexes(replies)}")  # fmt: skip
    print("\n".join(f"    {line}" for line in ranked))


def explain_district(text: str) -> None:
    """EXPLAIN ANALYZE of one search over every highlight of the district, as
    `manage.py export_annotations --q` (no viewer) asks it: here the GIN index is the
    way in, where a viewer's own few thousand highlights are not."""
    found = Search.of(text).matching(Highlight.objects.order_by()).values("pk")
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE) SELECT count(*) FROM (" + sql + ") AS found", params)
        plan = [line for (line,) in cursor.fetchall()]
    print(f"\nThe whole district, q={text}:")
    print("\n".join(f"    {line}" for line in plan))


def main() -> None:
    district = build_district()
    if district.built:
        print(f"District built in {district.seconds:.0f} s.")
    User = get_user_model()
    viewers = {
        "teacher": User.objects.get(username=teacher_username(CLASS)),
        "student": User.objects.get(username=student_username(CLASS, 1)),
    }
    cases = [(who, search) for search in SEARCHES for who in viewers]
    pages = [Page(logged_in(viewers[who]), url(search)) for who, search in cases]
    # Beside them, in the same runs: the page before a search (its form, no results) and
    # /healthz, which tell how loaded the machine was.
    baselines = [Page(logged_in(viewers["teacher"]), path) for path in ("/search/", "/healthz")]
    measure_interleaved(pages + baselines, RUNS)
    print(
        f"\nDistrict of {district.highlights:,} highlights ({district.classes} classes of "
        f"{district.students}, seed {district.seed}); {RUNS} interleaved runs of each (medians):\n"
    )
    columns = ["search", "viewer", "found", "server time", "of which SQL", "SQL queries"]
    rows = [
        [
            " ".join(f"{key}={value}" for key, value in search.items()),
            who,
            count(page),
            f"{page.median('ms'):.1f} ms",
            f"{page.median('sql_ms'):.1f} ms",
            str(page.first.queries),
        ]
        for (who, search), page in zip(cases, pages, strict=True)
    ]
    rows += [
        [page.url, "teacher", "", f"{page.median('ms'):.1f} ms", f"{page.median('sql_ms'):.1f} ms",
         str(page.first.queries)]
        for page in baselines
    ]  # fmt: skip
    print(markdown_table(columns, rows))
    for who in viewers:
        times = sorted(
            page.median("ms") for (w, _), page in zip(cases, pages, strict=True) if w == who
        )
        worst = times[-1]
        verdict = "under" if worst < GOAL_MS else "OVER"
        print(f"\n{who}: slowest search's median {worst:.1f} ms, {verdict} the {GOAL_MS} ms goal")
    if EXPLAIN:
        for (who, _), page in zip(cases, pages, strict=True):
            explain(page, who)
        for text in ("purges", "archives"):
            explain_district(text)


if __name__ == "__main__":
    main()
