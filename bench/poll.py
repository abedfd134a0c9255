"""Polls of the live reading view (issue 17, annotations/live.py): what one costs with
nothing new, and whether a district's polls fit on one 2-core server.

    make bench-poll                                            about 3 minutes
    BENCH_POLL_RATE=200 BENCH_POLL_SECONDS=60 .venv/bin/python bench/poll.py
    BENCH_POLL_LOAD=0 .venv/bin/python bench/poll.py           the ratio only

Over its own database, korea_reader_bench_poll: the three articles and a district of
BENCH_POLL_CLASSES classes (100) of 30 students and a teacher, each class with an
assignment over the three articles and 150 shared highlights on each.

a. Server time, side by side: /healthz (one SELECT, no session) and a student's poll with
   nothing new (304), in and outside an assignment, through Django's test client in this
   process: interleaved requests, medians (bench/measure.py). Goal: a poll costs at most
   2x /healthz.
b. Load: gunicorn (BENCH_WORKERS sync workers, 3) on 127.0.0.1 with production settings;
   every student of the district polls their assignment's article every 15 s, that is
   3,000 students / 15 s = 200 polls a second (BENCH_POLL_RATE), in an open loop: each
   request sent at its time, whether the last was answered or not. CPU time of the
   server's processes over the window: gunicorn's (its workers) and PostgreSQL's (every
   backend, those that ended too: the postmaster's children's time). Goal: the server
   (2 cores) keeps at least half its CPU, and every answer is a 304.

The poller runs on the same machine, so its CPU is given too: on a real server it is
elsewhere (the students' browsers). On a machine others use, CPU time is steadier than
wall time; the figures still move with what else runs.
"""

from gevent import monkey

monkey.patch_all()  # the poller's requests are greenlets; patch before sockets open

import http.client  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.app_server import production_environment  # noqa: E402

# The sessions made here must be gunicorn's: the same secret key signs them.
os.environ["SECRET_KEY"] = production_environment("")["SECRET_KEY"]
from bench.setup import bench_django  # noqa: E402

DATABASE = "korea_reader_bench_poll"
bench_django(DATABASE)

import gevent  # noqa: E402
import gevent.pool  # noqa: E402
import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,  # noqa: E402
)
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from annotations.live import live_context  # noqa: E402
from annotations.loading import load_documents  # noqa: E402
from annotations.models import Assignment, Classroom, Document, Highlight, Membership  # noqa: E402
from annotations.time_zones import SESSION_KEY as TIME_ZONE_KEY  # noqa: E402
from bench.load_server import serve  # noqa: E402
from bench.measure import Page, logged_in, markdown_table, measure_interleaved, ratio  # noqa: E402
from korea_reader import embedded_db  # noqa: E402
from tests.helpers import spread_highlights  # noqa: E402


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


CLASSES = env_int("BENCH_POLL_CLASSES", 100)
CLASS_SIZE = 30
SHARED_PER_ARTICLE = 150  # in each class, on each article
RUNS = env_int("BENCH_POLL_RUNS", 300)
RATE = env_int("BENCH_POLL_RATE", 200)
SECONDS = env_int("BENCH_POLL_SECONDS", 60)
WARM_UP = 5  # seconds of polls before the window, as the workers warm up
WORKERS = env_int("BENCH_WORKERS", 3)
LOAD = os.environ.get("BENCH_POLL_LOAD", "1") != "0"
PREFIX = "poll-"


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The district -------------------------------------------------------------------------


def build_district() -> list[tuple[object, str]]:
    """The district, made once (kept for the next run); each student with the poll of
    their assignment's article, as their page would send it."""
    load_documents()
    documents = list(Document.objects.in_library_order())
    User = get_user_model()
    if Classroom.objects.filter(name__startswith=PREFIX).count() != CLASSES:
        Classroom.objects.filter(name__startswith=PREFIX).delete()
        User.objects.filter(username__startswith=PREFIX).delete()
        progress(f"Making {CLASSES} classes of {CLASS_SIZE} with their shared highlights")
        hashed = make_password(get_random_string(20))  # nobody logs in: sessions are made
        for n in range(CLASSES):
            _make_class(n, documents, hashed)
    students = (
        Membership.objects.filter(classroom__name__startswith=PREFIX, role="student")
        .select_related("user", "classroom")
        .order_by("classroom", "user")
    )
    assignments = dict(
        Assignment.objects.filter(classroom__name__startswith=PREFIX).values_list("classroom", "pk")
    )
    polls = []
    for n, membership in enumerate(students):
        document = documents[n % len(documents)]
        assignment = Assignment(pk=assignments[membership.classroom_id])
        live = live_context(membership.user, document, assignment=assignment)
        polls.append((membership.user, f"{live['url']}&since={live['since']}"))
    return polls


def _make_class(n: int, documents, hashed: str) -> None:
    User = get_user_model()
    classroom = Classroom.objects.create(name=f"{PREFIX}{n:03}")
    teacher = User.objects.create(username=f"{PREFIX}{n:03}-teacher", password=hashed)
    students = User.objects.bulk_create(
        User(username=f"{PREFIX}{n:03}-{s:02}", password=hashed) for s in range(CLASS_SIZE)
    )
    Membership.objects.bulk_create(
        [
            Membership(classroom=classroom, user=teacher, role=Membership.Role.TEACHER),
            *(
                Membership(classroom=classroom, user=s, role=Membership.Role.STUDENT)
                for s in students
            ),
        ]
    )
    assignment = Assignment.objects.create(
        classroom=classroom,
        title="Who started the Korean War?",
        due=timezone.now() + timedelta(days=7),
        min_highlights=3,
        visibility=Assignment.Visibility.CLASS,
    )
    assignment.documents.set(documents)
    for document in documents:
        spread_highlights(
            document,
            students,
            SHARED_PER_ARTICLE,
            note="Note {n}",
            visibility=Highlight.Visibility.CLASS,
            assignment=assignment,
        )


# a. Server time, side by side -----------------------------------------------------------


def measure_server_time(polls) -> str:
    user, in_assignment = polls[0]
    document = Document.objects.get(slug=in_assignment.split("/documents/")[1].split("/")[0])
    outside = live_context(user, document)
    student = logged_in(user)
    without_key = in_assignment.replace("?key=", "?no-key=")
    pages = [
        Page(Client(), "/healthz"),
        Page(student, in_assignment, status=304),
        Page(student, f"{outside['url']}&since={outside['since']}", status=304),
        Page(student, without_key, status=304),
    ]
    measure_interleaved(pages, RUNS)
    names = [
        "/healthz",
        "poll, in an assignment (304)",
        "poll, outside assignments (304)",
        "poll without the page's key, through the view (304)",
    ]
    rows = [
        [
            name,
            f"{page.median('ms'):.2f}",
            str(page.first.queries),
            f"{ratio(page, pages[0]):.2f}x",
        ]
        for name, page in zip(names, pages, strict=True)
    ]
    return markdown_table(["request", "median ms", "queries", "against /healthz"], rows)


# b. Load -------------------------------------------------------------------------------


def sessions_for(polls) -> list[tuple[str, str]]:
    """A logged-in session for each student (as their log-in made it), and their poll."""
    Session.objects.filter(expire_date__lt=timezone.now()).delete()
    backend = settings.AUTHENTICATION_BACKENDS[-1]
    made = []
    for user, url in polls:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[TIME_ZONE_KEY] = ""
        session.create()
        made.append((session.session_key, url))
    return made


@dataclass
class Cpu:
    """CPU seconds of a process, its live children and the children it has reaped."""

    pid: int

    def seconds(self) -> float:
        process = psutil.Process(self.pid)
        times = process.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in process.children(recursive=True):
            try:
                child_times = child.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += child_times.user + child_times.system
        return total


def postmaster_pid() -> int | None:
    """The embedded server's (korea_reader/embedded_db.py); None for a DATABASE_URL's."""
    pid_file = embedded_db.default_server().pgdata / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


@dataclass
class Poller:
    """Sends the polls at their times (open loop) and tallies the answers."""

    base_url: str
    polls: list[tuple[str, str]]
    statuses: Counter
    times: list[float]
    sent: int = 0

    def one(self, session_key: str, url: str, record: bool) -> None:
        address = urlsplit(self.base_url)
        started = time.perf_counter()
        status = "error"
        try:
            conn = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            conn.request(
                "GET", url, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}
            )
            response = conn.getresponse()
            response.read()
            status = response.status
            conn.close()
        except OSError as err:
            status = type(err).__name__
        if record:
            self.statuses[status] += 1
            self.times.append((time.perf_counter() - started) * 1000)

    def run(self, seconds: float, rate: int, record: bool) -> float:
        """Polls for `seconds` at `rate` a second; returns the seconds it took."""
        pool = gevent.pool.Pool(1000)
        started = time.monotonic()
        for n in range(int(seconds * rate)):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                gevent.sleep(delay)
            session_key, url = self.polls[self.sent % len(self.polls)]
            self.sent += 1
            pool.spawn(self.one, session_key, url, record)
        pool.join()
        return time.monotonic() - started


def measure_load(polls) -> str:
    sessions = sessions_for(polls)
    database_url = os.environ["DATABASE_URL"]
    connection.close()
    with serve(database_url, WORKERS) as server:
        poller = Poller(server.url, sessions, Counter(), [])
        progress(f"Polling at {RATE}/s: {WARM_UP} s to warm up, then {SECONDS} s measured")
        poller.run(WARM_UP, RATE, record=False)
        app, own = Cpu(server.process.pid), psutil.Process()
        database = Cpu(postmaster_pid() or own.pid)  # own: no PostgreSQL to measure here
        begin = (app.seconds(), database.seconds(), sum(own.cpu_times()[:2]), time.monotonic())
        elapsed = poller.run(SECONDS, RATE, record=True)
        end = (app.seconds(), database.seconds(), sum(own.cpu_times()[:2]), time.monotonic())
    gunicorn_cpu, postgres_cpu, poller_cpu, wall = (b - a for a, b in zip(begin, end, strict=True))
    answered = sum(poller.statuses.values())
    cores = psutil.cpu_count() or 1
    server_share = (gunicorn_cpu + postgres_cpu) / (wall * cores)
    rows = [
        ["polls sent / answered", f"{answered:,} in {elapsed:.1f} s ({answered / wall:.0f}/s)"],
        [
            "answers",
            ", ".join(f"{status}: {n:,}" for status, n in sorted(poller.statuses.items(), key=str)),
        ],
        ["median / p95 / p99 ms (as the poller saw them)", _percentiles(poller.times)],
        ["gunicorn's CPU (share of one core)", f"{100 * gunicorn_cpu / wall:.0f}%"],
        ["PostgreSQL's CPU (share of one core)", f"{100 * postgres_cpu / wall:.0f}%"],
        [f"the server's CPU (share of its {cores} cores)", f"{100 * server_share:.0f}%"],
        ["left for the rest", f"{100 * (1 - server_share):.0f}%"],
        [
            "the poller's CPU (not the server's; share of one core)",
            f"{100 * poller_cpu / wall:.0f}%",
        ],
        ["machine load average during the run (1 min)", f"{os.getloadavg()[0]:.1f}"],
    ]
    assert set(poller.statuses) == {304}, f"answers other than 304: {poller.statuses}"
    return markdown_table(["", f"{RATE} polls/s, {WORKERS} sync workers"], rows)


def _percentiles(times: list[float]) -> str:
    if len(times) < 2:
        return "-"
    cuts = statistics.quantiles(times, n=100)
    return f"{statistics.median(times):.0f} / {cuts[94]:.0f} / {cuts[98]:.0f}"


def main() -> None:
    polls = build_district()
    progress(f"{len(polls):,} students; measuring {RUNS} interleaved requests of each kind")
    print("### A poll with nothing new against /healthz (server time)\n")
    print(measure_server_time(polls))
    if LOAD:
        print(f"\n### {len(polls):,} students polling every {len(polls) / RATE:.0f} s\n")
        print(measure_load(polls))


if __name__ == "__main__":
    main()
