"""Simulated students for the load benchmark: locust users that send what the browser sends.

A student logs in with the login form, reads articles within the class's assignment and
highlights passages the way static/js/highlighter.js and htmx do: the selection opens
the editor (GET, htmx), and Save posts the editor's fields (htmx, target #panel) with the
CSRF token from `hx-headers`. Passages are real: sentences or runs of words of the
article, cut in code points with `annotations.anchoring.quote_at`, as the browser reports
them. Every answer is checked, and each saved highlight is written in the run's ledger,
which bench/load.py compares with the database afterwards.

The user classes read their run (the class, the articles, the ledger) from `Student.shared`,
which bench/load.py sets before each phase.
"""

import random
import re
import uuid
from dataclasses import dataclass, field
from http.cookiejar import Cookie
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, constant, task
from locust.exception import StopUser

from annotations.anchoring import Anchor, quote_at

PASSWORD = "load-test-password"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
# The card of a highlight just saved links to its edit form; the list below it does not.
SAVED_CARD = re.compile(rb'href="/highlights/(\d+)/edit/"')
CHECKED_ENTRY = re.compile(rb'name="glossary_entries" value="(\d+)" checked')
WORD = re.compile(r"\S+")

NOTES = [
    "",
    "",
    "Evidence that Stalin approved the attack in advance.",
    "Compare with the Soviet archives.\nAsk about this in class.",
    "Why 1950 and not 1949?",
    "스탈린의 승인: Kim Il-sung's visit to Moscow",
    'Shtykov\'s telegram says "the whole plan" — check the date.',
    "The author relies on a single source here.",
]
# Seconds between two actions of a student (see bench/load.py for why these).
CREATE_THINK = (1, 3)
CLASS_THINK = (5, 15)
TAGS = ["evidence", "motive", "archives", "Stalin", "Kim Il-sung", "question", "cold war", "38th"]


@dataclass(frozen=True)
class Article:
    """An article of the assignment: its text, sentences, and the glossary's mentions."""

    slug: str
    revision: int
    text: str
    sentences: list[tuple[int, int]]
    mentions: list[tuple[int, int, int]]  # (start, end, entry id)

    def passage(self, rng: random.Random) -> Anchor:
        """A sentence, or a run of two to eight of its words, as a reader would select it."""
        start, end = rng.choice(self.sentences)
        words = [(m.start() + start, m.end() + start) for m in WORD.finditer(self.text[start:end])]
        if len(words) > 3 and rng.random() < 0.5:
            first = rng.randrange(len(words) - 2)
            last = min(len(words), first + rng.randint(2, 8)) - 1
            start, end = words[first][0], words[last][1]
        return quote_at(self.text, start, end)

    def entries_near(self, start: int, end: int, reach: int = 300) -> list[int]:
        """Glossary entries named in or near a passage, as the editor suggests them."""
        return sorted(
            {entry for _, m_end, entry in self.mentions if start - reach < m_end < end + reach}
        )


@dataclass
class Ledger:
    """What the server said it saved: the note of each highlight, by client key."""

    notes: dict[str, str] = field(default_factory=dict)

    def clear(self) -> None:
        self.notes.clear()


@dataclass
class Run:
    """What the simulated students share during one phase of the benchmark."""

    assignment: int
    articles: list[Article]
    entry_slugs: list[str]
    usernames: list[str]
    # A student's cookies and CSRF token, kept across phases: they log in once per run.
    sessions: dict[str, tuple[list[Cookie], str]]
    ledger: Ledger = field(default_factory=Ledger)
    phase: str = ""
    mode: str = "idle"  # for the saturating students: "idle", "trivial" or "create"
    ready: int = 0  # students logged in (or failed to) in this phase
    busy: int = 0  # saturating students with a request in flight
    go: Event = field(default_factory=Event)
    _next: int = 0

    def next_username(self) -> str:
        username = self.usernames[self._next]
        self._next += 1
        return username


class Student(FastHttpUser):
    abstract = True
    shared: Run
    # The server's sync workers take one request at a time; queued ones may wait a while.
    network_timeout = 120.0
    connection_timeout = 120.0

    def on_start(self) -> None:
        run = self.shared
        self.username = run.next_username()
        self.rng = random.Random(f"{run.phase}-{self.username}")
        # (pk, client key, article) of the highlights this student made in this phase
        self.mine: list[tuple[int, str, Article]] = []
        try:
            self.log_in()
        finally:
            run.ready += 1
        run.go.wait()
        gevent.sleep(self.wait_time())  # start out of step, as a class does

    # Pages -------------------------------------------------------------------------

    def reading_url(self, article: Article) -> str:
        return f"/assignments/{self.shared.assignment}/documents/{article.slug}/"

    def form_headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.host,
        }

    def htmx_headers(self, page: str) -> dict[str, str]:
        """What htmx adds inside #panel, with the token from <body hx-headers>."""
        return {
            "HX-Request": "true",
            "HX-Target": "panel",
            "HX-Current-URL": self.host + page,
            "X-CSRFToken": self.csrf_token,
            "Origin": self.host,
        }

    def log_in(self) -> None:
        saved = self.shared.sessions.get(self.username)
        if saved:
            cookies, self.csrf_token = saved
            for cookie in cookies:
                self.client.cookiejar.set_cookie(cookie)
            return
        with self.client.get("/accounts/login/", name="log in: form", catch_response=True) as r:
            match = CSRF_FIELD.search(r.text or "")
            if r.status_code != 200 or not match:
                r.failure(f"no login form ({r.status_code})")
                raise StopUser
        body = {
            "csrfmiddlewaretoken": match.group(1),
            "username": self.username,
            "password": PASSWORD,
            "next": "",
        }
        with self.client.post(
            "/accounts/login/",
            data=urlencode(body),
            headers=self.form_headers(),
            allow_redirects=False,
            name="log in",
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"login refused ({r.status_code})")
                raise StopUser
            r.success()
        # Logging in rotates the CSRF token: take the one the first page carries.
        page = self.read(self.shared.articles[0])
        match = CSRF_HEADER.search(page or "")
        if not match:
            raise StopUser
        self.csrf_token = match.group(1)
        self.shared.sessions[self.username] = (list(self.client.cookiejar), self.csrf_token)

    def read(self, article: Article) -> str | None:
        url = self.reading_url(article)
        with self.client.get(url, name="GET reading view", catch_response=True) as r:
            if r.status_code != 200 or 'id="reading-text"' not in (r.text or ""):
                r.failure(f"reading view: {r.status_code}")
                return None
            return r.text

    def open_editor(self, article: Article, anchor: Anchor) -> bool:
        """The selection form: what highlighter.js fills in, sent by htmx."""
        query = urlencode(
            {
                "start": anchor.start,
                "end": anchor.end,
                "exact": anchor.exact,
                "prefix": anchor.prefix,
                "suffix": anchor.suffix,
                "revision": article.revision,
                "assignment": self.shared.assignment,
            }
        )
        url = f"/documents/{article.slug}/highlights/new/?{query}"
        headers = self.htmx_headers(self.reading_url(article))
        with self.client.get(url, headers=headers, name="GET editor", catch_response=True) as r:
            if r.status_code != 200 or b'name="client_key"' not in r.content:
                r.failure(f"editor: {r.status_code}")
                return False
            return True

    def note_fields(self) -> tuple[str, list[tuple[str, str]]]:
        """A note, tags and visibility as a student fills them in."""
        note = self.rng.choice(NOTES)
        tags = self.rng.sample(TAGS, self.rng.choice([0, 0, 1, 1, 2]))
        visibility = self.rng.choice(["private", "class"])
        return note, [("note", note), ("tags", ", ".join(tags)), ("visibility", visibility)]

    def create(self, article: Article, anchor: Anchor) -> None:
        """Save: the editor's fields, posted by htmx into #panel."""
        note, fields = self.note_fields()
        entries = article.entries_near(anchor.start, anchor.end)
        if entries and self.rng.random() < 0.4:
            fields.append(("glossary_entries", str(self.rng.choice(entries))))
        key = str(uuid.uuid4())
        fields += [
            ("csrfmiddlewaretoken", self.csrf_token),
            ("start", str(anchor.start)),
            ("end", str(anchor.end)),
            ("exact", anchor.exact),
            ("prefix", anchor.prefix),
            ("suffix", anchor.suffix),
            ("revision", str(article.revision)),
            ("client_key", key),
            ("assignment", str(self.shared.assignment)),
        ]
        with self.client.post(
            f"/documents/{article.slug}/highlights/new/",
            data=urlencode(fields),
            headers={**self.form_headers(), **self.htmx_headers(self.reading_url(article))},
            name="POST new highlight",
            catch_response=True,
        ) as r:
            saved = SAVED_CARD.search(r.content or b"")
            if r.status_code != 200 or b"Highlight saved." not in r.content or not saved:
                r.failure(f"create: {r.status_code}")
                return
        self.mine.append((int(saved.group(1)), key, article))
        self.shared.ledger.notes[key] = note

    def edit(self) -> None:
        """Edit, from the highlight's card: the form into #panel, then Save."""
        pk, key, article = self.rng.choice(self.mine)
        page = f"/highlights/{pk}/edit/"
        headers = self.htmx_headers(self.reading_url(article))
        with self.client.get(page, headers=headers, name="GET edit form", catch_response=True) as r:
            if r.status_code != 200 or b"Edit highlight" not in r.content:
                r.failure(f"edit form: {r.status_code}")
                return
            linked = [entry.decode() for entry in CHECKED_ENTRY.findall(r.content)]
        self.wait()  # rewriting the note
        note, fields = self.note_fields()
        note = f"{note} (revised)".strip()
        fields[0] = ("note", note)
        fields += [("glossary_entries", entry) for entry in linked]  # left as they were
        fields.append(("csrfmiddlewaretoken", self.csrf_token))
        with self.client.post(
            page,
            data=urlencode(fields),
            headers={**self.form_headers(), **headers},
            name="POST edit",
            catch_response=True,
        ) as r:
            if r.status_code != 200 or b"Highlight updated." not in r.content:
                r.failure(f"edit: {r.status_code}")
                return
        self.shared.ledger.notes[key] = note

    def delete(self) -> None:
        """Delete, from the card: the confirmation into #panel, then Delete."""
        mine = self.rng.choice(self.mine)
        pk, key, article = mine
        page = f"/highlights/{pk}/delete/"
        headers = self.htmx_headers(self.reading_url(article))
        with self.client.get(
            page, headers=headers, name="GET delete form", catch_response=True
        ) as r:
            if r.status_code != 200 or b"Delete this highlight?" not in r.content:
                r.failure(f"delete form: {r.status_code}")
                return
        with self.client.post(
            page,
            data=urlencode({"csrfmiddlewaretoken": self.csrf_token}),
            headers={**self.form_headers(), **headers},
            name="POST delete",
            catch_response=True,
        ) as r:
            if r.status_code != 200 or b"Highlight deleted." not in r.content:
                r.failure(f"delete: {r.status_code}")
                return
        self.mine.remove(mine)
        del self.shared.ledger.notes[key]

    def highlight_passage(self) -> None:
        """Select a passage, write the note, save."""
        article = self.rng.choice(self.shared.articles)
        anchor = article.passage(self.rng)
        if self.open_editor(article, anchor):
            self.wait()  # writing the note
            self.create(article, anchor)


class CreatingStudent(Student):
    """Phase a: reads sometimes, mostly highlights."""

    wait_time = between(*CREATE_THINK)

    @task(1)
    def read_article(self) -> None:
        self.read(self.rng.choice(self.shared.articles))

    @task(3)
    def highlight(self) -> None:
        self.highlight_passage()


class SaturatingStudent(Student):
    """Phase b: no think time; asks for /healthz or saves highlights, as the run's mode says."""

    wait_time = constant(0)

    @task
    def work(self) -> None:
        mode = self.shared.mode
        if mode == "idle":
            gevent.sleep(0.05)
            return
        self.shared.busy += 1
        try:
            if mode == "trivial":
                with self.client.get("/healthz", name="GET /healthz", catch_response=True) as r:
                    if r.status_code != 200 or r.content != b"ok\n":
                        r.failure(f"healthz: {r.status_code}")
            else:
                article = self.rng.choice(self.shared.articles)
                self.create(article, article.passage(self.rng))
        finally:
            self.shared.busy -= 1


class ClassStudent(Student):
    """Phase c: a class at work: reading, highlighting, revising, browsing."""

    wait_time = between(*CLASS_THINK)

    @task(4)
    def read_article(self) -> None:
        self.read(self.rng.choice(self.shared.articles))

    @task(3)
    def highlight(self) -> None:
        self.highlight_passage()

    @task(1)
    def edit_highlight(self) -> None:
        if self.mine:
            self.edit()
        else:
            self.highlight_passage()

    @task(1)
    def delete_highlight(self) -> None:
        # Deletes only when there are a few, so that most work stays.
        if len(self.mine) > 2:
            self.delete()
        else:
            self.highlight_passage()

    @task(1)
    def my_highlights(self) -> None:
        with self.client.get("/highlights/", name="GET my highlights", catch_response=True) as r:
            if r.status_code != 200 or b"My highlights" not in r.content:
                r.failure(f"my highlights: {r.status_code}")

    @task(1)
    def glossary_entry(self) -> None:
        slug = self.rng.choice(self.shared.entry_slugs)
        with self.client.get(
            f"/glossary/{slug}/", name="GET glossary entry", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"glossary entry: {r.status_code}")
