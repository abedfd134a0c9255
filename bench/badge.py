"""The header's badge of new notifications alone: Badge.count, as a page asks it.

    make bench-badge              (or: .venv/bin/python bench/badge.py)

On the reading view's world (bench/reading_view.py, its database): the busy class's
teacher and the empty class's teacher, who have nothing new, and a student of the busy
class with one new notification (a reply of the teacher's). Each time a fresh request
whose Viewer the page built already (as the reading view does), so what is timed is the
badge: its probe, and for the student the visibility rules and the count. Medians of
BENCH_RUNS (300) in milliseconds, and the queries of one.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_reading")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotations.models import Highlight, Membership, Reply, Viewer  # noqa: E402
from annotations.notifications import Badge, save_notifying  # noqa: E402
from bench.measure import markdown_table  # noqa: E402
from bench.reading_view import build  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "300"))


class Request:
    def __init__(self, user):
        self.user, self._viewer = user, Viewer.of(user)


def measure(user) -> list:
    times = []
    for _ in range(RUNS):
        badge = Badge(Request(user))
        started = time.perf_counter()
        count = badge.count
        times.append((time.perf_counter() - started) * 1000)
    badge = Badge(Request(user))
    with CaptureQueriesContext(connection) as queries:
        assert badge.count == count
    return [str(count), f"{statistics.median(times):.2f}", str(len(queries))]


def main() -> None:
    _, teacher, idle = build()
    student = Highlight.objects.filter(owner__username__startswith="bench-student-")[0].owner
    highlight = Highlight.objects.filter(owner=student)[0]
    room = Membership.objects.get(user=student).classroom_id
    save_notifying(Reply(highlight=highlight, author=teacher, text="Why?", classroom_id=room))
    rows = [
        ["teacher of 30, nothing new", *measure(teacher)],
        ["teacher of none, nothing new", *measure(idle)],
        ["student, one new", *measure(student)],
    ]
    print(f"Badge.count, {RUNS} runs each (median):")
    print(markdown_table(["who", "count", "time (ms)", "SQL queries"], rows))


if __name__ == "__main__":
    main()
