"""CSV export: our streamed COPY against a raw COPY and against django-import-export.

    make bench-export             (or: DEBUG=1 .venv/bin/python bench/export.py)
    BENCH_SIZES=10000,100000 make bench-export      (other sizes; default 10k, 100k, 1M)

Builds, in its own database (korea_reader_bench), the largest number of highlights
asked for in a few SQL statements (INSERT ... SELECT FROM generate_series, seeded, so
every run has the same rows): 300 students in 10 classes, each class with an assignment,
across the three articles, 30% with a note (some made to look like spreadsheet formulas,
some with quotes, commas, line breaks and Korean), 60% tagged (15% twice), half linked
to a glossary entry (10% to two). Each size N exports the first N of them, in three ways,
interleaved (median of BENCH_RUNS runs, fewer for 1M):

- raw COPY: the very SQL of annotations.export.export_queryset run through psycopg's
  cursor.copy(), the bytes counted and dropped: the floor;
- ours: annotations.export.csv_chunks(export_queryset(...)) iterated as the view's
  StreamingHttpResponse would, the chunks counted and dropped; with the time to the
  first chunk (the header) and to the first row of data;
- django-import-export 4.4: a ModelResource over Highlight (14 of our 27 columns, the
  tags joined by a dehydrate method over prefetch_related, select_related for the owner
  and the document, chunk_size 2000 instead of its default 100) exporting the same
  rows in the same order via resource.export(queryset).csv. Above BENCH_IMPORT_EXPORT_MAX
  rows (default 100,000) it is not run: its time and memory are extrapolated linearly
  from the largest size it ran, and marked so (a lower bound: it pages with OFFSET).

Peak memory is that of Python allocations (tracemalloc) during one extra run of each,
not timed; for ours the growth of the process's resident set (VmHWM) is shown as well.
The data is deleted at the end, so the other benchmarks find the database as they left it.
"""

import os
import re
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from import_export import fields, resources  # noqa: E402

from annotations.export import COLUMNS, csv_chunks, export_queryset  # noqa: E402
from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import (  # noqa: E402
    Assignment,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    Membership,
    Tag,
)

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]
RUNS = os.environ.get("BENCH_RUNS")  # default: 5 up to 10k rows, 3 above
IMPORT_EXPORT_MAX = int(os.environ.get("BENCH_IMPORT_EXPORT_MAX", "100000"))
SEED = int(os.environ.get("BENCH_SEED", "1950"))
CLASSES, STUDENTS_PER_CLASS = 10, 30
PREFIX = "bench-export-"  # usernames; the classes are named "Bench export n"
BASE_URL = "https://reader.example.org"
TAGS = ["evidence", "motive", "archives", "Stalin", "propaganda", "question"]
NOTES = [
    "Compare with the Soviet archives, p. 12.",
    'He writes "hot war", not cold.',
    "=SUM(A1:A9) is not evidence",
    "- a counterpoint\nand a second line",
    "평양 (Pyongyang), June 1950",
    "+1 for this source",
    "@teacher: is this reliable?",
    "Who gave the order?",
]


def rows_per_second(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}"


def megabytes(size: float) -> str:
    return f"{size / 1e6:,.1f}"


# --- The data ------------------------------------------------------------------------------


def delete_bench_data() -> None:
    """Everything this benchmark made, in SQL (Django's cascade would load 1M objects)."""
    owners = "SELECT id FROM auth_user WHERE username LIKE %s"
    mine = f"SELECT id FROM annotations_highlight WHERE owner_id IN ({owners})"
    like = [PREFIX + "%"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM annotations_highlight_glossary_entries WHERE highlight_id IN ({mine})",
            like,
        )
        cursor.execute(
            f"DELETE FROM annotations_taggedhighlight WHERE content_object_id IN ({mine})", like
        )
        cursor.execute(f"DELETE FROM annotations_reply WHERE highlight_id IN ({mine})", like)
        cursor.execute(f"DELETE FROM annotations_highlight WHERE owner_id IN ({owners})", like)
    Classroom.objects.filter(name__startswith="Bench export ").delete()
    get_user_model().objects.filter(username__startswith=PREFIX).delete()


def build(total: int) -> int:
    """`total` highlights; returns the id of the first (the ids are consecutive)."""
    load_documents()
    load_glossary()
    delete_bench_data()
    User = get_user_model()
    unusable = make_password(None)
    classes = Classroom.objects.bulk_create(
        Classroom(name=f"Bench export {number}") for number in range(CLASSES)
    )
    documents = list(Document.objects.all())
    assignments = Assignment.objects.bulk_create(
        Assignment(
            classroom=classroom,
            title=f"Reading {number}: the outbreak of the war",
            due=timezone.now() + timedelta(days=7),
        )
        for number, classroom in enumerate(classes)
    )
    Assignment.documents.through.objects.bulk_create(
        Assignment.documents.through(assignment=assignment, document=document)
        for assignment in assignments
        for document in documents
    )
    users, memberships = [], []
    for number, classroom in enumerate(classes):
        teacher = User(username=f"{PREFIX}teacher-{number}", password=unusable, last_name="Teacher")
        users.append(teacher)
        memberships.append(Membership(classroom=classroom, user=teacher, role="teacher"))
        for seat in range(STUDENTS_PER_CLASS):
            student = User(
                username=f"{PREFIX}{number}-{seat}",
                password=unusable,
                first_name=f"Student {seat}",
                last_name=f"Class {number}",
            )
            users.append(student)
            memberships.append(Membership(classroom=classroom, user=student, role="student"))
    User.objects.bulk_create(users)
    Membership.objects.bulk_create(memberships)
    tags = [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]
    entries = list(GlossaryEntry.objects.order_by("slug").values_list("pk", flat=True)[:20])

    # r1..r5: independent pseudo-random non-negative integers per ordinal i, from PostgreSQL's
    # own integer hash with a seed, so that the rows do not depend on the plan.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            WITH docs AS (
                SELECT (row_number() OVER (ORDER BY position, id) - 1)::int AS k,
                       id, revision, text, length(text) AS n
                FROM annotations_document
            ), students AS (
                SELECT (row_number() OVER (ORDER BY u.id) - 1)::int AS k,
                       u.id AS user_id, a.id AS assignment_id
                FROM auth_user u
                JOIN annotations_membership m ON m.user_id = u.id AND m.role = 'student'
                JOIN annotations_assignment a ON a.classroom_id = m.classroom_id
                WHERE u.username LIKE %(like)s
            ), g AS (
                SELECT i,
                       (hashint8extended(i, %(seed)s) & 2147483647)::int AS r1,
                       (hashint8extended(i, %(seed)s + 1) & 2147483647)::int AS r2,
                       (hashint8extended(i, %(seed)s + 2) & 2147483647)::int AS r3,
                       (hashint8extended(i, %(seed)s + 3) & 2147483647)::int AS r4,
                       (hashint8extended(i, %(seed)s + 4) & 2147483647)::int AS r5
                FROM generate_series(0, %(total)s - 1) AS i
            )
            INSERT INTO annotations_highlight (
                revision, start, "end", exact, prefix, suffix, note, visibility, anchor_status,
                client_key, created, updated, document_id, owner_id, hidden, assignment_id
            )
            SELECT d.revision, p.start, p.start + p.len,
                   substr(d.text, p.start + 1, p.len),
                   substr(d.text, greatest(p.start - 31, 1), least(p.start, 32)),
                   substr(d.text, p.start + p.len + 1, 32),
                   CASE WHEN g.r4 %% 10 < 3
                        THEN (%(notes)s::text[])[1 + (g.r4 / 10) %% %(n_notes)s] ELSE '' END,
                   CASE WHEN g.r5 %% 10 < 6 THEN 'class' ELSE 'private' END,
                   'anchored',
                   md5(%(like)s || g.i)::uuid,
                   t.created, t.created + make_interval(secs => g.r4 %% 3600),
                   d.id, s.user_id, g.r5 %% 50 = 0,
                   CASE WHEN g.r3 %% 10 < 7 THEN s.assignment_id END
            FROM g
            JOIN docs d ON d.k = g.r1 %% (SELECT count(*) FROM docs)
            JOIN students s ON s.k = g.r2 %% (SELECT count(*) FROM students)
            CROSS JOIN LATERAL (SELECT 5 + g.r3 %% 196 AS len) l
            CROSS JOIN LATERAL (SELECT g.r4 %% (d.n - l.len) AS start, l.len) p
            CROSS JOIN LATERAL (
                SELECT timestamptz '2026-09-01 08:00:00+00'
                       + make_interval(secs => g.r5 %% (90 * 86400)) AS created
            ) t
            ORDER BY g.i
            """,
            {
                "like": PREFIX + "%",
                "seed": SEED,
                "total": total,
                "notes": NOTES,
                "n_notes": len(NOTES),
            },
        )
        cursor.execute(
            "SELECT min(h.id), max(h.id), count(*) FROM annotations_highlight h"
            " JOIN auth_user u ON u.id = h.owner_id WHERE u.username LIKE %s",
            [PREFIX + "%"],
        )
        first, last, count = cursor.fetchone()
        assert count == total and last - first + 1 == total, "the ids are consecutive"
        mine = "FROM annotations_highlight h WHERE h.id BETWEEN %(first)s AND %(last)s"
        params = {"first": first, "last": first + total - 1, "seed": SEED, "t": tags, "e": entries}
        # 60% one tag, 15% a second one (another tag); half one glossary entry, 10% two.
        cursor.execute(
            f"""
            WITH r AS (
                SELECT h.id, hashint8extended(h.id - %(first)s, %(seed)s + 10) & 2147483647 AS r
                {mine}
            )
            INSERT INTO annotations_taggedhighlight (content_object_id, tag_id)
            SELECT id, (%(t)s::bigint[])[1 + (r / 100) %% 6] FROM r WHERE r %% 100 < 60
            UNION ALL
            SELECT id, (%(t)s::bigint[])[1 + ((r / 100) %% 6 + 1 + (r / 1000) %% 5) %% 6]
            FROM r WHERE r %% 100 < 15
            """,
            params,
        )
        cursor.execute(
            f"""
            WITH r AS (
                SELECT h.id, hashint8extended(h.id - %(first)s, %(seed)s + 11) & 2147483647 AS r
                {mine}
            )
            INSERT INTO annotations_highlight_glossary_entries (highlight_id, glossaryentry_id)
            SELECT id, (%(e)s::bigint[])[1 + (r / 100) %% 20] FROM r WHERE r %% 100 < 50
            UNION ALL
            SELECT id, (%(e)s::bigint[])[1 + ((r / 100) %% 20 + 1 + (r / 2000) %% 19) %% 20]
            FROM r WHERE r %% 100 < 10
            """,
            params,
        )
    with connection.cursor() as cursor:
        for table in (
            "annotations_highlight",
            "annotations_taggedhighlight",
            "annotations_highlight_glossary_entries",
            "auth_user",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return first


# --- The three exports ---------------------------------------------------------------------


class HighlightResource(resources.ModelResource):
    """What a Django team would write with django-import-export."""

    owner = fields.Field(attribute="owner__username", column_name="owner")
    document = fields.Field(attribute="document__slug", column_name="document")
    tags = fields.Field(column_name="tags")

    class Meta:
        model = Highlight
        fields = (
            "id",
            "created",
            "updated",
            "owner",
            "document",
            "start",
            "end",
            "exact",
            "prefix",
            "suffix",
            "note",
            "visibility",
            "anchor_status",
            "tags",
        )
        export_order = fields
        chunk_size = 2000

    def dehydrate_tags(self, highlight: Highlight) -> str:
        return "; ".join(sorted(tag.name for tag in highlight.tags.all()))


def raw_copy(highlights, rows: int) -> dict:
    sql, params = export_queryset(highlights, BASE_URL).query.sql_with_params()
    size = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for data in copy:
                size += len(data)
        elapsed = time.perf_counter() - started
        copied = cursor.cursor.rowcount
    assert copied == rows, (copied, rows)
    return {"seconds": elapsed, "bytes": size}


def ours(highlights, rows: int) -> dict:
    size = chunks = 0
    first_chunk = first_row = None
    started = time.perf_counter()
    for chunk in csv_chunks(export_queryset(highlights, BASE_URL)):
        if first_chunk is None:
            first_chunk = time.perf_counter() - started
        elif first_row is None:
            first_row = time.perf_counter() - started
        size += len(chunk)
        chunks += 1
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "bytes": size,
        "first_chunk": first_chunk,
        "first_row": first_row,
        "chunks": chunks,
    }


def import_export(highlights, rows: int) -> dict:
    started = time.perf_counter()
    queryset = (
        highlights.select_related("owner", "document")
        # Without it, every row would bring its article's whole text along.
        .only(*HighlightResource.Meta.fields[:-1], "owner__username", "document__slug")
        .prefetch_related("tags")
        .order_by("document__position", "start", "pk")
    )
    dataset = HighlightResource().export(queryset)
    data = dataset.csv.encode()
    elapsed = time.perf_counter() - started
    assert len(dataset) == rows, (len(dataset), rows)
    return {"seconds": elapsed, "bytes": len(data)}


METHODS = {"raw COPY": raw_copy, "ours": ours, "django-import-export": import_export}


def _rss_kib() -> dict[str, int]:
    status = Path("/proc/self/status").read_text()
    return {key: int(value) for key, value in re.findall(r"(VmHWM|VmRSS):\s+(\d+)", status)}


def peak_python_memory(method, highlights, rows: int) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        method(highlights, rows)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def rss_growth_kib(method, highlights, rows: int) -> int | None:
    """Growth of the resident set's high-water mark during one run (Linux only)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        return None
    before = _rss_kib()["VmRSS"]
    method(highlights, rows)
    return _rss_kib()["VmHWM"] - before


# --- Measuring -----------------------------------------------------------------------------


def measure(first: int, rows: int) -> dict:
    highlights = Highlight.objects.filter(pk__gte=first, pk__lt=first + rows)
    assert highlights.count() == rows
    runs = int(RUNS) if RUNS else (5 if rows <= 10_000 else 3)
    methods = [name for name in METHODS if name != "django-import-export"]
    if rows <= IMPORT_EXPORT_MAX:
        methods.append("django-import-export")
    raw_copy(highlights, rows)  # warm the caches; not counted
    results = {name: [] for name in methods}
    for run in range(runs):
        # Interleaved, each run starting with another method, against drift on a shared box.
        for name in methods[run % len(methods) :] + methods[: run % len(methods)]:
            results[name].append(METHODS[name](highlights, rows))
    memory = {name: peak_python_memory(METHODS[name], highlights, rows) for name in methods}
    return {
        "rows": rows,
        "runs": runs,
        "results": results,
        "memory": memory,
        "rss": rss_growth_kib(ours, highlights, rows),
    }


def median(results: list[dict], key: str) -> float:
    return statistics.median(result[key] for result in results)


def report(measured: dict, extrapolate_from: dict | None) -> dict:
    """Print the table for one size; returns its figures for the summary."""
    rows, results, memory = measured["rows"], measured["results"], measured["memory"]
    figures = {}
    for name in METHODS:
        if name in results:
            figures[name] = {
                "seconds": median(results[name], "seconds"),
                "bytes": results[name][0]["bytes"],
                "memory": memory[name],
                "estimated": False,
            }
        elif extrapolate_from:
            base = extrapolate_from["figures"][name]
            scale = rows / extrapolate_from["rows"]
            figures[name] = {
                "seconds": base["seconds"] * scale,
                "bytes": base["bytes"] * scale,
                "memory": base["memory"] * scale,
                "estimated": True,
                "from": extrapolate_from["rows"],
            }
    print(f"\n### {rows:,} highlights ({measured['runs']} interleaved runs, medians)\n")
    print("| export | seconds | rows/s | CSV MB | peak memory (Python) |")
    print("|---|---|---|---|---|")
    for name, figure in figures.items():
        mark = "~" if figure["estimated"] else ""
        label = name + (f" (extrapolated from {figure['from']:,})" if mark else "")
        print(
            f"| {label} | {mark}{figure['seconds']:.2f} | "
            f"{mark}{rows_per_second(rows, figure['seconds'])} | "
            f"{mark}{megabytes(figure['bytes'])} "
            f"| {mark}{megabytes(figure['memory'])} MB |"
        )
    ours_runs = results["ours"]
    print(
        f"\nours / raw COPY: **{figures['ours']['seconds'] / figures['raw COPY']['seconds']:.2f}**"
        " (goal: at most 1.5)"
    )
    if "django-import-export" in figures:
        ratio = figures["django-import-export"]["seconds"] / figures["ours"]["seconds"]
        mark = "~" if figures["django-import-export"]["estimated"] else ""
        print(f"django-import-export / ours: **{mark}{ratio:.1f}** (goal: at least 10)")
    print(
        f"ours, first chunk (the header): {median(ours_runs, 'first_chunk') * 1000:.1f} ms; "
        f"first row of data: {median(ours_runs, 'first_row') * 1000:.0f} ms; "
        f"{ours_runs[0]['chunks']:,} chunks"
    )
    if measured["rss"] is not None:
        print(f"ours, growth of the process's peak resident set: {measured['rss'] / 1024:.1f} MB")
    return {"rows": rows, "figures": figures, "ours_runs": ours_runs}


def summary(reports: list[dict]) -> None:
    print("\n### Summary\n")
    print(
        "| highlights | raw COPY rows/s | ours rows/s | ours / COPY | import-export rows/s "
        "| import-export / ours | ours peak memory | import-export peak memory | first row |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for done in reports:
        rows, figures = done["rows"], done["figures"]
        copy, mine = figures["raw COPY"], figures["ours"]
        other = figures.get("django-import-export")
        if other:
            mark = "~" if other["estimated"] else ""
            other_rate = mark + rows_per_second(rows, other["seconds"])
            other_ratio = f"{mark}{other['seconds'] / mine['seconds']:.1f}"
            other_memory = f"{mark}{megabytes(other['memory'])} MB"
        else:
            other_rate = other_ratio = other_memory = "-"
        print(
            f"| {rows:,} | {rows_per_second(rows, copy['seconds'])} "
            f"| {rows_per_second(rows, mine['seconds'])} "
            f"| {mine['seconds'] / copy['seconds']:.2f} | {other_rate} | {other_ratio} "
            f"| {megabytes(mine['memory'])} MB | {other_memory} "
            f"| {median(done['ours_runs'], 'first_row') * 1000:,.0f} ms |"
        )


def main() -> None:
    began = time.perf_counter()
    total = max(SIZES)
    first = build(total)
    built = time.perf_counter() - began
    print(
        f"CSV export benchmark: {total:,} highlights built in {built:.0f} s "
        f"(ours: {len(COLUMNS)} columns; django-import-export: "
        f"{len(HighlightResource._meta.fields)} columns)"
    )
    reports, largest_with_import_export = [], None
    try:
        for rows in sorted(SIZES):
            done = report(measure(first, rows), largest_with_import_export)
            other = done["figures"].get("django-import-export")
            if other and not other["estimated"]:
                largest_with_import_export = done
            reports.append(done)
            sys.stdout.flush()
    finally:
        delete_bench_data()
    summary(reports)
    whole = time.perf_counter() - began
    print(f"\nWhole run: {whole:.0f} s (of which building the data {built:.0f} s)")


if __name__ == "__main__":
    main()
