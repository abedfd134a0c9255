"""Nothing acknowledged is lost (issue 8).

Eight students create highlights over HTTP, against gunicorn with production settings on
a PostgreSQL cluster of the test's own, while a worker is SIGKILLed after its commit,
another half-way through its transaction, and PostgreSQL crashes and restarts. Each
student retries a failed request with the same client key, as the browser does.
Afterwards the database holds every highlight a student was told was saved, exactly
once, with the note, tags and glossary links sent, and no highlight half-written.

Locks park every worker at a known point of its request before each fault, so the faults
always hit requests in flight, however fast or slow the machine.
"""

import json
import shutil
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from psycopg.rows import dict_row

from annotations.anchoring import quote_at
from annotations.paragraphs import split_paragraphs, split_sentences
from korea_reader.embedded_db import EmbeddedPostgres
from tests.app_server import free_port, manage, production_environment, serve, wait_for
from tests.faults import (
    REQUEST_TIMEOUT,
    RETRY_FOR,
    HighlightRequest,
    Student,
    crash_and_restart,
    requests_held_at,
)
from tests.helpers import PASSWORD

STUDENTS = 8
WORKERS = 3
DOCUMENT = "stalin-and-korean-war"
TAG_POOL = ("cold war", "Stalin", "archives", "proxy war")
# What `make serve` loads, then the class; in one process, as each start costs seconds.
LOAD = """
from django.core.management import call_command
call_command("load_documents")
call_command("load_glossary")
call_command("loaddata", {fixture!r})
"""


@pytest.fixture
def database(tmp_path):
    """A PostgreSQL cluster of the test's own, stopped at the end however the test ends.

    Not under tmp_path: as root the server runs as a service user, and any pytest session
    that starts meanwhile takes that user's access to /tmp/pytest-of-root away again.
    """
    with tempfile.TemporaryDirectory(prefix="korea-reader-faults-") as scratch:
        server = EmbeddedPostgres(data_dir=Path(scratch) / "pg", port=free_port())
        try:
            server.start()
            yield server
        finally:
            server.stop()
            if server.log_file.exists():  # kept for a post-mortem
                shutil.copy(server.log_file, tmp_path / "postgres.log")


@pytest.fixture
def app(database, tmp_path):
    """gunicorn on the migrated cluster, with the articles, the glossary and one class."""
    env = production_environment(database.url())
    fixture = tmp_path / "class.json"
    fixture.write_text(json.dumps(class_rows(STUDENTS)))
    manage(env, "migrate", "--no-input")
    manage(env, "shell", "--command", LOAD.format(fixture=str(fixture)))
    with serve(env, workers=WORKERS, log=tmp_path / "gunicorn.log") as server:
        yield server


def class_rows(students: int) -> list[dict]:
    """A teacher and `students` students in one class, for loaddata."""
    hasher = PBKDF2PasswordHasher()
    # One hash for all: the production hasher is deliberately slow.
    password = hasher.encode(PASSWORD, hasher.salt())
    when = "2026-01-05T09:00:00Z"  # loaddata saves raw rows: auto_now_add does not fill these
    usernames = ["teacher"] + [f"student{number}" for number in range(1, students + 1)]
    rows = [
        {
            "model": "auth.user",
            "pk": pk,
            "fields": {"username": username, "password": password, "date_joined": when},
        }
        for pk, username in enumerate(usernames, start=1)
    ]
    rows.append(
        {
            "model": "annotations.classroom",
            "pk": 1,
            "fields": {"name": "History 101", "created": when},
        }
    )
    rows += [
        {
            "model": "annotations.membership",
            "pk": pk,
            "fields": {
                "classroom": 1,
                "user": pk,
                "role": "teacher" if pk == 1 else "student",
                "joined": when,
            },
        }
        for pk in range(1, len(usernames) + 1)
    ]
    return rows


def passages(database_url: str, slug: str) -> tuple[int, list]:
    """The article's revision, and its sentences that name glossary entries, with those."""
    with psycopg.connect(database_url) as connection:
        document_id, text, revision, roles = connection.execute(
            "SELECT id, text, revision, paragraph_roles FROM annotations_document WHERE slug = %s",
            [slug],
        ).fetchone()
        mentions = connection.execute(
            'SELECT start, "end", entry_id FROM annotations_mention'
            " WHERE document_id = %s AND revision = %s",
            [document_id, revision],
        ).fetchall()
    found = []
    for paragraph in split_paragraphs(text, roles):
        if paragraph.role != "body":
            continue
        for start, end in split_sentences(paragraph):
            named = sorted({entry for at, to, entry in mentions if start <= at and to <= end})
            if named:
                found.append((quote_at(text, start, end), tuple(named)))
    return revision, found


def stored_highlights(database_url: str) -> list[dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as connection:
        return connection.execute(
            """
            SELECT h.id, u.username AS owner, h.client_key::text, h.note, h.start, h."end",
                   h.exact, h.visibility, extract(epoch FROM h.created) AS created,
                   ARRAY(SELECT tag.name FROM annotations_taggedhighlight AS link
                         JOIN annotations_tag AS tag ON tag.id = link.tag_id
                         WHERE link.content_object_id = h.id) AS tags,
                   ARRAY(SELECT link.glossaryentry_id
                         FROM annotations_highlight_glossary_entries AS link
                         WHERE link.highlight_id = h.id) AS entries
            FROM annotations_highlight AS h JOIN auth_user AS u ON u.id = h.owner_id
            """
        ).fetchall()


def differences(row: dict, request: HighlightRequest) -> dict:
    """What the stored highlight has that differs from what the student sent."""
    sent = {
        "note": request.note,
        "start": request.anchor.start,
        "end": request.anchor.end,
        "exact": request.anchor.exact,
        "visibility": request.visibility,
        "tags": sorted(request.tags),
        "entries": sorted(request.entries),
    }
    stored = {**row, "tags": sorted(row["tags"]), "entries": sorted(row["entries"])}
    return {name: (stored[name], value) for name, value in sent.items() if stored[name] != value}


def test_it_keeps_every_acknowledged_highlight_through_a_killed_worker_and_a_crash(database, app):
    url = database.url()
    revision, found = passages(url, DOCUMENT)
    assert len(found) >= 20, "the article names glossary entries in many sentences"
    students = [
        Student(app.url, f"student{n}", PASSWORD, DOCUMENT, revision, found, TAG_POOL)
        for n in range(1, STUDENTS + 1)
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=student.run, args=(stop,)) for student in students]

    def acknowledged() -> int:
        return sum(len(student.acknowledged) for student in students)

    def carry_on(condition, what: str) -> None:
        def done() -> bool:
            failed = [student.error for student in students if student.error]
            assert not failed, f"a student met an unexpected answer: {failed[0]!r}"
            return condition()

        wait_for(done, what, timeout=60)

    def more_saved(count: int) -> None:
        target = acknowledged() + count
        carry_on(lambda: acknowledged() >= target, f"{count} more highlights saved")

    for thread in threads:
        thread.start()
    try:
        carry_on(lambda: all(s.acknowledged for s in students), "each student's first highlight")

        # A worker dies after its request committed, before it answered: the retry must
        # get that highlight back, not a second one. Rendering the answer reads the
        # class memberships; nothing in the transaction does.
        with requests_held_at(url, "annotations_membership", "ACCESS EXCLUSIVE", WORKERS):
            after_commit = min(app.worker_pids())
            app.kill_worker(after_commit, WORKERS)
        more_saved(STUDENTS)

        # A worker dies half-way through its transaction: the highlight and its new tag
        # written, the tag not yet linked.
        with requests_held_at(url, "annotations_taggedhighlight", "SHARE", WORKERS):
            mid_transaction = min(app.worker_pids())
            app.kill_worker(mid_transaction, WORKERS)
        more_saved(STUDENTS)

        # PostgreSQL crashes while every worker is half-way through a transaction.
        with requests_held_at(url, "annotations_taggedhighlight", "SHARE", WORKERS):
            before, after = crash_and_restart(database, down_for=1.0)
        restarted_at = time.time()
        more_saved(2 * STUDENTS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=RETRY_FOR + REQUEST_TIMEOUT)

    assert not any(thread.is_alive() for thread in threads), "a student is still waiting"
    errors = [f"{student.username}: {student.error!r}" for student in students if student.error]
    assert not errors, "\n".join(errors)
    rows = stored_highlights(url)
    assert_nothing_lost_or_half_written(rows, students)
    abandoned = [request for student in students for request in student.abandoned]
    assert not abandoned, f"{len(abandoned)} highlights never acknowledged in {RETRY_FOR} s"

    # The faults happened, and hit requests in flight.
    assert {after_commit, mid_transaction}.isdisjoint(app.worker_pids()), "workers killed"
    assert before != after, "PostgreSQL restarted"
    assert "automatic recovery in progress" in database.log_file.read_text(), "it crashed"
    failures = sum((student.failures for student in students), Counter())
    assert failures["connection"] >= 2, f"each killed worker dropped a request: {failures}"
    assert failures["5xx"] >= 1, f"requests failed while PostgreSQL was down: {failures}"
    acks = [ack for student in students for ack in student.acknowledged]
    created = {(row["owner"], row["client_key"]): row["created"] for row in rows}
    found_committed = [
        ack for ack in acks if ack.attempts > 1 and created[ack.request.key] < ack.sent_at
    ]
    assert found_committed, "no retry found its highlight committed: did the worker die first?"
    assert sum(ack.sent_at > restarted_at for ack in acks) >= STUDENTS, "saved after restart"
    print(
        f"\n{len(acks)} highlights acknowledged, {len(rows)} stored; failed attempts: "
        f"{dict(failures)}; {sum(ack.attempts > 1 for ack in acks)} acknowledged on a retry, "
        f"{len(found_committed)} of them committed by an attempt that got no answer"
    )


def assert_nothing_lost_or_half_written(rows: list[dict], students: list[Student]) -> None:
    """Each acknowledged highlight stored once, as sent; every stored one whole."""
    stored = Counter((row["owner"], row["client_key"]) for row in rows)
    twice = [key for key, count in stored.items() if count > 1]
    assert not twice, f"highlights stored twice: {twice}"
    by_key = {(row["owner"], row["client_key"]): row for row in rows}
    acks = [ack for student in students for ack in student.acknowledged]
    lost = [ack.request.key for ack in acks if ack.request.key not in by_key]
    assert not lost, f"{len(lost)} of {len(acks)} acknowledged highlights are missing: {lost}"
    other_card = [ack.pk for ack in acks if ack.pk != by_key[ack.request.key]["id"]]
    assert not other_card, f"acknowledged with the card of another highlight: {other_card}"
    sent = {request.key: request for student in students for request in student.sent}
    unasked = [row for key, row in by_key.items() if key not in sent]
    assert not unasked, f"highlights no student sent: {unasked}"
    # Acknowledged or not: never a highlight without its tags or glossary links.
    half_written = {
        row["id"]: unlike for key, row in by_key.items() if (unlike := differences(row, sent[key]))
    }
    assert not half_written, f"stored unlike sent, as (stored, sent): {half_written}"
