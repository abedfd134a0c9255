"""gunicorn for the load benchmark: tests/app_server.py's, with the static files as deployed.

`serve()` collects the static files into a temporary directory (WhiteNoise's manifest
storage, as in production), starts gunicorn there, and stops it when the block ends,
however it ends (an error, Ctrl-C, SIGTERM); then it prints what gunicorn logged as
errors. Django's own errors are printed as they happen.
"""

import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import app_server
from tests.app_server import AppServer, manage, production_environment


@contextmanager
def serve(database_url: str, workers: int) -> Iterator[AppServer]:
    """gunicorn serving Korea Reader with `workers` sync workers."""
    scratch = Path(tempfile.mkdtemp(prefix="korea-reader-load-"))
    log = scratch / "gunicorn.log"
    # SIGTERM (a killed make, a CI timeout) unwinds like Ctrl-C, so gunicorn is stopped too.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        static = scratch / "static"
        # Every 4xx would otherwise be logged to the console by django.request.
        env = production_environment(database_url, static_root=static, log_level="ERROR")
        manage(env, "collectstatic", "--no-input", "--verbosity=0")
        try:
            with app_server.serve(env, workers=workers, log=log, app_output_to_log=False) as server:
                yield server
        finally:
            _report_problems(log)
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(scratch, ignore_errors=True)


def _report_problems(log: Path) -> None:
    """gunicorn's own errors (a worker timed out or died) would otherwise go unseen."""
    problems = [
        line for line in log.read_text().splitlines() if "[ERROR]" in line or "[CRITICAL]" in line
    ]
    for line in problems:
        print(f"gunicorn: {line}", file=sys.stderr)
