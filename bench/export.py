"""CSV export: our two streamed COPYs (the teacher's sheet, "Export CSV", and the CSV of
all columns) each against a raw COPY of its SQL, and against django-import-export.

    make bench-export             (or: DEBUG=1 .venv/bin/python bench/export.py)
    BENCH_SIZES=10000,100000 make bench-export      (other sizes; default 10k, 100k, 1M)

Builds, in its own database (korea_reader_bench), the largest number of highlights
asked for in a few SQL statements (INSERT ... SELECT FROM generate_series, seeded, so
every run has the same rows): 300 students in 10 classes, each class with an assignment,
across the three articles, 30% with a note (some made to look like spreadsheet formulas,
some with quotes, commas, line breaks and Korean), 60% tagged (15% twice), half linked
to a glossary entry (10% to two), 5% with a reply from the class's teacher. Each size N
exports the first N of them, in five ways, interleaved (medians; 7 runs up to 10k, 3
above, or BENCH_RUNS):

- raw COPY: the very SQL of annotations.export.export_queryset (all columns) run through
  psycopg's cursor.copy(), the bytes counted and dropped: the floor;
- ours: annotations.export.csv_chunks(export_queryset(...)) iterated as the view's
  StreamingHttpResponse would, the chunks counted and dropped; with the time to the
  first chunk (the header) and to the first row of data;
- raw COPY (sheet) and ours (sheet): the same two for teacher_queryset, the teacher's
  sheet (readable headers, local times, replies, sorted by student);
- django-import-export 4.4: a ModelResource over Highlight (14 of our 27 columns, the
  tags joined by a dehydrate method over prefetch_related, select_related and only() for
  the owner and the document, chunk_size 2000 instead of its default 100) exporting the
  same rows in the same order via resource.export(queryset).csv, encoded. Above
  BENCH_IMPORT_EXPORT_MAX rows (default 100,000) it is not run: its time and memory are
  extrapolated linearly from the largest size it ran, and marked "~" (a lower bound: it
  pages with OFFSET, and holds every row).

Peak memory is the growth of the process's resident set during a run (Linux's VmHWM,
reset before each run; free to measure), the largest over the runs. Python's own
allocations (tracemalloc) are shown too for ours and the raw COPY up to 100k rows, from
one more run each; tracemalloc would slow django-import-export fivefold.

The whole run keeps within BENCH_BUDGET seconds (480, building included): a further run
at a size is skipped, and said so, when it and two runs of each larger size would not
fit. The data is deleted at the end. The other benchmarks delete every highlight in
korea_reader_bench when they start: do not run them at the same time as this one.
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

from annotations.export import (  # noqa: E402
    COLUMNS,
    TEACHER_COLUMNS,
    csv_chunks,
    export_queryset,
    teacher_queryset,
)
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
from bench.measure import markdown_table  # noqa: E402
from bench.world import first_of, seeded_int, vacuum_analyze  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]
RUNS = os.environ.get("BENCH_RUNS")  # default: 7 up to 10k rows, 3 above
IMPORT_EXPORT_MAX = int(os.environ.get("BENCH_IMPORT_EXPORT_MAX", "100000"))
# Seconds for the whole run, building included: no run is started that would end later.
BUDGET = float(os.environ.get("BENCH_BUDGET", "480"))
SEED = int(os.environ.get("BENCH_SEED", "1950"))
CLASSES, STUDENTS_PER_CLASS = 10, 30
PASSAGES = 30_000  # distinct passages highlighted
PREFIX = "export-bench-"  # usernames; the classes are named "Export bench n"
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


def memory(size: float) -> str:
    return "< 0.1 MB" if size < 50_000 else f"{size / 1e6:,.1f} MB"


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
    Classroom.objects.filter(name__startswith="Export bench ").delete()
    get_user_model().objects.filter(username__startswith=PREFIX).delete()


# The link tables' columns: the highlight's, then the tag's or the glossary entry's.
LINK_COLUMNS = {
    "annotations_taggedhighlight": "content_object_id, tag_id",
    "annotations_highlight_glossary_entries": "highlight_id, glossaryentry_id",
}


def link_one_or_two(
    cursor,
    ids: dict,
    table: str,
    values: list[int],
    *,
    stream: int,
    one: int,
    two: int,
    spread: int,
) -> None:
    """Link `one`% of the highlights with ids from ids["first"] to ids["last"] (the seed in
    ids["seed"]) to one of `values`, and `two`% of them to a second, other one too."""
    n = len(values)
    second = f"((r / 100) %% {n} + 1 + (r / {spread}) %% {n - 1}) %% {n}"
    cursor.execute(
        f"""
        WITH r AS (
            SELECT h.id, {seeded_int("h.id - %(first)s", stream)} AS r
            FROM annotations_highlight h WHERE h.id BETWEEN %(first)s AND %(last)s
        )
        INSERT INTO {table} ({LINK_COLUMNS[table]})
        SELECT id, (%(values)s::bigint[])[1 + (r / 100) %% {n}] FROM r WHERE r %% 100 < {one}
        UNION ALL
        SELECT id, (%(values)s::bigint[])[1 + {second}] FROM r WHERE r %% 100 < {two}
        """,
        {**ids, "values": values},
    )


def build(total: int) -> int:
    """`total` highlights; returns the id of the first (the ids are consecutive)."""
    load_documents()
    load_glossary()
    delete_bench_data()
    User = get_user_model()
    unusable = make_password(None)
    classes = Classroom.objects.bulk_create(
        Classroom(name=f"Export bench {number}") for number in range(CLASSES)
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

    # The passages are drawn first (PASSAGES of them, as a class highlights the same
    # sentences), so that the big INSERT does not cut each of its rows out of an article's
    # whole text.
    params = {
        "like": PREFIX + "%",
        "seed": SEED,
        "total": total,
        "passages": PASSAGES,
        "notes": NOTES,
        "n_notes": len(NOTES),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE export_bench_passage ON COMMIT DROP AS
            WITH docs AS MATERIALIZED (
                -- text || '': the text detoasted once, not for each passage cut from it
                SELECT (row_number() OVER (ORDER BY position, id) - 1)::int AS k,
                       id, revision, text || '' AS text, length(text) AS n
                FROM annotations_document
            ), drawn AS (
                SELECT j, {seeded_int("j", 0)} AS r1, 5 + {seeded_int("j", 1)} %% 196 AS len,
                       {seeded_int("j", 2)} AS r3
                FROM generate_series(0, %(passages)s - 1) AS j
            ), placed AS (
                SELECT drawn.j, d.id, d.revision, d.text, drawn.len,
                       drawn.r3 %% (d.n - drawn.len) AS start
                FROM drawn JOIN docs d ON d.k = drawn.r1 %% (SELECT count(*) FROM docs)
            )
            SELECT j AS k, id AS document_id, revision, start, start + len AS "end",
                   substr(text, start + 1, len) AS exact,
                   substr(text, greatest(start - 31, 1), least(start, 32)) AS prefix,
                   substr(text, start + len + 1, 32) AS suffix
            FROM placed
            """,
            params,
        )
        cursor.execute("CREATE UNIQUE INDEX ON export_bench_passage (k)")
        cursor.execute(
            f"""
            WITH students AS (
                SELECT (row_number() OVER (ORDER BY u.id) - 1)::int AS k,
                       u.id AS user_id, a.id AS assignment_id
                FROM auth_user u
                JOIN annotations_membership m ON m.user_id = u.id AND m.role = 'student'
                JOIN annotations_assignment a ON a.classroom_id = m.classroom_id
                WHERE u.username LIKE %(like)s
            ), g AS (
                SELECT i, {seeded_int("i", 3)} AS r1, {seeded_int("i", 4)} AS r2,
                       {seeded_int("i", 5)} AS r3, {seeded_int("i", 6)} AS r4,
                       {seeded_int("i", 7)} AS r5
                FROM generate_series(0, %(total)s - 1) AS i
            )
            INSERT INTO annotations_highlight (
                revision, start, "end", exact, prefix, suffix, note, visibility, anchor_status,
                client_key, created, updated, document_id, owner_id, assignment_id
            )
            SELECT p.revision, p.start, p."end", p.exact, p.prefix, p.suffix,
                   CASE WHEN g.r4 %% 10 < 3
                        THEN (%(notes)s::text[])[1 + (g.r4 / 10) %% %(n_notes)s] ELSE '' END,
                   CASE WHEN g.r5 %% 10 < 6 THEN 'class' ELSE 'private' END,
                   'anchored',
                   md5(%(like)s || g.i)::uuid,
                   t.created, t.created + make_interval(secs => g.r4 %% 3600),
                   p.document_id, s.user_id,
                   CASE WHEN g.r3 %% 10 < 7 THEN s.assignment_id END
            FROM g
            JOIN export_bench_passage p ON p.k = g.r1 %% %(passages)s
            JOIN students s ON s.k = g.r2 %% (SELECT count(*) FROM students)
            CROSS JOIN LATERAL (
                SELECT timestamptz '2026-09-01 08:00:00+00'
                       + make_interval(secs => g.r5 %% (90 * 86400)) AS created
            ) t
            ORDER BY g.i
            """,
            params,
        )
        first = first_of(cursor, total, PREFIX + "%")
        ids = {"first": first, "last": first + total - 1, "seed": SEED}
        # 60% one tag, 15% a second one (another tag); half one glossary entry, 10% two.
        link_one_or_two(
            cursor, ids, "annotations_taggedhighlight", tags, stream=10, one=60, two=15, spread=1000
        )
        link_one_or_two(
            cursor,
            ids,
            "annotations_highlight_glossary_entries",
            entries,
            stream=11,
            one=50,
            two=10,
            spread=2000,
        )
        # 1 in 50 hidden by the teacher in the student's class.
        cursor.execute(
            """
            INSERT INTO annotations_classhide (highlight_id, classroom_id, created)
            SELECT h.id, s.classroom_id, h.created + interval '1 hour'
            FROM annotations_highlight h
            JOIN annotations_membership s ON s.user_id = h.owner_id AND s.role = 'student'
            WHERE h.id BETWEEN %(first)s AND %(last)s AND (h.id - %(first)s) %% 50 = 0
            """,
            ids,
        )
        # 5%: a reply from the teacher of the student's class, for the teacher's sheet.
        cursor.execute(
            """
            INSERT INTO annotations_reply (highlight_id, author_id, classroom_id, text, created)
            SELECT h.id, t.user_id, s.classroom_id, 'Which source says so?',
                   h.created + interval '1 hour'
            FROM annotations_highlight h
            JOIN annotations_membership s ON s.user_id = h.owner_id AND s.role = 'student'
            JOIN annotations_membership t
              ON t.classroom_id = s.classroom_id AND t.role = 'teacher'
            WHERE h.id BETWEEN %(first)s AND %(last)s AND (h.id - %(first)s) %% 20 = 0
            """,
            ids,
        )
    vacuum_analyze(
        "annotations_highlight",
        "annotations_taggedhighlight",
        "annotations_highlight_glossary_entries",
        "auth_user",
        "annotations_reply",
    )
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


# Each CSV: the QuerySet of its rows and its header.
VARIANTS = {"all": (export_queryset, COLUMNS), "sheet": (teacher_queryset, list(TEACHER_COLUMNS))}


def raw_copy(highlights, rows: int, variant: str = "all") -> dict:
    sql, params = VARIANTS[variant][0](highlights, BASE_URL, viewer=None).query.sql_with_params()
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


def ours(highlights, rows: int, variant: str = "all") -> dict:
    size = chunks = 0
    first_chunk = first_row = None
    started = time.perf_counter()
    queryset, header = VARIANTS[variant]
    for chunk in csv_chunks(queryset(highlights, BASE_URL, viewer=None), header=header):
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


METHODS = {
    "raw COPY": raw_copy,
    "ours": ours,
    "raw COPY (sheet)": lambda highlights, rows: raw_copy(highlights, rows, "sheet"),
    "ours (sheet)": lambda highlights, rows: ours(highlights, rows, "sheet"),
    "django-import-export": import_export,
}
# Each of ours, and the raw COPY of the same SQL.
FLOORS = {"ours": "raw COPY", "ours (sheet)": "raw COPY (sheet)"}


def _status_kib() -> dict[str, int]:
    status = Path("/proc/self/status").read_text()
    return {key: int(value) for key, value in re.findall(r"(VmHWM|VmRSS):\s+(\d+)", status)}


def run_once(method, highlights, rows: int) -> dict:
    """One timed run, with the growth of the process's resident-set high-water mark
    during it (Linux; it costs nothing, unlike tracemalloc). Memory freed by an earlier
    run and kept by the allocator is not counted again: the first run of each is the
    telling one, and the maximum over the runs is what is reported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        before = _status_kib()["VmRSS"]
    except OSError:
        before = None
    result = method(highlights, rows)
    if before is not None:
        result["rss"] = max(0, _status_kib()["VmHWM"] - before) * 1024
    return result


def python_peak(method, highlights, rows: int) -> int:
    """Peak of Python's own allocations during one run (tracemalloc; slow, so not timed)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        method(highlights, rows)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


# --- Measuring -----------------------------------------------------------------------------


def with_import_export(rows: int) -> bool:
    return rows <= IMPORT_EXPORT_MAX


def measure(first: int, rows: int, later: list[int], deadline: float) -> dict:
    """Interleaved runs of each export of `rows` highlights. A run of all of them is
    started only if it and two runs of each larger size (`later`) can still end before
    `deadline`; at least one always runs."""
    highlights = Highlight.objects.filter(pk__gte=first, pk__lt=first + rows)
    assert highlights.count() == rows
    wanted = int(RUNS) if RUNS else (7 if rows <= 10_000 else 3)
    # "ours" first: whatever a first run pays (cold caches) counts against it.
    names = [*FLOORS, *FLOORS.values()]
    names += ["django-import-export"] if with_import_export(rows) else []
    if rows <= 100_000:
        raw_copy(highlights, rows)  # warm the caches; not counted
        raw_copy(highlights, rows, "sheet")
    results = {name: [] for name in names}
    for run in range(wanted):
        if run:
            last = {name: results[name][-1]["seconds"] for name in names}
            per_row = sum(last[name] for name in names if name != "django-import-export") / rows
            per_row_with = per_row + last.get("django-import-export", 0) / rows
            reserve = sum(
                2 * size * (per_row_with if with_import_export(size) else per_row) for size in later
            )
            if time.perf_counter() + sum(last.values()) + reserve > deadline:
                print(f"(time budget: {run} runs at {rows:,} instead of {wanted})")
                break
        # Interleaved, each run starting with another export, against drift on a shared box.
        for name in names[run % len(names) :] + names[: run % len(names)]:
            results[name].append(run_once(METHODS[name], highlights, rows))
    if highlights.count() != rows:
        sys.exit(
            "The highlights changed during the benchmark: was another benchmark running in "
            "korea_reader_bench? (They delete every highlight there.)"
        )
    python = {}
    if rows <= 100_000:  # at 1M a run more of each: the resident set says enough there
        python = {name: python_peak(METHODS[name], highlights, rows) for name in FLOORS}
    return {"rows": rows, "results": results, "python": python}


def median(results: list[dict], key: str) -> float:
    return statistics.median(result[key] for result in results)


def report(measured: dict, extrapolate_from: dict | None) -> dict:
    """Print the table for one size; returns its figures for the summary."""
    rows, results = measured["rows"], measured["results"]
    figures = {}
    for name in METHODS:
        if name in results:
            figures[name] = {
                "runs": len(results[name]),
                "seconds": median(results[name], "seconds"),
                "bytes": results[name][0]["bytes"],
                "memory": max(result.get("rss", 0) for result in results[name]),
                "estimated": False,
            }
        elif extrapolate_from:
            base = extrapolate_from["figures"][name]
            scale = rows / extrapolate_from["rows"]
            figures[name] = {
                "runs": 0,
                "seconds": base["seconds"] * scale,
                "bytes": base["bytes"] * scale,
                "memory": base["memory"] * scale,
                "estimated": True,
                "from": extrapolate_from["rows"],
            }
    print(f"\n### {rows:,} highlights\n")
    columns = ["export", "runs", "seconds (median)", "rows/s", "CSV MB", "peak memory (RSS growth)"]
    table = []
    for name in METHODS:
        if name not in figures:
            continue
        figure = figures[name]
        mark = "~" if figure["estimated"] else ""
        label = name + (f" (extrapolated from {figure['from']:,})" if mark else "")
        table.append(
            [
                label,
                str(figure["runs"] or "-"),
                f"{mark}{figure['seconds']:.2f}",
                mark + rows_per_second(rows, figure["seconds"]),
                mark + megabytes(figure["bytes"]),
                mark + memory(figure["memory"]),
            ]
        )
    print(markdown_table(columns, table))
    print()
    for name, floor in FLOORS.items():
        ratio = figures[name]["seconds"] / figures[floor]["seconds"]
        print(f"{name} / {floor}: **{ratio:.2f}** (goal: at most 1.5)")
    if "django-import-export" in figures:
        ratio = figures["django-import-export"]["seconds"] / figures["ours"]["seconds"]
        mark = "~" if figures["django-import-export"]["estimated"] else ""
        print(f"django-import-export / ours: **{mark}{ratio:.1f}** (goal: at least 10)")
    for name in FLOORS:
        runs = results[name]
        print(
            f"{name}, first chunk (the header): {median(runs, 'first_chunk') * 1000:.1f} ms; "
            f"first row of data: {median(runs, 'first_row') * 1000:,.0f} ms; "
            f"{runs[0]['chunks']:,} chunks"
        )
    if measured["python"]:
        print(
            "peak of Python allocations (tracemalloc, one more run each): "
            + ", ".join(
                f"{name} {memory(peak)}" for name, peak in sorted(measured["python"].items())
            )
        )
    return {"rows": rows, "figures": figures, "results": results}


def summary(reports: list[dict]) -> None:
    print("\n### Summary\n")
    columns = [
        "highlights",
        "CSV",
        "raw COPY rows/s",
        "ours rows/s",
        "ours / COPY",
        "import-export rows/s",
        "import-export / ours",
        "ours peak memory",
        "import-export peak memory",
        "first row",
    ]
    table = []
    for done in reports:
        rows, figures = done["rows"], done["figures"]
        other = figures.get("django-import-export")
        for name, floor in FLOORS.items():
            copy, mine = figures[floor], figures[name]
            if other:
                mark = "~" if other["estimated"] else ""
                other_rate = mark + rows_per_second(rows, other["seconds"])
                other_ratio = f"{mark}{other['seconds'] / mine['seconds']:.1f}"
                other_memory = mark + memory(other["memory"])
            else:
                other_rate = other_ratio = other_memory = "-"
            table.append(
                [
                    f"{rows:,}",
                    "teacher's sheet" if name == "ours (sheet)" else "all columns",
                    rows_per_second(rows, copy["seconds"]),
                    rows_per_second(rows, mine["seconds"]),
                    f"{mine['seconds'] / copy['seconds']:.2f}",
                    other_rate,
                    other_ratio,
                    memory(mine["memory"]),
                    other_memory,
                    f"{median(done['results'][name], 'first_row') * 1000:,.0f} ms",
                ]
            )
    print(markdown_table(columns, table))


def main() -> None:
    began = time.perf_counter()
    deadline = began + BUDGET
    sizes = sorted(SIZES)
    first = build(sizes[-1])
    built = time.perf_counter() - began
    print(
        f"CSV export benchmark: {sizes[-1]:,} highlights built in {built:.0f} s; "
        f"ours: {len(COLUMNS)} columns, the teacher's sheet {len(TEACHER_COLUMNS)}, "
        "django-import-export: "
        f"{len(HighlightResource._meta.fields)} columns. Peak memory: growth of the "
        "process's resident set during a run (the largest over the runs)."
    )
    reports, largest_with_import_export = [], None
    try:
        for index, rows in enumerate(sizes):
            measured = measure(first, rows, sizes[index + 1 :], deadline)
            done = report(measured, largest_with_import_export)
            other = done["figures"].get("django-import-export")
            if other and not other["estimated"]:
                largest_with_import_export = done
            reports.append(done)
            sys.stdout.flush()
    finally:
        delete_bench_data()
    summary(reports)
    whole = time.perf_counter() - began
    print(f"\nWhole run: {whole:.0f} s (building the data: {built:.0f} s)")


if __name__ == "__main__":
    main()
