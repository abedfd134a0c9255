"""A teacher's upload of another tool's file: 2,000 Hypothesis annotations, the most the
class's Import page takes (MAX_UPLOAD_IMPORT_ANNOTATIONS), into a class of 30.

    make bench-imports            (or: .venv/bin/python bench/imports.py)

The file is Hypothesis' `/api/search` shape (as tests/data/imports/hypothesis/ has it):
30 students' annotations of the three articles by TextQuoteSelector, with prefix and
suffix and a TextPositionSelector, a note on each, tags on half, and one in ten a reply
(`references`) to an earlier one. Each author is a student of the class by user name, so
every annotation is placed in its author's account. The upload is posted to
/classes/<id>/import/ as the form sends it, once into a class with no work, then the same
file again (everything already there: what a teacher pressing "Import" twice pays). One
request each: wall time, queries, what the report says. Runs in its own database,
korea_reader_bench_imports.
"""

import json
import os
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_imports")

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402

from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import Document, Highlight, Reply  # noqa: E402
from bench import world  # noqa: E402
from bench.measure import logged_in, markdown_table  # noqa: E402

ANNOTATIONS = int(os.environ.get("BENCH_ANNOTATIONS", "2000"))
STUDENTS = 30
BASE = "https://korea-reader.example.org"


def hypothesis_row(number: int, document: Document, author: str, rng, earlier: list) -> dict:
    """One annotation as Hypothesis' search API returns it."""
    made = (datetime(2026, 11, 2, 9, tzinfo=UTC) + timedelta(minutes=number)).isoformat()
    row = {
        "id": f"bench{number:08d}",
        "created": made,
        "updated": made,
        "user": f"acct:{author}@hypothes.is",
        "uri": BASE + document.get_absolute_url(),
        "text": f"Note {number}: why here?",
        "tags": ["evidence", "cold war"] if number % 2 else [],
        "group": "__world__",
        "permissions": {"read": ["group:__world__"]},
        "document": {"title": [document.title]},
    }
    if earlier and number % 10 == 9:
        row["references"] = [rng.choice(earlier)]
        row["target"] = [{"source": row["uri"]}]
        return row
    placed = world.passage(document.text, rng)
    row["target"] = [
        {
            "source": row["uri"],
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": placed.exact,
                    "prefix": placed.prefix,
                    "suffix": placed.suffix,
                },
                {"type": "TextPositionSelector", "start": placed.start, "end": placed.end},
            ],
        }
    ]
    earlier.append(row["id"])
    return row


def the_file(students: list, documents: list[Document]) -> bytes:
    rng, earlier = random.Random(1950), []
    rows = [
        hypothesis_row(
            n, documents[n % len(documents)], students[n % STUDENTS].username, rng, earlier
        )
        for n in range(ANNOTATIONS)
    ]
    return json.dumps({"total": len(rows), "rows": rows}).encode()


def upload(client, url: str, content: bytes) -> tuple[float, int, str]:
    """One upload as the form posts it: its wall time, its queries (counted, not logged:
    Django's log keeps 9,000) and the report's first line."""
    data = {"file": SimpleUploadedFile("hypothesis.json", content, "application/json")}
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        response = client.post(url, data)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    report = re.search(r'<p role="status">([^<]*)</p>', response.content.decode())
    return elapsed, queries, report.group(1).strip() if report else "(no report)"


def main() -> None:
    load_documents()
    load_glossary()
    world.clear()
    room, teacher = world.classroom("Bench imports class", "bench-teacher", "Busy", "Teacher")
    students = world.enrol(room, "bench-student-", STUDENTS)
    content = the_file(students, list(Document.objects.order_by("position")))
    client = logged_in(teacher)
    url = f"/classes/{room.pk}/import/"
    rows = []
    for label in ("into a class with no work", "the same file again"):
        seconds, queries, report = upload(client, url, content)
        rows.append(
            [label, f"{seconds:.1f}", f"{seconds * 1000 / ANNOTATIONS:.1f}", str(queries), report]
        )
    print(f"An upload of {ANNOTATIONS:,} Hypothesis annotations ({len(content):,} bytes):")
    columns = ["upload", "wall time (s)", "ms an annotation", "SQL queries", "the report says"]
    print(markdown_table(columns, rows))
    print(f"{Highlight.objects.count():,} highlights, {Reply.objects.count():,} replies now.")


if __name__ == "__main__":
    main()
