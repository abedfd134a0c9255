"""Backups (docs/DEPLOY.md, "Backups"): the `backup` and `restore` commands.

A backup restored into an empty database must export exactly as the original does, and
hold as many rows in every table. A restore that is refused or fails leaves the database
as it was, and the password never appears on a command line.
"""

import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from annotations import writes
from annotations.models import Assignment, Highlight, Reply
from korea_reader import backup
from tests.helpers import make_user, place

# pg_dump and pg_restore work in connections of their own: they see only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def url(database: dict, name: str | None = None) -> str:
    user, password = quote(database["USER"], safe=""), quote(database["PASSWORD"], safe="")
    host, port = database["HOST"], database["PORT"]
    return f"postgresql://{user}:{password}@{host}:{port}/{name or database['NAME']}"


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """manage.py in a process of its own, on the database at `database_url`."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        check=True,
    )


def csv_export(database_url: str) -> bytes:
    return manage(database_url, "export_annotations", "--format", "csv-all").stdout


def row_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for (table,) in tables
        }


def back_up(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", "--output", str(path), stdout=out)
    return out.getvalue()


def restore(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def empty_database():
    """A new, empty database on the test server; dropped afterwards."""
    database = connection.settings_dict
    name = f"{database['NAME']}_restored"
    with psycopg.connect(url(database, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {**database, "NAME": name}
    with psycopg.connect(url(database, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def classwork(glossary, document, teacher, student, classmate, classroom, make_assignment):
    """An assignment and its highlights: notes, tags, glossary links, replies, one hidden."""
    assignment = make_assignment(
        classroom,
        title="Stalin and the war",
        documents=[document],
        required_entries=[glossary["joseph-stalin"]],
        suggested_tags=["evidence", "motive"],
        visibility=Assignment.Visibility.CLASS,
    )
    shared, _ = writes.create_highlight(
        owner=student,
        document=document,
        anchor=place(document, "Stalin was hardly surprised."),
        note="Why not?\nHe had approved the plan.",
        tags=["evidence", "=SUM(A1)"],
        visibility=Highlight.Visibility.CLASS,
        glossary_entries=[glossary["joseph-stalin"]],
        assignment=assignment,
    )
    hidden, _ = writes.create_highlight(
        owner=classmate,
        document=document,
        anchor=place(document, "Incheon landing"),
        note="한국어 and 😀",
        tags=["motive"],
        visibility=Highlight.Visibility.CLASS,
        assignment=assignment,
    )
    writes.set_hidden(
        highlight=hidden, classrooms=[assignment.classroom_id], hidden=True, by=teacher
    )
    writes.add_reply(
        highlight=shared, author=teacher, text="Which cable says so?", classroom=classroom.pk
    )
    writes.create_highlight(owner=teacher, document=document, anchor=place(document, "Gimpo"))
    return assignment


def test_it_restores_a_backup_into_an_empty_database_that_exports_identically(
    classwork, empty_database, tmp_path
):
    original = url(connection.settings_dict)
    restored = url(empty_database)
    path = tmp_path / "classwork.dump"

    back_up(path)
    manage(restored, "restore", str(path))

    expected = csv_export(original)
    assert expected.count(b"\n") > 3, "a header and the three highlights"
    assert "한국어 and 😀".encode() in expected
    assert csv_export(restored) == expected
    counts = row_counts(original)
    assert counts["annotations_reply"] == 1
    assert row_counts(restored) == counts


def test_it_writes_to_backups_by_default_and_prints_the_file_and_its_size(
    classwork, tmp_path, monkeypatch
):
    monkeypatch.setattr(backup, "BACKUP_DIR", tmp_path / "backups")
    out = io.StringIO()

    call_command("backup", stdout=out)

    [path] = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"korea-reader-\d{8}-\d{6}\.dump", path.name)
    assert f"to {path} ({path.stat().st_size:,} bytes)." in out.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "it holds password hashes"
    backup.check_dump(path)


def test_it_replaces_a_database_that_holds_work_when_told_yes(classwork, tmp_path):
    path = tmp_path / "before.dump"
    back_up(path)
    after = make_user("late_student", "Late", "Comer")
    Highlight.objects.filter(assignment=classwork).update(note="changed after the backup")

    output = restore(path, "--yes")

    assert not get_user_model().objects.filter(pk=after.pk).exists()
    assert not Highlight.objects.filter(note="changed after the backup").exists()
    assert Reply.objects.get().text == "Which cable says so?"
    assert "3 highlights and 3 users" in output


def test_it_refuses_to_replace_highlights_and_users_without_confirmation(classwork, tmp_path):
    path = tmp_path / "before.dump"
    back_up(path)
    make_user("late_student", "Late", "Comer")

    with pytest.raises(CommandError) as refused:
        restore(path)

    message = str(refused.value)
    assert "holds 3 highlights and 4 users" in message
    assert "--yes" in message
    assert f"make restore FILE={path} CONFIRM=yes" in message
    assert get_user_model().objects.filter(username="late_student").exists()


def test_it_refuses_a_missing_file(classwork, tmp_path):
    with pytest.raises(CommandError, match="There is no backup file at .*missing.dump"):
        restore(tmp_path / "missing.dump", "--yes")

    assert Highlight.objects.count() == 3


@pytest.mark.parametrize(
    "content",
    [
        b"-- PostgreSQL database dump\nDROP TABLE annotations_highlight;\n",
        b"",
        b"PGDMP",
        # A directory-format dump's table of contents starts like a custom-format file.
        b"PGDMP\x01\x10\x00\x04\x08\x05" + b"\x00" * 100,
    ],
    ids=["plain SQL", "empty", "truncated header", "directory format"],
)
def test_it_refuses_a_file_that_is_not_a_custom_format_dump(classwork, tmp_path, content):
    path = tmp_path / "not-a-dump.sql"
    path.write_bytes(content)

    with pytest.raises(CommandError, match="is not a pg_dump custom-format backup"):
        restore(path, "--yes")

    assert Highlight.objects.count() == 3


def test_it_shows_why_pg_restore_failed_and_changes_nothing(classwork, tmp_path):
    path = tmp_path / "whole.dump"
    back_up(path)
    cut = tmp_path / "cut.dump"
    # The table of contents comes first, the tables' rows after it: cut into the rows, so
    # that pg_restore has dropped and re-created tables by the time it fails.
    whole = path.read_bytes()
    cut.write_bytes(whole[: len(whole) * 9 // 10])
    make_user("late_student", "Late", "Comer")

    with pytest.raises(CommandError) as failed:
        restore(cut, "--yes")

    message = str(failed.value)
    assert "pg_restore failed" in message
    assert "pg_restore: error:" in message, "pg_restore's own words"
    assert "the database is as it was" in message
    assert get_user_model().objects.filter(username="late_student").exists()
    assert Highlight.objects.count() == 3


def test_it_reports_a_failing_pg_dump_and_leaves_no_file(tmp_path):
    database = {**connection.settings_dict, "PASSWORD": "not-the-password"}
    path = tmp_path / "never.dump"

    with pytest.raises(
        backup.BackupError, match="(?s)pg_dump failed .*password authentication failed"
    ):
        backup.dump(database, path)

    assert list(tmp_path.iterdir()) == []


def test_it_passes_the_password_in_a_file_never_on_the_command_line(
    empty_database, tmp_path, monkeypatch
):
    # A role of its own, with the characters a password file must escape.
    role, password = f"{empty_database['NAME']}_role", r"se:cr\et: kimchi 1950"
    with psycopg.connect(url(connection.settings_dict, "postgres"), autocommit=True) as conn:
        if not conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]:
            pytest.skip("creating a role needs a superuser")
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    calls = []
    real_run = subprocess.run

    def spy(command, **kwargs):
        calls.append((command, kwargs["env"], Path(kwargs["env"]["PGPASSFILE"]).read_text()))
        return real_run(command, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    monkeypatch.setenv("PGPASSWORD", "a stray one")
    try:
        backup.dump({**empty_database, "USER": role, "PASSWORD": password}, tmp_path / "a.dump")
    finally:
        with psycopg.connect(url(connection.settings_dict, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP ROLE "{role}"')

    [(command, env, passfile)] = calls
    assert not any("kimchi" in argument for argument in command)
    assert "PGPASSWORD" not in env
    assert passfile == "*:*:*:*:se\\:cr\\\\et\\: kimchi 1950\n"
    assert not Path(env["PGPASSFILE"]).exists(), "the password file is gone afterwards"


def test_the_dump_is_never_readable_by_others_while_it_is_written(classwork, tmp_path, monkeypatch):
    """pg_dump writes into a file that is the owner's alone from the start (it used to
    be made 0644 and narrowed to 0600 only after the dump)."""
    modes = []
    run = backup._run

    def watching(program, database, *args):
        partial = next(Path(arg.removeprefix("--file=")) for arg in args if "--file=" in arg)
        modes.append(stat.S_IMODE(partial.stat().st_mode) if partial.exists() else None)
        result = run(program, database, *args)
        modes.append(stat.S_IMODE(partial.stat().st_mode))
        return result

    monkeypatch.setattr(backup, "_run", watching)
    old_umask = os.umask(0)  # the most open a shell can leave it
    try:
        backup.dump(connection.settings_dict, tmp_path / "private.dump")
    finally:
        os.umask(old_umask)
    assert modes == [0o600, 0o600]


@pytest.mark.parametrize("target", ["backup", "restore"])
def test_a_file_name_given_to_make_is_never_run_by_the_shell(tmp_path, target):
    marker = tmp_path / "ran"
    # ($ is make's own: it expands $(...) to nothing before any shell sees it.)
    name = f"x`touch {marker}`';touch {marker};'\" y"
    result = subprocess.run(
        ["make", "-s", target, f"FILE={name}", "WITH_DB=printf '%s\\n'", "PY="],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not marker.exists()
    assert name in result.stdout.splitlines()  # handed on literally, as one argument
