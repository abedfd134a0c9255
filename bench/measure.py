"""Measuring pages through Django's test client, and printing the figures as Markdown.

The machines are shared and noisy, so the pages a benchmark compares are measured side by
side: interleaved runs, each run in another order, against drift; medians. Server time is
the whole request through Django's middleware and templates, without the network.
"""

import statistics
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class Request:
    """One measured request."""

    ms: float  # server time
    sql_ms: float  # of which the queries, as the database driver saw them
    queries: int
    bytes: int  # of the response


@dataclass
class Page:
    """A page as one viewer sees it, and its measured requests."""

    client: Client
    url: str
    runs: list[Request] = field(default_factory=list)
    status: int = 200  # what every answer must be (304 for a poll with nothing new)

    def median(self, figure: str) -> float:
        return statistics.median(getattr(run, figure) for run in self.runs)

    @property
    def first(self) -> Request:
        """The first measured run: its query count and size stand for all of them."""
        return self.runs[0]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(client: Client, url: str, status: int = 200) -> Request:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == status, (url, response.status_code)
    sql = sum(float(query["time"]) for query in queries.captured_queries)
    return Request(elapsed * 1000, sql * 1000, len(queries), len(response.content))


def measure_interleaved(pages: list[Page], runs: int) -> None:
    """One request of each page to warm up (the session, caches, connections), then
    `runs` of each, every run starting with another page."""
    for page in pages:
        get(page.client, page.url, page.status)
    for run in range(runs):
        shift = run % len(pages)
        for page in pages[shift:] + pages[:shift]:
            page.runs.append(get(page.client, page.url, page.status))


def ratio(page: Page, baseline: Page) -> float:
    """Median server time of `page` against that of `baseline`."""
    return page.median("ms") / baseline.median("ms")


def markdown_table(columns: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
