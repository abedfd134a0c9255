import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from korea_reader.settings import env_bool, env_int, env_list

LONG_SECRET = "a-production-secret-that-is-long-and-random-enough-0123456789abcdefgh"


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("SOME_FLAG", raising=False)
    assert env_bool("SOME_FLAG", True) is True


def test_env_bool_fails_loudly_on_anything_else(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


def test_env_int_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "sixty")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be a whole number"):
        env_int("SOME_NUMBER", 60)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("SOME_HOSTS", " reader.example.org, ,www.example.org ")
    assert env_list("SOME_HOSTS", "") == ["reader.example.org", "www.example.org"]


def database_url_of_tests() -> str:
    """The URL of the database the tests use, for a fresh interpreter."""
    database = settings.DATABASES["default"]
    return (
        f"postgresql://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}"
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter, against the database the tests use."""
    environ = {**os.environ, "DATABASE_URL": database_url_of_tests(), **env}
    # The browser tests' async-safety switch is theirs alone, not production's.
    environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_a_non_postgres_database_url_is_refused():
    result = manage("check", DEBUG="1", DATABASE_URL="mysql://localhost/korea")

    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr


def test_a_bad_boolean_is_refused():
    result = manage("check", DEBUG="perhaps")

    assert result.returncode != 0
    assert "DEBUG must be 1/0" in result.stderr


def test_a_cap_per_user_name_at_or_below_the_one_per_address_is_refused():
    result = manage("check", DEBUG="1", AXES_FAILURE_LIMIT="5", LOGIN_FAILURES_PER_USERNAME="5")

    assert result.returncode != 0
    assert "LOGIN_FAILURES_PER_USERNAME must be above AXES_FAILURE_LIMIT" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    # As docs/DEPLOY.md sets them: the vocabulary named by the site's own address.
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=LONG_SECRET,
        VOCABULARY_URL="https://reader.example.org/ns",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_demo_accounts_cannot_be_loaded_in_production():
    result = manage("load_demo", DEBUG="0", SECRET_KEY=LONG_SECRET)

    assert result.returncode != 0
    assert "development only" in result.stderr


SAMESITE = "from django.conf import settings; print(settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE)"  # noqa: E501


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "0", "SECRET_KEY": LONG_SECRET}, "None None"),
        ({"DEBUG": "0", "SECRET_KEY": LONG_SECRET, "LTI_COOKIES_IN_FRAME": "0"}, "Lax Lax"),
        ({"DEBUG": "1"}, "Lax Lax"),
    ],
    ids=["production", "production without", "development"],
)
def test_cookies_reach_the_lms_frame_in_production_only(env, expected):
    result = manage("shell", "-c", SAMESITE, **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_cookies_in_the_lms_frame_need_secure_cookies():
    result = manage("check", DEBUG="1", LTI_COOKIES_IN_FRAME="1")

    assert result.returncode != 0
    assert "LTI_COOKIES_IN_FRAME needs secure cookies" in result.stderr


@pytest.mark.parametrize("address", ["reader.example.org/ns", "https://reader.example.org/ns#"])
def test_a_vocabulary_url_that_is_not_an_address_of_ns_is_refused(address):
    result = manage("check", DEBUG="1", VOCABULARY_URL=address)

    assert result.returncode != 0
    assert "VOCABULARY_URL must be the address of /ns" in result.stderr


def test_check_deploy_warns_of_a_vocabulary_left_at_the_development_address(settings):
    def warned() -> list[str]:
        return [
            m.id
            for m in run_checks(include_deployment_checks=True)
            if m.id.startswith("annotations.")
        ]

    settings.VOCABULARY_URL = "http://127.0.0.1:8000/ns"
    assert warned() == ["annotations.W001"]
    settings.VOCABULARY_URL = "https://reader.example.org/ns"
    assert warned() == []


PREPARED = """
from django.db import connection
with connection.cursor() as cursor:
    for _ in range(6):
        cursor.execute("SELECT 1 + %s", [1])
    cursor.execute("SELECT count(*) FROM pg_prepared_statements")
    options = connection.settings_dict["OPTIONS"]
    print(cursor.fetchone()[0], sorted(options))
"""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "1 ['connect_timeout', 'prepare_threshold', 'server_side_binding']"),
        ({"DATABASE_PREPARED_STATEMENTS": "0"}, "0 ['connect_timeout']"),
    ],
    ids=["by default", "turned off"],
)
def test_a_statement_run_a_fifth_time_is_prepared_unless_turned_off(env, expected):
    """PostgreSQL then plans it once for the connection; the URL's own options stay."""
    url = database_url_of_tests() + "?connect_timeout=10"
    result = manage("shell", "-c", PREPARED, DEBUG="1", DATABASE_URL=url, **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
