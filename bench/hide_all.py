"""A flood: one student shares 5,000 highlights on one article; the teacher hides them all.

    make bench-hide-all           (or: DEBUG=1 .venv/bin/python bench/hide_all.py)

A class of a teacher, the flooding student and a classmate. Measured: the classmate's and
the teacher's reading view of the article before (bytes, time, queries); the request of
"Hide all of this student's highlights in this class" (one request, its queries, its
time: the median of BENCH_RUNS hides, each undone by "Show all ... again", timed too);
and both reading views after. Runs in its own database, korea_reader_bench_hide_all.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_hide_all")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotations.loading import load_documents  # noqa: E402
from annotations.models import ClassHide, Document  # noqa: E402
from bench import world  # noqa: E402
from bench.measure import Page, logged_in, markdown_table, measure_interleaved  # noqa: E402

SLUG = "stalins-hot-war"
FLOOD = int(os.environ.get("BENCH_FLOOD", "5000"))
RUNS = int(os.environ.get("BENCH_RUNS", "10"))


def build() -> tuple:
    load_documents()
    document = Document.objects.get(slug=SLUG)
    world.clear()
    room, teacher = world.classroom("Bench flooded class", "bench-teacher", "Flood", "Teacher")
    flooder, classmate = world.enrol(room, "bench-student-", 2)
    world.highlights([flooder], FLOOD, [document], random.Random(1950))
    return document, room, teacher, flooder, classmate


def post(client, url: str, hidden: str) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(url, {"hidden": hidden})
        elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed * 1000, len(queries)


def views(document, teacher, classmate) -> list[Page]:
    url = document.get_absolute_url()
    pages = [
        Page(logged_in(classmate), url),
        Page(logged_in(teacher), url),
        Page(logged_in(teacher), url + "?hidden=1"),
    ]
    measure_interleaved(pages, RUNS)
    return pages


def main() -> None:
    document, room, teacher, flooder, classmate = build()
    before = views(document, teacher, classmate)
    client = logged_in(teacher)
    url = f"/classes/{room.pk}/students/{flooder.pk}/hide/"
    hides, shows = [], []
    for _ in range(RUNS):
        hides.append(post(client, url, "1"))
        assert ClassHide.objects.filter(classroom=room).count() == FLOOD
        shows.append(post(client, url, "0"))
    post(client, url, "1")
    after = views(document, teacher, classmate)

    print(f"A flood of {FLOOD:,} shared highlights on {SLUG!r}, {RUNS} runs each (median):")
    columns = ["request", "server time (ms)", "SQL queries", "HTML bytes"]
    labels = ["classmate's reading view", "teacher's reading view", "teacher's, ?hidden=1"]
    rows = []
    for when, pages in (("before", before), ("after", after)):
        for label, page in zip(labels, pages, strict=True):
            rows.append(
                [
                    f"{label}, {when}",
                    f"{page.median('ms'):.1f}",
                    str(page.first.queries),
                    f"{page.first.bytes:,}",
                ]
            )
    for label, runs in (("hide all (POST)", hides), ("show all again (POST)", shows)):
        ms = statistics.median(run[0] for run in runs)
        rows.append([label, f"{ms:.1f}", str(runs[0][1]), "(redirect)"])
    print(markdown_table(columns, rows))


if __name__ == "__main__":
    main()
