"""The load benchmark's figures: locust's statistics and CPU time, as Markdown tables."""

import os
import time
from dataclasses import dataclass

import psutil
from locust.stats import StatsEntry

from tests.app_server import AppServer

COLUMNS = ["request", "requests", "failures", "req/s", "median ms", "p95 ms", "p99 ms"]


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    median: float
    p95: float
    p99: float

    @classmethod
    def of(cls, name: str, entry: StatsEntry, seconds: float) -> "Row":
        """One request's figures over `seconds` (locust rounds times above 100 ms to 10 ms)."""
        return cls(
            name=name,
            requests=entry.num_requests,
            failures=entry.num_failures,
            rps=entry.num_requests / seconds,
            median=entry.median_response_time,
            p95=entry.get_response_time_percentile(0.95),
            p99=entry.get_response_time_percentile(0.99),
        )

    def cells(self) -> list[str]:
        return [
            self.name,
            f"{self.requests:,}",
            f"{self.failures:,}",
            f"{self.rps:.1f}",
            f"{self.median:.0f}",
            f"{self.p95:.0f}",
            f"{self.p99:.0f}",
        ]


@dataclass(frozen=True)
class Usage:
    """CPU seconds used over `wall` seconds by gunicorn's workers and by locust."""

    workers: float
    locust: float
    wall: float

    def describe(self) -> str:
        cores = os.cpu_count() or 1
        return (
            f"CPU over the window, as a share of one core (the machine has {cores * 100}%): "
            f"gunicorn's workers {100 * self.workers / self.wall:.0f}%, "
            f"locust {100 * self.locust / self.wall:.0f}%"
        )


class CpuMeter:
    """Measures CPU time from start() to read(); CPU time is steadier than wall time
    on a machine others are using, as it does not count the time spent waiting for a core."""

    def __init__(self, server: AppServer):
        self.server = server
        self.start()

    def start(self) -> None:
        self._begin = self._now()

    def read(self) -> Usage:
        workers, locust, wall = (
            now - then for now, then in zip(self._now(), self._begin, strict=True)
        )
        return Usage(workers=workers, locust=locust, wall=wall)

    def _now(self) -> tuple[float, float, float]:
        own = psutil.Process().cpu_times()
        return worker_cpu(self.server), own.user + own.system, time.monotonic()


def worker_cpu(server: AppServer) -> float:
    """CPU seconds (user and system) gunicorn's workers have used since they started."""
    workers = psutil.Process(server.process.pid).children()
    return sum(sum(worker.cpu_times()[:2]) for worker in workers)
