"""Two app servers, one database: a student's session works on either (docs/DEPLOY.md).

The app servers keep nothing of their own (sessions, log-in throttling and work are in
PostgreSQL), so a load balancer may send each request to any of them. Two gunicorn
servers on two ports run with production settings against the test database; a student
logs in on one, reads and highlights on the other, and logs out on the first.
"""

import html
import re
import urllib.parse

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from annotations.anchoring import quote_at
from tests.app_server import database_url, production_environment, serve
from tests.faults import Student
from tests.helpers import PASSWORD

PASSAGE = "Stalin was hardly surprised."


@pytest.mark.django_db(transaction=True)
def test_a_students_session_works_on_either_app_server(document, student, tmp_path):
    # Production settings hash with PBKDF2 (the tests' fast hasher is not among theirs).
    hasher = PBKDF2PasswordHasher()
    student.password = hasher.encode(PASSWORD, hasher.salt())
    student.save(update_fields=["password"])
    start = document.text.index(PASSAGE)
    environment = production_environment(database_url())

    with (
        serve(environment, workers=1, log=tmp_path / "first.log") as first,
        serve(environment, workers=1, log=tmp_path / "second.log") as second,
    ):
        assert first.url != second.url
        browser = Student(
            base_url=first.url,
            username=student.username,
            password=PASSWORD,
            document_slug=document.slug,
            revision=document.revision,
            passages=[(quote_at(document.text, start, start + len(PASSAGE)), ())],
            tag_pool=("evidence",),
        )
        browser.log_in()  # on the first

        browser.base_url = second.url
        status, page = browser.fetch("/highlights/")
        assert status == 200, page[:500]
        assert "Min-jun Kim" in page  # logged in here too, by the same cookie
        request = browser.compose(1)
        browser.send_until_acknowledged(request)
        assert [ack.request for ack in browser.acknowledged] == [request]
        assert not browser.failures

        browser.base_url = first.url
        status, page = browser.fetch("/highlights/")
        assert status == 200
        assert html.escape(request.note) in page  # saved through the second, seen on the first

        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = browser.fetch(
            "/accounts/logout/", urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
        )
        assert status == 302
        browser.base_url = second.url
        status, _ = browser.fetch("/highlights/")
        assert status == 302  # logged out everywhere: to the log-in page
