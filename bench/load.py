"""Load: students creating highlights against gunicorn on 127.0.0.1 (issues 7 and 8).

    make bench-load                                    a, b and c: about 5 minutes
    BENCH_PHASES=c BENCH_STUDENTS=100 BENCH_SECONDS=120 .venv/bin/python bench/load.py
    BENCH_PHASES=a,b BENCH_WORKERS=4 .venv/bin/python bench/load.py

gunicorn serves Korea Reader with production settings (DEBUG off, WhiteNoise's manifest
storage after collectstatic) on a free port of 127.0.0.1, over its own database,
korea_reader_bench_load: the three articles, the glossary, a class of a teacher and 100
students who log in with a password, and an assignment over the three articles. locust
(bench/load_students.py) plays the students, in one run:

a. Creating highlights under load: 30 students, each reading an article now and then and
   mostly highlighting: open the editor on a passage, write the note (think time), save.
   Goals (issue 7): p95 of the save under 100 ms, p99 under 250 ms, no errors.
b. Throughput: the same number of students without think time ask for /healthz (one
   SELECT) or save highlights, in interleaved rounds; the ratio create / trivial shows what
   a save costs against the least a request costs on this stack (goal: at least 0.5).
c. A class of 100 at work for 2 minutes (issue 8): reading, highlighting, editing and
   deleting their highlights, My highlights, glossary entries. Goal: no errors.

Think time: a real student spends half a minute or more reading and writing a note
between two saves. In (a) they act every 1-3 s, so 30 students ask as much as several
classes at once: a stress test. In (c) every 5-15 s, still a few times a real student's
pace: issue 8 asks whether a class of 100 is served without errors, not how fast.

Every answer is checked (status and content), and after each phase the highlights in the
database are compared with the saves the server answered: none lost, none unexpected,
each note as last saved. Logging in (the production password hasher, about 0.3 s of CPU
each) happens before the measured window of a phase, once per student per run.

Three sync workers (BENCH_WORKERS): the app is CPU-bound on 2 cores shared with
PostgreSQL and locust; one worker more than cores keeps both busy while a worker waits on
the database, and more only move the queue from gunicorn's backlog into the workers,
where requests compete for the cores. 2, 3, 4 and 5 were tried: their differences were
smaller than the noise of a machine others were using.
"""

from gevent import monkey

monkey.patch_all()  # locust runs on gevent; patch before anything opens a socket

import datetime  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from dataclasses import dataclass, fields  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

DATABASE = "korea_reader_bench_load"
bench_django(DATABASE)

import gevent  # noqa: E402
import gunicorn  # noqa: E402
import locust  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.utils import timezone  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.stats import RequestStats, StatsEntry  # noqa: E402

from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import (  # noqa: E402
    Assignment,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    Membership,
)
from annotations.paragraphs import split_sentences  # noqa: E402
from bench.load_report import COLUMNS, CpuMeter, Row, Usage  # noqa: E402
from bench.load_server import serve  # noqa: E402
from bench.load_students import (  # noqa: E402
    CLASS_THINK,
    CREATE_THINK,
    PASSWORD,
    Article,
    ClassStudent,
    CreatingStudent,
    Ledger,
    Run,
    SaturatingStudent,
    Student,
)
from bench.measure import markdown_table  # noqa: E402
from tests.app_server import AppServer  # noqa: E402

PREFIX = "load-student-"
CLASS_NAME = "Load test class"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


WORKERS = env_int("BENCH_WORKERS", 3)
PHASES = (os.environ.get("BENCH_PHASES") or "a,b,c").split(",")
CREATE_USERS = env_int("BENCH_CREATE_USERS", 30)
CREATE_SECONDS = env_int("BENCH_CREATE_SECONDS", 60)
SATURATE_USERS = env_int("BENCH_SATURATE_USERS", 8)
ROUNDS = env_int("BENCH_ROUNDS", 2)
ROUND_SECONDS = env_int("BENCH_ROUND_SECONDS", 15)
STUDENTS = env_int("BENCH_STUDENTS", 100)
SECONDS = env_int("BENCH_SECONDS", 120)
SPAWN_RATE = 10  # students a second: their logins queue behind the password hasher
SAVE = "POST new highlight"


def progress(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# The class ----------------------------------------------------------------------------


def article(document: Document) -> Article:
    sentences = [
        (start, end)
        for paragraph in document.paragraphs
        if paragraph.role == "body"
        for start, end in split_sentences(paragraph)
        if end - start >= 20
    ]
    mentions = document.mentions.filter(revision=document.revision)
    return Article(
        slug=document.slug,
        revision=document.revision,
        text=document.text,
        sentences=sentences,
        mentions=list(mentions.values_list("start", "end", "entry_id")),
    )


def prepare(students: int) -> Run:
    """The articles, the glossary and a class with an assignment; no highlights."""
    load_documents()
    load_glossary()
    User = get_user_model()
    Highlight.objects.all().delete()  # this database is the benchmark's alone
    Classroom.objects.filter(name=CLASS_NAME).delete()
    User.objects.filter(username__startswith="load-").delete()
    Session.objects.all().delete()
    hashed = make_password(PASSWORD)  # once: the production hasher is slow on purpose
    teacher = User.objects.create(username="load-teacher", password=hashed, first_name="Tess")
    pupils = User.objects.bulk_create(
        User(username=f"{PREFIX}{n:03}", password=hashed, first_name="Student", last_name=f"{n}")
        for n in range(1, students + 1)
    )
    classroom = Classroom.objects.create(name=CLASS_NAME)
    Membership.objects.bulk_create(
        [
            Membership(classroom=classroom, user=teacher, role=Membership.Role.TEACHER),
            *(
                Membership(classroom=classroom, user=u, role=Membership.Role.STUDENT)
                for u in pupils
            ),
        ]
    )
    assignment = Assignment.objects.create(
        classroom=classroom,
        title="Who started the Korean War?",
        due=timezone.now() + datetime.timedelta(days=7),
        min_highlights=3,
        suggested_tags=["evidence", "motive"],
    )
    documents = list(Document.objects.in_library_order())
    assignment.documents.set(documents)
    slugs = GlossaryEntry.objects.filter(mentions__document__in=documents).values_list("slug")
    return Run(
        assignment=assignment.pk,
        articles=[article(document) for document in documents],
        entry_slugs=sorted({slug for (slug,) in slugs}),
        usernames=[user.username for user in pupils],
        sessions={},
    )


def for_phase(base: Run, phase: str) -> Run:
    """A fresh run for one phase, from no highlights, sharing the students' sessions."""
    Highlight.objects.all().delete()
    return Run(
        assignment=base.assignment,
        articles=base.articles,
        entry_slugs=base.entry_slugs,
        usernames=base.usernames,
        sessions=base.sessions,
        phase=phase,
    )


# Checking what was saved --------------------------------------------------------------


@dataclass
class Saved:
    expected: int = 0  # highlights the server said it saved, less those it said it deleted
    rows: int = 0
    lost: int = 0  # answered as saved, not in the database
    unexpected: int = 0  # in the database without an answered save (a duplicate, say)
    stale: int = 0  # a note that is not the one last saved

    def add(self, other: "Saved") -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def __str__(self) -> str:
        return (
            f"{self.expected:,} highlights answered as saved (less those deleted), "
            f"{self.rows:,} in the database: lost {self.lost}, unexpected {self.unexpected}, "
            f"notes not as last saved {self.stale}"
        )


def check_saved(ledger: Ledger) -> Saved:
    stored = {
        str(key): note
        for key, note in Highlight.objects.filter(owner__username__startswith=PREFIX).values_list(
            "client_key", "note"
        )
    }
    return Saved(
        expected=len(ledger.notes),
        rows=len(stored),
        lost=sum(1 for key in ledger.notes if key not in stored),
        unexpected=sum(1 for key in stored if key not in ledger.notes),
        stale=sum(1 for key, note in ledger.notes.items() if stored.get(key, note) != note),
    )


# Running students ---------------------------------------------------------------------


def errors(env: Environment) -> list[str]:
    found = [f"{e.occurrences} × {e.method} {e.name}: {e.error}" for e in env.stats.errors.values()]
    found += [f"{e['count']} × exception: {e['msg']}" for e in env.runner.exceptions.values()]
    return found


def start(server: AppServer, user_class: type[Student], run: Run, users: int):
    """Spawn the students, wait until all have logged in, then let them start together.

    Returns the environment and the figures of the logins.
    """
    user_class.shared = run
    env = Environment(user_classes=[user_class], host=server.url, stop_timeout=30)
    started = datetime.datetime.now()
    env.create_local_runner().start(users, spawn_rate=SPAWN_RATE)
    while run.ready < users:
        if (datetime.datetime.now() - started).total_seconds() > 600:
            raise RuntimeError(f"only {run.ready} of {users} students logged in within 600 s")
        gevent.sleep(0.2)
    seconds = (datetime.datetime.now() - started).total_seconds()
    login = Row.of("log in", env.stats.get("log in", "POST"), seconds)
    if errors(env):
        raise RuntimeError("logging in failed:\n" + "\n".join(errors(env)))
    env.stats.reset_all()
    run.go.set()
    return env, login


def stop(env: Environment) -> None:
    """Let each student finish the request in flight (up to stop_timeout), then stop."""
    env.runner.quit()


def describe_login(login: Row, users: int) -> str:
    """Logins happen before the measured window; students of an earlier phase need none."""
    if not login.requests:
        return "All had logged in during an earlier phase."
    kept = users - login.requests
    earlier = f"; {kept} had logged in during an earlier phase" if kept else ""
    return (
        f"{login.requests} students logged in beforehand (median {login.median:.0f} ms, "
        f"p95 {login.p95:.0f} ms){earlier}."
    )


def describe_errors(found: list[str]) -> str:
    return "Errors: " + ("; ".join(found) if found else "none") + "."


@dataclass
class Phase:
    """A phase with think time: the figures of each request over the measured window."""

    title: str
    users: int
    rows: list[Row]
    usage: Usage
    login: Row
    saved: Saved
    errors: list[str]
    goals: str = ""

    def print(self) -> None:
        print(f"\n### {self.title}\n")
        print(markdown_table(COLUMNS, [line.cells() for line in self.rows]))
        print(f"\n{self.usage.describe()}. {describe_login(self.login, self.users)}")
        print(f"Saved: {self.saved}. {describe_errors(self.errors)}")
        if self.goals:
            print(self.goals)


def with_think_time(
    server: AppServer, base: Run, key: str, cls: type[Student], users: int, seconds: int, title: str
) -> Phase:
    run = for_phase(base, key)
    progress(f"{key}: {users} students logging in")
    env, login = start(server, cls, run, users)
    meter = CpuMeter(server)
    progress(f"{key}: measuring for {seconds} s")
    gevent.sleep(seconds)
    usage = meter.read()
    entries = sorted(env.stats.entries.values(), key=lambda entry: entry.name)
    rows = [Row.of(entry.name, entry, seconds) for entry in entries if entry.num_requests]
    rows.append(Row.of("all requests", env.stats.total, seconds))
    stop(env)
    return Phase(title, users, rows, usage, login, check_saved(run.ledger), errors(env))


def phase_create(server: AppServer, base: Run) -> Phase:
    low, high = CREATE_THINK
    title = (
        f"a. Creating highlights under load: {CREATE_USERS} students, think time "
        f"{low}-{high} s, {CREATE_SECONDS} s"
    )
    phase = with_think_time(server, base, "a", CreatingStudent, CREATE_USERS, CREATE_SECONDS, title)
    save = next(line for line in phase.rows if line.name == SAVE)
    failures = sum(line.failures for line in phase.rows)
    phase.goals = (
        f"Goals (issue 7): p95 of the save {save.p95:.0f} ms (under 100: "
        f"{'met' if save.p95 < 100 else 'missed'}), p99 {save.p99:.0f} ms (under 250: "
        f"{'met' if save.p99 < 250 else 'missed'}), failures {failures} "
        f"({'met' if not failures and not phase.errors else 'missed'})."
    )
    return phase


def phase_class(server: AppServer, base: Run) -> Phase:
    low, high = CLASS_THINK
    title = f"c. A class at work: {STUDENTS} students, think time {low}-{high} s, {SECONDS} s"
    return with_think_time(server, base, "c", ClassStudent, STUDENTS, SECONDS, title)


def settle(run: Run, saved: Saved) -> None:
    """Between rounds: let requests in flight finish, check the saves, start from none."""
    run.mode = "idle"
    while run.busy:
        gevent.sleep(0.05)
    saved.add(check_saved(run.ledger))
    Highlight.objects.all().delete()
    run.ledger.clear()


# (mode, locust's name for the request, method)
TRIVIAL = ("trivial", "GET /healthz", "GET")
CREATE = ("create", SAVE, "POST")


@dataclass
class Throughput:
    rounds: list[list[str]]
    totals: dict[str, tuple[Row, float]]  # by mode: the figures, worker CPU ms a request
    login: Row
    saved: Saved
    errors: list[str]

    @property
    def ratio(self) -> float:
        return self.totals["create"][0].rps / self.totals["trivial"][0].rps

    def print(self) -> None:
        plural = "s" if ROUNDS > 1 else ""
        print(
            f"\n### b. Throughput without think time: {SATURATE_USERS} students, "
            f"{ROUNDS} interleaved round{plural} of {ROUND_SECONDS} s each\n"
        )
        columns = ["round", *COLUMNS, "worker CPU ms a request"]
        totals = [["all", *line.cells(), f"{cpu:.1f}"] for line, cpu in self.totals.values()]
        print(markdown_table(columns, self.rounds + totals))
        goal = "met" if self.ratio >= 0.5 else "missed"
        cpu = self.totals["trivial"][1] / self.totals["create"][1]
        print(
            f"\nRatio create / trivial: **{self.ratio:.2f}** (goal at least 0.5: {goal}); "
            f"in the workers' CPU time a request, trivial / create: {cpu:.2f}. "
            f"{describe_login(self.login, SATURATE_USERS)}"
        )
        print(f"Saved: {self.saved}. {describe_errors(self.errors)}")


def phase_throughput(server: AppServer, base: Run) -> Throughput:
    run = for_phase(base, "b")
    progress(f"b: {SATURATE_USERS} students logging in")
    env, login = start(server, SaturatingStudent, run, SATURATE_USERS)
    progress("b: warming up")
    for mode, _, _ in (TRIVIAL, CREATE):
        run.mode = mode
        gevent.sleep(3)
        settle(run, Saved())
    saved = Saved()
    totals = {
        mode: StatsEntry(RequestStats(), name, method) for mode, name, method in (TRIVIAL, CREATE)
    }
    cpu = dict.fromkeys(totals, 0.0)
    rounds = []
    for number in range(1, ROUNDS + 1):
        for mode, name, method in (TRIVIAL, CREATE):
            progress(f"b: round {number}, {mode}")
            env.stats.reset_all()
            meter = CpuMeter(server)
            run.mode = mode
            gevent.sleep(ROUND_SECONDS)
            usage = meter.read()
            entry = env.stats.get(name, method)
            line = Row.of(f"{mode}: {name}", entry, ROUND_SECONDS)
            per_request = 1000 * usage.workers / max(entry.num_requests, 1)
            rounds.append([str(number), *line.cells(), f"{per_request:.1f}"])
            totals[mode].extend(entry)
            cpu[mode] += usage.workers
            settle(run, saved)
    stop(env)
    seconds = ROUNDS * ROUND_SECONDS
    return Throughput(
        rounds=rounds,
        totals={
            mode: (Row.of(mode, entry, seconds), 1000 * cpu[mode] / max(entry.num_requests, 1))
            for mode, entry in totals.items()
        },
        login=login,
        saved=saved,
        errors=errors(env),
    )


# The report ---------------------------------------------------------------------------


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    model = models[0] if models else "unknown CPU"
    return f"{os.cpu_count()} cores ({model}), load average before the run {load}"


def header(server: AppServer) -> None:
    database = settings.DATABASES["default"]
    print(f"## Load: gunicorn on 127.0.0.1 ({datetime.date.today():%Y-%m-%d})\n")
    print(
        f"gunicorn {gunicorn.__version__}, {WORKERS} sync workers, at {server.url}, production "
        "settings (DEBUG=0, WhiteNoise manifest storage after collectstatic; "
        "SECURE_SSL_REDIRECT=0, SESSION_COOKIE_SECURE=0 and CSRF_COOKIE_SECURE=0 as it is "
        f"plain http), CONN_MAX_AGE={database['CONN_MAX_AGE']}. locust {locust.__version__} "
        f"(FastHttpUser) on the same machine: {machine()}. Database: {DATABASE} on "
        f"the embedded PostgreSQL at {database['HOST']}:{database['PORT']}."
    )


def main() -> None:
    logging.getLogger("locust").setLevel(logging.WARNING)
    unknown = set(PHASES) - {"a", "b", "c"}
    if unknown:
        sys.exit(f"BENCH_PHASES: unknown phases {sorted(unknown)}; use a, b and c.")
    progress("preparing the database")
    students = max(CREATE_USERS, SATURATE_USERS, STUDENTS if "c" in PHASES else 0)
    base = prepare(students)
    with serve(os.environ["DATABASE_URL"], WORKERS) as server:
        progress(f"gunicorn with {WORKERS} workers at {server.url}")
        header(server)
        if "a" in PHASES:
            phase_create(server, base).print()
        if "b" in PHASES:
            phase_throughput(server, base).print()
        if "c" in PHASES:
            phase_class(server, base).print()
    progress("done; gunicorn stopped")


if __name__ == "__main__":
    main()
