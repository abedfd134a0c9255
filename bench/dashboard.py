"""The teacher's assignment dashboard: server time and SQL queries by class size.

    make bench-dashboard          (or: DEBUG=1 .venv/bin/python bench/dashboard.py)

A class of 30 students, each with 40 highlights in the assignment (1,200 in all) across
the three articles, 60% tagged, half linked to a glossary entry, against a class of 3
with 4 highlights each. Measured interleaved in one run; the query count must not grow
with the class (tests/test_classroom_progress.py asserts it; this records the time).
"""

import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_dashboard")

from django.utils import timezone  # noqa: E402

from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import Assignment, Document, GlossaryEntry  # noqa: E402
from bench import world  # noqa: E402
from bench.measure import Page, logged_in, markdown_table, measure_interleaved  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
TAGS = ["evidence", "motive", "archives", "Stalin", "propaganda", "question"]


def build_class(name: str, students: int, per_student: int, rng: random.Random):
    """A class with an assignment over the three articles, and its students' highlights
    in it; returns the assignment and the teacher."""
    classroom, teacher = world.classroom(name, f"bench-{name}-teacher", name, "T")
    documents = list(Document.objects.all())
    assignment = Assignment.objects.create(
        classroom=classroom,
        title=f"{name} assignment",
        due=timezone.now() + timedelta(days=7),
        min_highlights=10,
        suggested_tags=["evidence", "motive"],
    )
    assignment.documents.set(documents)
    entries = list(GlossaryEntry.objects.order_by("slug")[:20])
    assignment.required_entries.set(entries[:2])
    pupils = world.enrol(classroom, f"bench-{name}-", students)
    saved = world.highlights(pupils, per_student, documents, rng, assignment=assignment)
    world.tag(saved, TAGS, rng)
    world.link(saved, entries, rng)
    return assignment, teacher


def main() -> None:
    load_documents()
    load_glossary()
    world.clear()
    rng = random.Random(1950)
    big, big_teacher = build_class("Bench30", 30, 40, rng)
    small, small_teacher = build_class("Bench3", 3, 4, rng)
    classes = [
        ("3 students", 12, Page(logged_in(small_teacher), small.get_absolute_url())),
        ("30 students", 1200, Page(logged_in(big_teacher), big.get_absolute_url())),
    ]
    measure_interleaved([page for _, _, page in classes], RUNS)
    print(f"Assignment dashboard, {RUNS} interleaved runs each (median):")
    columns = ["class", "highlights", "server time (ms)", "SQL queries"]
    rows = [
        [label, f"{count:,}", f"{page.median('ms'):.1f}", str(page.first.queries)]
        for label, count, page in classes
    ]
    print(markdown_table(columns, rows))


if __name__ == "__main__":
    main()
