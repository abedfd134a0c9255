"""The outbox's sender: scores waiting for the LMS's gradebook, sent (annotations/lti/grades.py).

`make run` starts it beside the development server; a deployment runs it as a service
(docs/DEPLOY.md). Any number may run at once: each row is locked while it is posted and
skipped by the others. `--once` sends what is due and exits.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from annotations.lti.grades import send_due


class Command(BaseCommand):
    help = "Sends the scores waiting in the outbox to the LMSs (Assignment and Grade Services)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds between looks at the outbox when nothing is due (default 5).",
        )

    def handle(self, *args, once: bool, interval: float, **options) -> None:
        if once:
            sent, failed = send_due()
            self.stdout.write(f"Sent {sent} score(s); {failed} failed and wait to be retried.")
            return
        state = {"stop": False, "sleeping": False}

        def stop(*_) -> None:
            # Between sends, at once; during one, once it is recorded.
            state["stop"] = True
            if state["sleeping"]:
                raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Sending grades every {interval:g} s (Ctrl-C stops it).")
        try:
            while not state["stop"]:
                close_old_connections()  # a database restarted meanwhile is found again
                sent, failed = send_due()
                if sent or failed:
                    self.stdout.write(f"Sent {sent} score(s); {failed} failed.")
                state["sleeping"] = True
                if not state["stop"]:
                    time.sleep(interval)
                state["sleeping"] = False
        except KeyboardInterrupt:
            pass
        self.stdout.write("The grade sender stopped.")
