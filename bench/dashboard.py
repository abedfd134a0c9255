"""The teacher's assignment dashboard: server time and SQL queries by class size.

    make bench-dashboard          (or: DEBUG=1 .venv/bin/python bench/dashboard.py)

A class of 30 students, each with 40 highlights in the assignment (1,200 in all) across
the three articles, 60% tagged, half linked to a glossary entry, against a class of 3
with 4 highlights each. Measured interleaved in one run; the query count must not grow
with the class (tests/test_classroom_progress.py asserts it; this records the time).
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_dashboard")

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from annotations.anchoring import quote_at  # noqa: E402
from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import (  # noqa: E402
    Assignment,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    Membership,
    Tag,
    TaggedHighlight,
)

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
TAGS = ["evidence", "motive", "archives", "Stalin", "propaganda", "question"]


def build_class(name: str, students: int, per_student: int, rng: random.Random):
    User = get_user_model()
    classroom = Classroom.objects.create(name=name)
    teacher = User.objects.create_user(f"bench-{name}-teacher", first_name=name, last_name="T")
    Membership.objects.create(classroom=classroom, user=teacher, role="teacher")
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
    rows = []
    for number in range(students):
        student = User.objects.create_user(f"bench-{name}-{number}", first_name=f"S{number}")
        Membership.objects.create(classroom=classroom, user=student, role="student")
        for _ in range(per_student):
            document = rng.choice(documents)
            start = rng.randrange(0, len(document.text) - 200)
            end = start + rng.randrange(5, 200)
            while document.text[start].isspace():
                start += 1
            while document.text[end - 1].isspace():
                end -= 1
            placed = quote_at(document.text, start, end)
            rows.append(
                Highlight.placed(
                    placed,
                    owner=student,
                    document=document,
                    visibility="class",
                    assignment=assignment,
                )
            )
    highlights = Highlight.objects.bulk_create(rows)
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=h, tag=rng.choice(tags))
        for h in highlights
        if rng.random() < 0.6
    )
    Highlight.glossary_entries.through.objects.bulk_create(
        Highlight.glossary_entries.through(highlight=h, glossaryentry=rng.choice(entries))
        for h in highlights
        if rng.random() < 0.5
    )
    return assignment, teacher


def measure(client: Client, url: str) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed * 1000, len(queries)


def main() -> None:
    load_documents()
    load_glossary()
    Classroom.objects.filter(name__startswith="Bench").delete()
    Highlight.objects.all().delete()
    get_user_model().objects.filter(username__startswith="bench-").delete()
    rng = random.Random(1950)
    big, big_teacher = build_class("Bench30", 30, 40, rng)
    small, small_teacher = build_class("Bench3", 3, 4, rng)
    clients = {}
    for label, assignment, teacher in (("30", big, big_teacher), ("3", small, small_teacher)):
        client = Client()
        client.force_login(teacher)
        measure(client, assignment.get_absolute_url())  # warm up
        clients[label] = (client, assignment.get_absolute_url())
    results = {"3": [], "30": []}
    for _ in range(RUNS):
        for label in ("3", "30"):
            results[label].append(measure(*clients[label]))
    print(f"Assignment dashboard, {RUNS} interleaved runs each (median):")
    print("| class | highlights | server time (ms) | SQL queries |")
    print("|---|---|---|---|")
    for label, highlights in (("3", 12), ("30", 1200)):
        times = [row[0] for row in results[label]]
        print(
            f"| {label} students | {highlights:,} | {statistics.median(times):.1f} | "
            f"{results[label][0][1]} |"
        )


if __name__ == "__main__":
    main()
