from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from annotations.demo import DEMO_PASSWORD


def run(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_demo_accounts_and_prints_the_logins(db, settings):
    settings.DEBUG = True

    output = run()

    for username in ["teacher", "student1", "student2", "student3"]:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None
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
