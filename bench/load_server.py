"""gunicorn on 127.0.0.1 with production settings, for the load benchmark.

`serve()` collects the static files into a temporary directory, starts gunicorn on a free
port, waits until /healthz answers, and stops gunicorn by its pid when the block ends,
however it ends (an error, Ctrl-C, SIGTERM).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@dataclass(frozen=True)
class Server:
    url: str
    pid: int  # gunicorn's master

    def worker_cpu(self) -> float:
        """CPU seconds (user and system) the workers have used since they started."""
        workers = psutil.Process(self.pid).children()
        return sum(sum(worker.cpu_times()[:2]) for worker in workers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(database_url: str, static_root: str) -> dict[str, str]:
    """Production settings (korea_reader/settings.py) over plain http on 127.0.0.1."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "korea_reader.settings",
        # collectstatic writes here, not into the checkout's staticfiles/.
        "STATIC_ROOT": static_root,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-not-a-secret-" + "x" * 30,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain http: no redirect to https, cookies not limited to https.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        # Every 4xx would otherwise be logged to the console by django.request.
        "LOG_LEVEL": "ERROR",
    }


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{log.read_text()}"
    )


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM lets the workers finish their request; SIGKILL if they do not within 10 s."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own process group: the workers too
        process.wait()


def _report_problems(log: Path) -> None:
    """gunicorn's own errors (a worker timed out or died) would otherwise go unseen."""
    problems = [
        line for line in log.read_text().splitlines() if "[ERROR]" in line or "[CRITICAL]" in line
    ]
    for line in problems:
        print(f"gunicorn: {line}", file=sys.stderr)


@contextmanager
def serve(database_url: str, workers: int):
    """Yield the Server: gunicorn serving Korea Reader with `workers` sync workers."""
    scratch = Path(tempfile.mkdtemp(prefix="korea-reader-load-"))
    env = production_environment(database_url, str(scratch / "static"))
    process = None
    # SIGTERM (a killed make, a CI timeout) unwinds like Ctrl-C, so gunicorn is stopped too.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity=0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port = free_port()
        log = scratch / "gunicorn.log"
        process = subprocess.Popen(
            [
                str(GUNICORN),
                "korea_reader.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--worker-class=sync",
                # The default, ~/.gunicorn/gunicorn.ctl, is shared by every gunicorn here.
                "--no-control-socket",
                f"--error-logfile={log}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
        )
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(url, process, log, timeout=60)
        yield Server(url=url, pid=process.pid)
    finally:
        if process is not None:
            _stop(process)
            _report_problems(log)
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(scratch, ignore_errors=True)
