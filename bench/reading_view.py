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
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_reading")

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotations.anchoring import quote_at  # noqa: E402
from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import (  # noqa: E402
    Classroom,
    Document,
    Highlight,
    Membership,
    TaggedHighlight,
)

SLUG = "stalins-hot-war"
STUDENTS = 30
PER_STUDENT = 40
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
TAGS = ["cold war", "archives", "Stalin", "Kim Il-sung", "evidence", "propaganda", "question"]


def build() -> tuple:
    User = get_user_model()
    load_documents()
    load_glossary()  # the page as readers see it: names linked, cards for each entry
    document = Document.objects.get(slug=SLUG)
    Highlight.objects.all().delete()
    User.objects.filter(username__startswith="bench-").delete()
    Classroom.objects.filter(name__startswith="Bench").delete()

    busy = Classroom.objects.create(name="Bench busy class")
    empty = Classroom.objects.create(name="Bench empty class")
    teacher = User.objects.create_user("bench-teacher", first_name="Busy", last_name="Teacher")
    idle = User.objects.create_user("bench-idle", first_name="Idle", last_name="Teacher")
    Membership.objects.create(classroom=busy, user=teacher, role="teacher")
    Membership.objects.create(classroom=empty, user=idle, role="teacher")

    rng = random.Random(1950)
    text = document.text
    highlights = []
    for number in range(STUDENTS):
        student = User.objects.create_user(f"bench-student-{number}", first_name=f"S{number}")
        Membership.objects.create(classroom=busy, user=student, role="student")
        for _ in range(PER_STUDENT):
            start = rng.randrange(0, len(text) - 200)
            end = start + rng.randrange(5, 200)
            while text[start].isspace():
                start += 1
            while text[end - 1].isspace():
                end -= 1
            placed = quote_at(text, start, end)
            highlights.append(
                Highlight.placed(
                    placed,
                    owner=student,
                    document=document,
                    note="A note" if rng.random() < 0.5 else "",
                    visibility="class",
                )
            )
    highlights = Highlight.objects.bulk_create(highlights)
    from annotations.models import Tag

    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=h, tag=rng.choice(tags))
        for h in highlights
        if rng.random() < 0.6
    )
    return document, teacher, idle


def measure(client: Client, url: str) -> tuple[float, int, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed * 1000, len(queries), len(response.content)


def main() -> None:
    document, teacher, idle = build()
    url = document.get_absolute_url()
    busy_client, idle_client = Client(), Client()
    busy_client.force_login(teacher)
    idle_client.force_login(idle)
    for client in (busy_client, idle_client):  # warm caches and connections
        measure(client, url)

    results = {"none": [], "1200": []}
    for _ in range(RUNS):
        results["none"].append(measure(idle_client, url))
        results["1200"].append(measure(busy_client, url))

    marks = busy_client.get(url).content.decode().count("<mark ")
    print(f"Reading view of {SLUG!r}, {RUNS} interleaved runs each (median):")
    print("| highlights seen | server time (ms) | SQL queries | HTML bytes |")
    print("|---|---|---|---|")
    for label, rows in (("0", results["none"]), ("1,200", results["1200"])):
        times = [row[0] for row in rows]
        print(f"| {label} | {statistics.median(times):.1f} | {rows[0][1]} | {rows[0][2]:,} |")
    ratio = statistics.median(r[0] for r in results["1200"]) / statistics.median(
        r[0] for r in results["none"]
    )
    print(f"ratio 1,200 / 0: {ratio:.2f} ({marks} <mark> segments painted)")


if __name__ == "__main__":
    main()
