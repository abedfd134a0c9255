"""Writes: a highlight saved and a reply posted, against a minimal authenticated write.

    make bench-writes             (or: .venv/bin/python bench/writes.py)

The minimal write (bench/urls.py, registered by bench/settings.py alone) reads the session
and its user, has its CSRF token checked and inserts one row. The save is what the reading
view's editor posts by htmx into its panel: a student of a class of 30 (whose students
made 10 shared highlights each on the article, 60% tagged) saves a highlight with a note,
two tags in use and a glossary entry, in the assignment, and gets back what the save
changes on the page: the card, its item for My highlights and the progress (the browser
paints its mark). A reply is posted by htmx from a highlight's card, as its form
does (annotations/views/threads.py reply_create, through its URL, answered with what the
card's form swaps in), twice over: the teacher's, from a student's work page, and a
classmate's, from the reading view. Each reply goes to another classmate's highlight,
whose thread holds three replies already (a classmate's, the teacher's answer to it, and
another classmate's), so that every run posts into the same kind of thread rather than
into one that grows by a reply a run. Every request goes through the CSRF check with the
token in X-CSRFToken, its form form-encoded, as htmx sends them.

All of them are measured interleaved in one run, each run in another order, since these
machines are shared; the ratios are what counts. Server time is the whole request through
Django's middleware and templates (the test client), without the network. Runs in its own
database, korea_reader_bench_writes, on the same server. BENCH_PROFILE=1 prints the save's
queries and a cProfile of it instead (BENCH_PROFILE_KIND=2: the teacher's reply's, 3: the
classmate's, 0: the minimal write's).
"""

import cProfile
import itertools
import os
import pstats
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_writes")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import Assignment, Document, GlossaryEntry, Reply  # noqa: E402
from bench import world  # noqa: E402
from bench.measure import Request, markdown_table  # noqa: E402
from bench.urls import TABLE  # noqa: E402

SLUG = "stalins-hot-war"
STUDENTS = 30
PER_STUDENT = 10
RUNS = int(os.environ.get("BENCH_RUNS", "100"))
TAGS = ["cold war", "archives", "Stalin", "Kim Il-sung", "evidence", "propaganda", "question"]


class Write:
    """One kind of write as one person sends it, and its measured requests. `url` is the
    URL, or a function giving the next one; `target` the id of the element htmx swaps
    (None for a form whose target has none, as a card's `closest .card`)."""

    def __init__(
        self,
        label: str,
        user,
        url,
        data,
        *,
        referer: str,
        target: str | None = "panel",
        status: int = 200,
    ):
        self.label, self.data, self.status = label, data, status
        self.next_url = url if callable(url) else lambda: url
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)
        self.client.get(referer)  # a page with a form: the CSRF cookie
        self.headers = {
            "HX-Request": "true",
            "HX-Current-URL": f"http://testserver{referer}",
            "X-CSRFToken": self.client.cookies["csrftoken"].value,
        }
        if target is not None:
            self.headers["HX-Target"] = target
        self.runs: list[Request] = []
        self.logged: list[Request] = []

    def post(self):
        """The next request, its body form-encoded as htmx sends a form (multipart only for
        one with enctype or hx-encoding multipart/form-data: none of these)."""
        return self.client.post(
            self.next_url(),
            urlencode(self.data(), doseq=True),
            content_type="application/x-www-form-urlencoded",
            headers=self.headers,
        )

    def send(self) -> Request:
        """One request, timed as production runs it: without Django's query log, which
        costs each query some Python (the SQL's figures come from `send_logged`)."""
        started = time.perf_counter()
        response = self.post()
        elapsed = time.perf_counter() - started
        assert response.status_code == self.status, (response.request, response.status_code)
        return Request(elapsed * 1000, 0, 0, len(response.content))

    def send_logged(self) -> Request:
        """One request with its queries logged: how many (Django's log, which counts a
        transaction's BEGIN and COMMIT too), and their time, taken here: the log keeps it
        to the millisecond only."""
        times = []

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                times.append(time.perf_counter() - started)

        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed):
            response = self.post()
        assert response.status_code == self.status, (response.request, response.status_code)
        return Request(0, sum(times) * 1000, len(queries), len(response.content))

    def median(self, figure: str, runs: list[Request] | None = None) -> float:
        ordered = sorted(getattr(run, figure) for run in runs or self.runs)
        middle = len(ordered) // 2
        return (ordered[middle] + ordered[~middle]) / 2


def build() -> tuple:
    """The article, its assignment, a student of the class, a classmate, its teacher, and
    the other students' shared highlights to reply to, each with a thread (`threads`)."""
    load_documents()
    load_glossary()
    document = Document.objects.get(slug=SLUG)
    world.clear()
    room, teacher = world.classroom("Bench writes class", "bench-teacher", "Busy", "Teacher")
    students = world.enrol(room, "bench-student-", STUDENTS)
    assignment = Assignment.objects.create(
        classroom=room,
        title="Bench assignment",
        due=timezone.now() + timedelta(days=7),
        min_highlights=3,
        suggested_tags=["evidence", "motive"],
        visibility=Assignment.Visibility.CLASS,
    )
    assignment.documents.set([document])
    rng = random.Random(1950)
    saved = world.highlights(students, PER_STUDENT, [document], rng, assignment=assignment)
    world.tag(saved, TAGS, rng)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, user_id bigint)")
    others = saved[2 * PER_STUDENT :]
    threads(room, teacher, students, others)
    # The planner's statistics of the tables just filled, as autovacuum keeps them in
    # production: without, a run measured whatever plans its guesses gave (the progress
    # box's query scanned the whole class's work), or other ones once autovacuum came by.
    world.vacuum_analyze(
        "auth_user",
        "annotations_classroom",
        "annotations_membership",
        "annotations_assignment",
        "annotations_highlight",
        "annotations_taggedhighlight",
        "annotations_tag",
        "annotations_highlight_glossary_entries",
        "annotations_reply",
    )
    return document, assignment, students[0], students[1], teacher, others


def threads(room, teacher, students, highlights) -> None:
    """On each highlight, a thread of three replies: a classmate's, the teacher's answer
    to it, and another classmate's (students other than the author, and than the two
    the benchmark writes as)."""
    first, later = [], []
    writers = students[2:]
    for highlight in highlights:
        author = next(n for n, s in enumerate(writers) if s.pk == highlight.owner_id)
        asking, other = (writers[(author + k) % len(writers)] for k in (1, 2))
        first.append(Reply(highlight=highlight, author=asking, text="Why?", classroom=room))
        later.append(Reply(highlight=highlight, author=other, text="And when?", classroom=room))
    Reply.objects.bulk_create(first)
    Reply.objects.bulk_create(
        [
            Reply(
                highlight=reply.highlight,
                author=teacher,
                text="Look at the cable's date.",
                classroom=room,
                parent=reply,
            )
            for reply in first
        ]
    )
    Reply.objects.bulk_create(later)


def writes() -> list[Write]:
    document, assignment, student, classmate, teacher, others = build()
    reading = f"/assignments/{assignment.pk}/documents/{document.slug}/"
    rng = random.Random(1953)
    # The teacher and the classmate each reply to every other of the highlights in turn.
    for_teacher, for_classmate = (itertools.cycle(others[k::2]) for k in (0, 1))

    def reply_url(targets) -> str:
        return f"/highlights/{next(targets).pk}/replies/"

    entry = GlossaryEntry.objects.get(slug="joseph-stalin")

    def new_highlight() -> dict:
        placed = world.passage(document.text, rng)
        return {
            **placed.fields(),
            "revision": document.revision,
            "note": "Why here, and why then?",
            "tags": "evidence, cold war",
            "visibility": "class",
            "glossary_entries": [entry.pk],
            "assignment": assignment.pk,
            "client_key": str(uuid.uuid4()),
        }

    return [
        Write("minimal write", student, "/bench/minimal-write/", dict, referer=reading, status=204),
        Write(
            "highlight saved",
            student,
            f"/documents/{document.slug}/highlights/new/",
            new_highlight,
            referer=reading,
        ),
        Write(
            "reply posted (the teacher's)",
            teacher,
            lambda: reply_url(for_teacher),
            lambda: {"text": "Which source says so?"},
            referer=f"/assignments/{assignment.pk}/students/{others[0].owner_id}/",
            target=None,
        ),
        Write(
            "reply posted (a classmate's)",
            classmate,
            lambda: reply_url(for_classmate),
            lambda: {"text": "The cable of 14 May says so."},
            referer=reading,
            target=None,
        ),
    ]


def measure(kinds: list[Write], runs: int) -> None:
    """One of each to warm up, then `runs` of each, every run starting with another;
    then a few of each with their queries logged."""
    for kind in kinds:
        kind.send()
    for run in range(runs):
        shift = run % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            kind.runs.append(kind.send())
    for _ in range(5):
        for kind in kinds:
            kind.logged.append(kind.send_logged())


def profile(save: Write) -> None:
    save.send()
    with CaptureQueriesContext(connection) as queries:
        save.send()
    for number, query in enumerate(queries.captured_queries, 1):
        print(f"{number:3} {query['time']}s {query['sql'][:1500]}")
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [save.send() for _ in range(20)])
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"annotations|template/response|forms\.py", 40)
    stats.sort_stats("tottime").print_stats(30)


def main() -> None:
    kinds = writes()
    if os.environ.get("BENCH_PROFILE"):
        profile(kinds[int(os.environ.get("BENCH_PROFILE_KIND", "1"))])
        return
    measure(kinds, RUNS)
    minimal = kinds[0]
    print(f"Writes, {RUNS} interleaved runs each (median server time):")
    columns = ["write", "server time (ms)", "SQL (ms, logged)", "SQL queries", "x minimal"]
    rows = [
        [
            kind.label,
            f"{kind.median('ms'):.1f}",
            f"{kind.median('sql_ms', kind.logged):.1f}",
            str(kind.logged[-1].queries),
            f"{kind.median('ms') / minimal.median('ms'):.1f}",
        ]
        for kind in kinds
    ]
    print(markdown_table(columns, rows))


if __name__ == "__main__":
    main()
