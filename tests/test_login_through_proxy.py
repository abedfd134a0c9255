"""The log-in throttle behind a real nginx in front of gunicorn (docs/DEPLOY.md, "The proxy").

nginx is Debian's, run by the test as a foreground process with its own prefix, config,
pid and log files in a temporary directory, on a free port of 127.0.0.1; its `location`
block is the one in docs/DEPLOY.md, read from the document. Clients connect from
different loopback addresses (all of 127.0.0.0/8 is the machine itself on Linux) and
send whatever X-Forwarded-For they like.

- As documented, nginx appends the address it sees: a forged entry per guess changes
  nothing, five wrong passwords lock that user name at that address, and the same
  student from another address still logs in.
- Without the X-Forwarded-For line (the document before issue 15), the app reads the
  client's own forged header: each guess comes "from" a new address, and only the
  per-user-name cap (LOGIN_FAILURES_PER_USERNAME) stops it. The test counts the guesses
  it lets through, shows the right password refused once locked, and the teacher's
  "Unlock log-in" button letting the student in again.

Without nginx the tests skip, unless REQUIRE_BROWSER=1 (as in CI, which installs it).
"""

from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import subprocess
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.app_server import (
    BASE_DIR,
    database_url,
    free_port,
    production_environment,
    serve,
    stop,
    wait_for,
)
from tests.helpers import PASSWORD

NGINX = Path(os.environ.get("NGINX", "/usr/sbin/nginx"))
APPENDS_CLIENT = "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"
WRONG = "not-the-password"
LOCKED = "Too many failed log-ins"
CAP = 30  # LOGIN_FAILURES_PER_USERNAME's default
GUESSES_TRIED = 40  # more than any cap: without one, every guess is checked


def documented_location_blocks() -> str:
    """The nginx configuration in docs/DEPLOY.md, as written there."""
    text = (BASE_DIR / "docs" / "DEPLOY.md").read_text()
    block = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert block, "docs/DEPLOY.md has no ```nginx block"
    assert APPENDS_CLIENT in block[1], "the document's nginx block no longer appends the client"
    return block[1]


def without_the_forwarded_for_line(blocks: str) -> str:
    """The document's block as it was before issue 15: nothing appended."""
    return "\n".join(line for line in blocks.splitlines() if APPENDS_CLIENT not in line)


@contextlib.contextmanager
def nginx(locations: str, upstream: str, directory: Path) -> Iterator[str]:
    """nginx in the foreground with `locations` proxying to `upstream`, until the block ends."""
    directory.mkdir()
    port = free_port()
    temp = {name: directory / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    config = directory / "nginx.conf"
    config.write_text(
        f"""daemon off;
master_process off;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1;
{locations.replace("http://127.0.0.1:8000", upstream)}
    }}
}}
"""
    )
    process = subprocess.Popen(
        [str(NGINX), "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"nginx exited: {process.stderr.read().decode()}")
            with contextlib.suppress(OSError):
                return Visitor(url, "127.0.0.1").get("/healthz")[0] == 200
            return False

        wait_for(answers, "nginx to answer /healthz")
        yield url
    finally:
        stop(process)


@dataclass
class Visitor:
    """A browser of one: its own source address, its cookies, any headers it likes."""

    url: str
    source: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        parts = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=60, source_address=(self.source, 0)
        )
        sent = {**(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, value = header.split(";", 1)[0].split("=", 1)
                self.cookies[name] = value
            return response.status, response.read().decode(), response.getheader("Location")
        finally:
            connection.close()

    def get(self, path: str, headers=None):
        return self.request("GET", path, headers=headers)

    def post_form(self, page: str, data: dict, headers=None, button: str = ""):
        """GET the page, then POST `data` with its CSRF token to the action of the form
        holding `button` (the first form without it)."""
        status, body, _ = self.get(page, headers)
        assert status == 200, body[:500]
        chosen = body[body[: body.index(button)].rindex("<form") :] if button else body
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', chosen)[1]
        action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', chosen)[1])
        return self.request("POST", action, {"csrfmiddlewaretoken": token, **data}, headers)

    def log_in(self, username: str, password: str, forged: str | None = None):
        headers = {"X-Forwarded-For": forged} if forged else {}
        data = {"username": username, "password": password}
        return self.post_form("/accounts/login/", data, headers)


def forged(guess: int) -> str:
    return f"192.0.2.{guess % 250 + 1}, 198.51.{guess // 250}.{guess % 250 + 1}"


@pytest.fixture
def app_server(tmp_path, student, classmate, teacher, classroom):
    if not NGINX.exists():  # as tests/browser/conftest.py treats Chromium
        message = f"no nginx at {NGINX} (install the Debian package 'nginx')"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    # Production settings hash with PBKDF2 (the tests' fast hasher is not among theirs).
    hasher = PBKDF2PasswordHasher()
    for user in (student, classmate, teacher):
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
    environment = {**production_environment(database_url()), "BEHIND_TLS_PROXY": "1"}
    with serve(environment, workers=1, log=tmp_path / "gunicorn.log") as server:
        yield server


@pytest.mark.django_db(transaction=True)
def test_as_documented_a_forged_address_per_guess_is_still_locked_after_five(
    app_server, student, classmate, tmp_path
):
    with nginx(documented_location_blocks(), app_server.url, tmp_path / "nginx") as url:
        guesser = Visitor(url, "127.0.0.2")
        answers = [
            guesser.log_in(student.username, WRONG, forged(guess))[0] for guess in range(1, 8)
        ]
        right = guesser.log_in(student.username, PASSWORD, forged(99))
        from_home = Visitor(url, "127.0.0.3").log_in(student.username, PASSWORD)
        classmate_elsewhere = Visitor(url, "127.0.0.4").log_in(classmate.username, PASSWORD)

    assert answers == [200, 200, 200, 200, 429, 429, 429]
    assert right[0] == 429 and LOCKED in right[1]
    assert from_home[0] == 302, from_home[1][:500]  # counted apart: another address
    assert classmate_elsewhere[0] == 302


@pytest.mark.django_db(transaction=True)
def test_without_the_line_forged_addresses_are_stopped_by_the_per_user_name_cap(
    app_server, student, teacher, classroom, tmp_path
):
    old_document = without_the_forwarded_for_line(documented_location_blocks())
    with nginx(old_document, app_server.url, tmp_path / "nginx") as url:
        guesser = Visitor(url, "127.0.0.2")
        answers = [
            guesser.log_in(student.username, WRONG, forged(guess))[0]
            for guess in range(1, GUESSES_TRIED + 1)
        ]
        checked = answers.index(429) + 1 if 429 in answers else len(answers)
        print(f"\nthrough nginx without the line: {checked} guesses checked before the lock")
        assert answers == [200] * (CAP - 1) + [429] * (GUESSES_TRIED - CAP + 1)
        locked = Visitor(url, "127.0.0.3").log_in(student.username, PASSWORD)

        teacher_browser = Visitor(url, "127.0.0.4")
        assert teacher_browser.log_in(teacher.username, PASSWORD)[0] == 302
        class_page = f"/classes/{classroom.pk}/"
        unlock = f'Unlock log-in<span class="visually-hidden"> for {student.username}</span>'

        unlocked = teacher_browser.post_form(class_page, {}, button=unlock)
        after = Visitor(url, "127.0.0.3").log_in(student.username, PASSWORD)

    assert locked[0] == 429 and LOCKED in locked[1]  # the right password, from elsewhere
    assert unlocked[0] == 302
    assert after[0] == 302, after[1][:500]
