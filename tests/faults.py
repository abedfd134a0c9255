"""Faults for tests/test_fault_tolerance.py, and students who retry through them.

gunicorn itself, whose sync workers the test SIGKILLs, is started by tests/app_server.py.

- `requests_held_at()`: every worker parked at one table inside its request, so that a
  fault lands at a known point (after the commit, or half-way through the transaction);
- `crash_and_restart()`: PostgreSQL stopped as a crash would (no checkpoint), restarted;
- `Student`: run in a thread, logs in and creates highlights, each with a fresh client
  key, retrying the same request with the same key after a connection error, a timeout
  or a 5xx, as a browser would, until it is acknowledged.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import http.cookiejar
import itertools
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from annotations.anchoring import Anchor
from korea_reader.embedded_db import EmbeddedPostgres
from tests.app_server import wait_for

REQUEST_TIMEOUT = 20  # seconds; longer than any fault the test injects
RETRY_FOR = 45  # seconds a student keeps retrying one highlight before giving up
RETRY_PAUSE = 0.2


# PostgreSQL ------------------------------------------------------------------------------


@contextlib.contextmanager
def requests_held_at(database_url: str, table: str, mode: str, requests: int) -> Iterator[None]:
    """Hold `requests` requests at `table`, each inside the app, until the block ends.

    A lock in ACCESS EXCLUSIVE mode stops the first query to read the table; one in
    SHARE mode stops the first write to it. The block starts once `requests` database
    sessions wait for the lock, directly or behind a transaction that waits for it (two
    requests creating the same new tag), and ends by releasing it, unless a crash did.
    """
    connection = psycopg.connect(database_url)
    try:
        connection.execute(
            sql.SQL("LOCK TABLE {} IN {} MODE").format(sql.Identifier(table), sql.SQL(mode))
        )
        try:
            wait_for(
                lambda: len(_held_behind(connection)) >= requests,
                f"{requests} requests to reach {table}",
            )
        except AssertionError as err:
            connection.execute("SELECT pg_stat_clear_snapshot()")  # see _held_behind
            sessions = connection.execute(
                "SELECT pid, pg_blocking_pids(pid), wait_event, left(query, 200)"
                " FROM pg_stat_activity WHERE datname = current_database()"
            ).fetchall()
            raise AssertionError(f"{err}; sessions:\n" + "\n".join(map(str, sessions))) from None
        yield
    finally:
        with contextlib.suppress(psycopg.OperationalError):
            connection.rollback()
        connection.close()


def _held_behind(connection: psycopg.Connection) -> set[int]:
    """The sessions that cannot go on until `connection` ends its transaction."""
    # pg_locks, not pg_stat_activity: a transaction sees the sessions of the latter as
    # they were at its first look, without those that connected since.
    waits = connection.execute(
        "SELECT DISTINCT pid, pg_blocking_pids(pid) FROM pg_locks WHERE NOT granted"
    ).fetchall()
    held = {connection.info.backend_pid}
    while more := {pid for pid, blockers in waits if pid not in held and held & set(blockers)}:
        held |= more
    return held - {connection.info.backend_pid}


def postmaster_pid(server: EmbeddedPostgres) -> int:
    return int((server.pgdata / "postmaster.pid").read_text().split()[0])


def crash_and_restart(server: EmbeddedPostgres, *, down_for: float) -> tuple[int, int]:
    """Stop PostgreSQL as a crash would, then start it; (pid before, pid after).

    Immediate mode kills every server process without a checkpoint: the next start
    recovers from the write-ahead log, so only what was committed survives.
    """
    before = postmaster_pid(server)
    server.stop(mode="immediate")
    time.sleep(down_for)
    server.start()
    return before, postmaster_pid(server)


# Students --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HighlightRequest:
    """One highlight as the editor posts it; retried as it is, key included."""

    owner: str
    client_key: str
    anchor: Anchor
    note: str
    tags: tuple[str, ...]
    entries: tuple[int, ...]
    visibility: str

    @property
    def key(self) -> tuple[str, str]:
        """What makes it one highlight, however often it is sent."""
        return self.owner, self.client_key

    def form(self, revision: int) -> bytes:
        return urllib.parse.urlencode(
            {
                "start": self.anchor.start,
                "end": self.anchor.end,
                "exact": self.anchor.exact,
                "prefix": self.anchor.prefix,
                "suffix": self.anchor.suffix,
                "revision": revision,
                "note": self.note,
                "tags": ", ".join(self.tags),
                "visibility": self.visibility,
                "glossary_entries": self.entries,
                "client_key": self.client_key,
            },
            doseq=True,
        ).encode()


@dataclass(frozen=True)
class Acknowledged:
    request: HighlightRequest
    pk: int  # of the card the server answered with
    attempts: int
    sent_at: float  # time.time() when the acknowledged attempt was sent


class UnexpectedResponse(Exception):
    pass


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect here means a lost session or a refused form, never an acknowledgement.
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Student:
    """A student at a browser: logs in, then highlights until `stop` is set."""

    base_url: str
    username: str
    password: str
    document_slug: str
    revision: int
    passages: list[tuple[Anchor, tuple[int, ...]]]
    tag_pool: tuple[str, ...]
    sent: list[HighlightRequest] = field(default_factory=list)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    abandoned: list[HighlightRequest] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)  # "connection", "timeout", "5xx"
    error: BaseException | None = None

    def __post_init__(self):
        self.choices = random.Random(self.username)  # each student its own passages, every run
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )

    def run(self, stop: threading.Event) -> None:
        """The thread's body; the current highlight is seen through even once `stop` is set."""
        try:
            self.log_in()
            for number in itertools.count(1):
                if stop.is_set():
                    return
                request = self.compose(number)
                self.sent.append(request)
                self.send_until_acknowledged(request)
        except Exception as err:  # the test checks every student's `error`
            self.error = err

    def log_in(self) -> None:
        status, page = self.fetch("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise UnexpectedResponse(f"login page: {status}\n{page[:500]}")
        form = {"username": self.username, "password": self.password}
        status, page = self.fetch(
            "/accounts/login/",
            urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token.group(1)}).encode(),
        )
        if status != 302 or "sessionid" not in self._cookies():
            raise UnexpectedResponse(f"{self.username} could not log in: {status}\n{page[:500]}")

    def compose(self, number: int) -> HighlightRequest:
        placed, entries = self.choices.choice(self.passages)
        return HighlightRequest(
            owner=self.username,
            client_key=str(uuid.uuid4()),
            anchor=placed,
            note=f"{self.username}, note {number}: who decided, Stalin or Kim? — see p. 3",
            # A shared tag and one of its own: new tags are written in the transaction too.
            tags=(self.tag_pool[number % len(self.tag_pool)], f"{self.username} {number}"),
            entries=entries,
            visibility=("private", "class")[number % 2],
        )

    def send_until_acknowledged(self, request: HighlightRequest) -> None:
        path = f"/documents/{self.document_slug}/highlights/new/"
        headers = {
            # What htmx sends from the editor in the side panel.
            "HX-Request": "true",
            "HX-Target": "panel",
            "X-CSRFToken": self._cookies()["csrftoken"],
        }
        give_up = time.monotonic() + RETRY_FOR
        for attempt in itertools.count(1):
            sent_at = time.time()
            try:
                status, page = self.fetch(path, request.form(self.revision), headers)
            except (OSError, http.client.HTTPException) as err:
                reason = getattr(err, "reason", err)  # urllib wraps errors while sending
                self.failures["timeout" if isinstance(reason, TimeoutError) else "connection"] += 1
            else:
                if status == 200:
                    pk = acknowledged_pk(page, request)
                    self.acknowledged.append(Acknowledged(request, pk, attempt, sent_at))
                    return
                if status < 500:
                    raise UnexpectedResponse(f"{status} for {request}:\n{page[:1000]}")
                self.failures["5xx"] += 1
            if time.monotonic() > give_up:
                self.abandoned.append(request)
                return
            time.sleep(RETRY_PAUSE)

    def fetch(self, path: str, data: bytes | None = None, headers=None) -> tuple[int, str]:
        """(status, body) of a GET, or of a POST when `data` is given; no redirects."""
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.read().decode(errors="replace")

    def _cookies(self) -> dict[str, str]:
        return {cookie.name: cookie.value for cookie in self.cookies}


def acknowledged_pk(page: str, request: HighlightRequest) -> int:
    """The pk of the card the server answered with; raises unless it is this highlight's."""
    card = page.partition("Your highlight")[2]
    pk = re.search(r'href="/highlights/(\d+)/edit/"', card)
    if not pk or html.escape(request.note) not in card:
        raise UnexpectedResponse(f"200 without the saved card for {request}:\n{page[:1000]}")
    return int(pk.group(1))
