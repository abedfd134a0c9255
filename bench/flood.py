"""A flood of saves by one student, and what it leaves in a classmate's reading view.

    make bench-flood              (or: .venv/bin/python bench/flood.py)

One student of a class posts highlights shared with the class, in an assignment on one
article, as fast as the app answers (Django's test client: no network, so faster than
any script over HTTP), BENCH_FLOOD_TRIES times (default 5,000), in three phases:

- `limited`: the default limits (WRITE_LIMITS, HIGHLIGHTS_PER_ARTICLE);
- `capped`: the rate per account lifted, so only the cap per article holds (the most a
  flood kept up for hours leaves);
- `tags`: tries of 20 new tags each, against NEW_TAGS_PER_DAY.

Each reports how many tries were saved and refused (429), and the size in bytes of the
classmate's reading view of the article before and after. BENCH_FLOOD_PHASES picks some
(comma-separated); `unlimited` (no limits at all, the code before the limits) is there
for comparison, and slow.
"""

import logging
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_flood")

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.utils import timezone  # noqa: E402

from annotations.loading import load_documents  # noqa: E402
from annotations.models import Assignment, Document, Highlight, Tag  # noqa: E402
from bench import world  # noqa: E402
from bench.measure import logged_in, markdown_table  # noqa: E402

TRIES = int(os.environ.get("BENCH_FLOOD_TRIES", "5000"))
PHASES = os.environ.get("BENCH_FLOOD_PHASES", "limited,capped,tags").split(",")
SLUG = "stalin-and-korean-war"


def scene():
    world.clear()
    Tag.objects.filter(name__startswith="flood-").delete()
    cache.clear()  # the limits' counters
    load_documents()
    document = Document.objects.get(slug=SLUG)
    room, _ = world.classroom("Bench flood", "bench-flood-teacher", "Flo", "Od")
    flooder, classmate = world.enrol(room, "bench-flood-student", 2)
    due = timezone.now() + timedelta(days=7)
    assignment = Assignment.objects.create(
        classroom=room, title="Read it", due=due, visibility="class"
    )
    assignment.documents.set([document])
    return document, assignment, flooder, classmate


def selection(document, assignment, n: int, tags: str) -> dict:
    start = (n * 37) % (len(document.text) - 80)
    while document.text[start].isspace():
        start += 1
    end = start + 20
    while document.text[end - 1].isspace():
        end -= 1
    return {
        "start": start,
        "end": end,
        "exact": document.text[start:end],
        "prefix": document.text[max(0, start - 32) : start],
        "suffix": document.text[end : end + 32],
        "revision": document.revision,
        "note": f"Flood {n}",
        "tags": tags,
        "visibility": "class",
        "assignment": assignment.pk,
        "client_key": str(uuid.uuid4()),
    }


def view_bytes(classmate, document, assignment) -> int:
    response = logged_in(classmate).get(f"/assignments/{assignment.pk}/documents/{document.slug}/")
    assert response.status_code == 200, response.status_code
    return len(response.content)


def flood(tries: int, tags_per_try: int = 0) -> list[str]:
    document, assignment, flooder, classmate = scene()
    before = view_bytes(classmate, document, assignment)
    client = logged_in(flooder)
    url = f"/documents/{document.slug}/highlights/new/"
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    for n in range(tries):
        tags = ", ".join(f"flood-{n}-{k}" for k in range(tags_per_try))
        response = client.post(url, selection(document, assignment, n, tags))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    seconds = time.perf_counter() - started
    saved = Highlight.objects.filter(owner=flooder).count()
    assert saved == statuses.get(302, 0), statuses
    after = view_bytes(classmate, document, assignment)
    new_tags = Tag.objects.filter(name__startswith="flood-").count()
    return [
        f"{tries:,}",
        f"{saved:,}",
        f"{statuses.get(429, 0):,}",
        f"{new_tags:,}",
        f"{seconds:.0f}",
        f"{before:,}",
        f"{after:,}",
    ]


def main() -> None:
    logging.getLogger("django.request").setLevel(logging.ERROR)  # not a line per 429
    defaults = dict(settings.WRITE_LIMITS)
    rows = []
    for phase in PHASES:
        settings.WRITE_LIMITS = dict(defaults)
        settings.RATELIMIT_ENABLE = True
        if phase == "limited":
            rows.append([phase, *flood(TRIES)])
        elif phase == "capped":
            settings.WRITE_LIMITS["highlights"] = "1000000/m"
            rows.append([phase, *flood(TRIES)])
        elif phase == "tags":
            rows.append([phase, *flood(100, tags_per_try=20)])
        elif phase == "unlimited":
            settings.RATELIMIT_ENABLE = False  # no counters, and no cap on new tags
            settings.HIGHLIGHTS_PER_ARTICLE = 10**9
            rows.append([phase, *flood(TRIES)])
            settings.HIGHLIGHTS_PER_ARTICLE = 500
        print(f"{phase} done", file=sys.stderr)
    columns = [
        "phase",
        "tries",
        "saved",
        "refused (429)",
        "new tags",
        "seconds",
        "classmate's view before (bytes)",
        "after (bytes)",
    ]
    print(markdown_table(columns, rows))
    world.clear()


if __name__ == "__main__":
    main()
