from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from annotations.demo import DEMO_PASSWORD


def run(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_demo_accounts_and_prints_the_logins(db, settings):
    settings.DEBUG = True

    output = run()

    for username in ["teacher", "student1", "student2", "student3"]:
        # A request, as django-axes throttles log-ins per user name and address.
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None
        assert username in output
    assert "korea1950" in output


def test_it_is_idempotent(db, settings):
    settings.DEBUG = True
    run()

    output = run()

    assert get_user_model().objects.count() == 4
    assert "none (all exist)" in output


def test_if_empty_leaves_a_database_with_users_alone(db, settings, student):
    settings.DEBUG = True

    output = run("--if-empty")

    assert "not loaded" in output
    assert not get_user_model().objects.filter(username="teacher").exists()


def test_it_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="development only"):
        run()
    assert not get_user_model().objects.exists()


def test_it_creates_history_101_with_an_assignment_and_sample_work(db, settings, glossary):
    from datetime import timedelta

    from django.utils import timezone

    from annotations.models import Assignment, Classroom, Highlight

    settings.DEBUG = True
    before = timezone.now()

    output = run()

    classroom = Classroom.objects.get(name="History 101")
    assert "History 101 created" in output
    roles = dict(classroom.memberships.values_list("user__username", "role"))
    assert roles == {
        "teacher": "teacher",
        "student1": "student",
        "student2": "student",
        "student3": "student",
    }
    assignment = Assignment.objects.get(classroom=classroom)
    assert assignment.documents.count() == 3
    assert before + timedelta(days=7) <= assignment.due <= timezone.now() + timedelta(days=7)
    highlights = Highlight.objects.filter(assignment=assignment)
    assert highlights.count() == 5
    assert all(h.document.text[h.start : h.end] == h.exact for h in highlights)
    assert all(h.glossary_entries.exists() and h.tags.exists() for h in highlights)

    run()
    assert Classroom.objects.filter(name="History 101").count() == 1, "loading twice adds nothing"


def test_without_the_articles_it_creates_the_accounts_and_says_why_not_the_class(db, settings):
    settings.DEBUG = True

    output = run()

    assert "Demo class not created: Load the articles" in output
    assert get_user_model().objects.count() == 4
