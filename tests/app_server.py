"""gunicorn serving Korea Reader on 127.0.0.1, for the tests and benchmarks that need a real
app server: the fault test, the two-app-servers test and the load benchmark.

- `production_environment()`: korea_reader/settings.py as deployed (DEBUG off), over plain
  http on 127.0.0.1, with WhiteNoise's manifest storage when given a STATIC_ROOT for
  `collectstatic`, or plain storage (tests/fault_settings.py) for servers that need none;
- `manage()`: a manage.py command in that environment (migrate, collectstatic, ...);
- `serve()`: gunicorn on a free port until the block ends, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz with all its workers


def database_url() -> str:
    """The URL of the database the tests run on, for a server to use."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    password = urllib.parse.quote(database["PASSWORD"], safe="")
    return (
        f"postgresql://{database['USER']}:{password}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(
    database_url: str, *, static_root: Path | None = None, log_level: str = "WARNING"
) -> dict[str, str]:
    """The environment of a production server, over plain http on 127.0.0.1.

    With `static_root`, the settings are korea_reader/settings.py unchanged, and
    `collectstatic` must write there first (not into the checkout's staticfiles/).
    """
    settings = "korea_reader.settings" if static_root else "tests.fault_settings"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "app-server-only-not-a-secret-" + "x" * 30,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain http: no redirect to https, cookies not limited to https.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": log_level,
    }
    if static_root:
        env["STATIC_ROOT"] = str(static_root)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@dataclass
class AppServer:
    process: subprocess.Popen  # gunicorn's master
    url: str
    log: Path

    def worker_pids(self) -> set[int]:
        """The master's children: its sync workers (zombies too, until it reaps them)."""
        pids: set[int] = set()
        for children in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            with contextlib.suppress(FileNotFoundError):
                pids.update(int(pid) for pid in children.read_text().split())
        return pids

    def kill_worker(self, pid: int, workers: int) -> None:
        """SIGKILL one worker, and wait until gunicorn has started another in its place."""
        assert pid in self.worker_pids(), f"{pid} is not a worker of gunicorn {self.process.pid}"
        os.kill(pid, signal.SIGKILL)
        self.wait_for(lambda: pid not in self.worker_pids(), f"worker {pid} to die")
        self.wait_for(lambda: len(self.worker_pids()) == workers, f"a worker instead of {pid}")

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        """wait_for(), with the end of gunicorn's log in the message if it times out."""
        try:
            wait_for(condition, what, timeout)
        except AssertionError as err:
            log = self.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{err}; gunicorn's log ends:\n{log}") from None

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({self.process.returncode})")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


@contextlib.contextmanager
def serve(
    env: dict[str, str], *, workers: int, log: Path, app_output_to_log: bool = True
) -> Iterator[AppServer]:
    """gunicorn with `workers` sync workers on a free port of 127.0.0.1 until the block ends.

    gunicorn's own messages go to `log`. So does what the app writes (Django's log, on
    stderr), unless `app_output_to_log` is false: then it is written to this process's
    stderr as it happens.
    """
    port = free_port()
    with open(log, "ab") as output:
        app_output = output if app_output_to_log else None
        process = subprocess.Popen(
            [
                str(GUNICORN),
                "korea_reader.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--worker-class=sync",
                # The default socket, ~/.gunicorn/gunicorn.ctl, is shared by every gunicorn.
                "--no-control-socket",
                f"--error-logfile={log}",
                "--log-level=warning",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=app_output,
            stderr=app_output,
            # Its own session: Ctrl-C reaches only us, and we stop it in order.
            start_new_session=True,
        )
    server = AppServer(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_for(server.healthy, "gunicorn to answer /healthz", START_TIMEOUT)
        server.wait_for(lambda: len(server.worker_pids()) == workers, f"{workers} workers")
        yield server
    finally:
        stop(process, group=True)  # its own session: the workers too


def stop(process: subprocess.Popen, *, group: bool = False) -> None:
    """SIGTERM lets a server finish its requests; SIGKILL if it does not in time (its
    whole process group, with `group`)."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait()
