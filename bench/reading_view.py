"""Reading view: server time and SQL queries with 0 and with 1,200 highlights.

    make bench-reading            (or: DEBUG=1 .venv/bin/python bench/reading_view.py)

A teacher of a class of 30 whose students made 40 class-shared highlights each on one
article (1,200, overlapping freely, some with tags) reads that article; a teacher of an
empty class reads the same article with none. The two are measured interleaved in one
run, since these machines are shared and noisy; the ratio is what counts. Time is the
whole request through Django's middleware and templates (the test client), without the
network. Runs in its own database, korea_reader_bench_reading, on the same server.
"""

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_reading")

from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import Document  # noqa: E402
from bench import world  # noqa: E402
from bench.measure import Page, logged_in, markdown_table, measure_interleaved, ratio  # noqa: E402

SLUG = "stalins-hot-war"
STUDENTS = 30
PER_STUDENT = 40
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
TAGS = ["cold war", "archives", "Stalin", "Kim Il-sung", "evidence", "propaganda", "question"]


def build() -> tuple:
    """The article, the busy class's teacher and the empty class's teacher."""
    load_documents()
    load_glossary()  # the page as readers see it: names linked, cards for each entry
    document = Document.objects.get(slug=SLUG)
    world.clear()
    busy, teacher = world.classroom("Bench busy class", "bench-teacher", "Busy", "Teacher")
    _, idle = world.classroom("Bench empty class", "bench-idle", "Idle", "Teacher")
    students = world.enrol(busy, "bench-student-", STUDENTS)
    rng = random.Random(1950)
    saved = world.highlights(students, PER_STUDENT, [document], rng, notes=True)
    world.tag(saved, TAGS, rng)
    return document, teacher, idle


def main() -> None:
    document, teacher, idle = build()
    url = document.get_absolute_url()
    none, busy = Page(logged_in(idle), url), Page(logged_in(teacher), url)
    measure_interleaved([none, busy], RUNS)

    marks = busy.client.get(url).content.decode().count("<mark ")
    print(f"Reading view of {SLUG!r}, {RUNS} interleaved runs each (median):")
    columns = ["highlights seen", "server time (ms)", "SQL queries", "HTML bytes"]
    rows = [
        [label, f"{page.median('ms'):.1f}", str(page.first.queries), f"{page.first.bytes:,}"]
        for label, page in (("0", none), ("1,200", busy))
    ]
    print(markdown_table(columns, rows))
    print(f"ratio 1,200 / 0: {ratio(busy, none):.2f} ({marks} <mark> segments painted)")


if __name__ == "__main__":
    main()
