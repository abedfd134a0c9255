"""The grade sender: a class's scores posted to an LMS (the test simulator, on 127.0.0.1).

    make bench-grades            (or: DEBUG=1 .venv/bin/python bench/grade_sender.py)

BENCH_STUDENTS (default 200) students of one linked assignment each get a score queued
("Send grades": its time and queries), then `send_due` posts them all: scores a second,
queries a send, and how many access tokens were asked for. The simulator answers at once,
so this is Korea Reader's own cost; a real LMS adds its latency to each post. Runs in its
own database, korea_reader_bench_grades.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_grades")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from lti_tool.models import Key, LtiRegistration, LtiUser  # noqa: E402

from annotations.loading import load_documents  # noqa: E402
from annotations.lti.grades import queue_class, send_due  # noqa: E402
from annotations.lti.models import GradeSend  # noqa: E402
from bench import world  # noqa: E402
from tests.helpers import add_assignment, link_to_lms  # noqa: E402
from tests.lti_platform import Platform  # noqa: E402

STUDENTS = int(os.environ.get("BENCH_STUDENTS", "200"))


def main() -> None:
    load_documents()
    world.clear()
    LtiRegistration.objects.filter(name="LMS").delete()
    GradeSend.objects.all().delete()
    platform = Platform().start()
    if not Key.objects.active().exists():
        Key.objects.generate()
    platform.tool_jwks = Key.objects.as_jwks()
    room, _ = world.classroom("Bench graded class", "bench-teacher", "Grade", "Teacher")
    students = world.enrol(room, "bench-student-", STUDENTS)
    assignment = add_assignment(room, title="Bench reading", min_highlights=3)
    link = link_to_lms(assignment, *students, issuer=platform.issuer)
    registration = link.resource_link.context.deployment.registration
    registration.client_id = platform.client_id  # what the simulator's token endpoint checks
    registration.save()
    link.line_item_url = platform.url(platform.add_line_item(label="Bench reading"))
    link.save()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        queued = queue_class(assignment=assignment)
        queue_ms = (time.perf_counter() - started) * 1000
    queue_queries = len(queries)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        sent, failed = send_due()
        seconds = time.perf_counter() - started
    platform.stop()
    assert (queued.queued, sent, failed) == (STUDENTS, STUDENTS, 0), (
        queued,
        sent,
        failed,
        list(GradeSend.objects.values_list("state", "attempts", "last_error")[:3]),
    )
    assert GradeSend.objects.filter(state="sent").count() == STUDENTS
    assert LtiUser.objects.count() >= STUDENTS
    print("| students | Send grades (ms) | its queries | scores/s sent | queries a send | tokens |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {STUDENTS} | {queue_ms:.0f} | {queue_queries} | {sent / seconds:.0f} "
        f"| {len(queries) / sent:.1f} | {len(platform.received('/token'))} |"
    )


main()
