"""Backing up and restoring the app's database with the bundled pg_dump and pg_restore.

The tools come with the embedded server (PostgreSQL 18), whatever server the app uses:
pg_dump reads servers older than itself, so one pair of tools serves every deployment.
The password reaches them through a temporary password file, never the command line,
which other users of the machine can read in the process list.

The management commands `backup` and `restore` are the way in; see docs/DEPLOY.md.
"""

import os
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from korea_reader.embedded_db import BASE_DIR, EmbeddedPostgresError, _bin_dir, private_file

BACKUP_DIR = BASE_DIR / "backups"
# A custom-format archive starts "PGDMP", three version bytes, two size bytes, then its
# format: 1 is custom (3 is tar, 5 the toc.dat of a directory dump).
MAGIC = b"PGDMP"
CUSTOM_FORMAT = 1
# libpq's own list of connection keywords, and those it marks as secrets.
LIBPQ_KEYWORDS = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()}
SECRET_KEYWORDS = {
    option.keyword.decode()
    for option in psycopg.pq.Conninfo.get_defaults()
    if option.dispchar == b"*"
}


class BackupError(Exception):
    """A backup or restore that did not happen; the message says why."""


def default_path(now: datetime) -> Path:
    return BACKUP_DIR / f"korea-reader-{now:%Y%m%d-%H%M%S}.dump"


def describe(database: dict) -> str:
    """e.g. "korea_reader on 127.0.0.1:54329", for messages."""
    return f"{database['NAME']} on {database['HOST'] or 'localhost'}:{database['PORT'] or 5432}"


def dump(database: dict, path: Path) -> int:
    """Write a custom-format dump of `database` (Django's settings) to `path`; its size.

    pg_dump writes beside it first, so a failed backup never replaces a good one or
    leaves a file that looks like a backup.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        # It holds every student's work and the password hashes: readable by its owner
        # only from the first byte (pg_dump writes into the file as it finds it).
        private_file(partial)
        _run("pg_dump", database, "--format=custom", f"--file={partial}")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def check_dump(path: Path) -> None:
    """Refuse a path that is not a file made by pg_dump --format=custom."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    with path.open("rb") as file:
        header = file.read(11)
    if not (header.startswith(MAGIC) and len(header) == 11 and header[10] == CUSTOM_FORMAT):
        raise BackupError(
            f"{path} is not a pg_dump custom-format backup (the kind `make backup` writes, "
            f"or pg_dump --format=custom)."
        )


def restore(database: dict, path: Path) -> None:
    """Replace what the dump holds in `database` with the dump's contents, all or nothing."""
    check_dump(path)
    _run(
        "pg_restore",
        database,
        # Drop each object before re-creating it, and tolerate it not being there yet.
        "--clean",
        "--if-exists",
        # The objects belong to the user that restores, whoever owned them before.
        "--no-owner",
        "--no-privileges",
        # One transaction that stops at the first error: a failed restore changes nothing.
        "--single-transaction",
        "--exit-on-error",
        str(path),
    )


def _run(program: str, database: dict, *args: str) -> None:
    try:
        executable = str(_bin_dir() / program)
    except EmbeddedPostgresError as err:
        raise BackupError(str(err)) from None
    env = {key: value for key, value in os.environ.items() if key != "PGPASSWORD"}
    # --no-password: fail at once rather than wait for someone to type a password.
    command = [executable, "--no-password", f"--dbname={_conninfo(database)}", *args]
    with tempfile.NamedTemporaryFile("w", prefix="korea-reader-", suffix=".pgpass") as passfile:
        if database["PASSWORD"]:
            # Created readable by this user only, as libpq requires of a password file.
            passfile.write(f"*:*:*:*:{_passfile_escape(database['PASSWORD'])}\n")
            passfile.flush()
            env["PGPASSFILE"] = passfile.name
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(
            f"{program} failed (exit {result.returncode}) on {describe(database)}:\n"
            f"{result.stderr.strip()}"
        )


def _conninfo(database: dict) -> str:
    """Everything but the password, as a libpq connection string."""
    options = {key: value for key, value in database["OPTIONS"].items() if key in LIBPQ_KEYWORDS}
    secret = sorted(SECRET_KEYWORDS & options.keys())
    if secret:
        raise BackupError(
            f"The database OPTIONS hold {', '.join(secret)}, which would show in the process "
            f"list; set it in a libpq service file instead."
        )
    if database["PASSWORD"]:
        options.pop("passfile", None)  # ours holds the password Django uses
    return make_conninfo(
        dbname=database["NAME"] or None,
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        user=database["USER"] or None,
        **options,
    )


def _passfile_escape(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise BackupError("The database password contains a line break, which pg_dump cannot use.")
    return value.replace("\\", "\\\\").replace(":", "\\:")
