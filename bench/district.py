"""A whole school district on one server, built from a seed, in its own database.

    .venv/bin/python bench/district.py              (builds it unless it is already there)
    .venv/bin/python bench/district.py --rebuild    (builds it again)
    .venv/bin/python bench/district.py --seed 7 --classes 10

Other benchmarks import it: `from bench.district import build_district` sets Django up on
the district's database (korea_reader_district) and `build_district()` returns at once
when a district of that seed and size is already there.

The district (defaults): 100 classes, each with a teacher (district-teacher-7, in the
Teachers group), 30 students (district-7-12) and one assignment over the three
articles; 40 highlights per student per article, 360,000 in all. A class tends to
highlight the same passages: each class draws from its own pool of sentences and
phrases of each article, a few of them popular, many naming Stalin (a fifth of the
highlights end up linked to him). 30% of the highlights carry a note; 60% one or two
tags from a small vocabulary; about half link the glossary entry their passage names
(Stalin's wherever the passage names him). 55% are shared with the class, the rest
private; 1 in 40 shared ones is hidden by the teacher; the teacher replied to 3%. One
more class, with a teacher (district-teacher-empty) and an assignment but no students,
and a staff user (district-staff), serve as baselines. Most assignments share with the
class, a quarter only after the minimum, a quarter never. Every account's password is
PASSWORD, "district-1950". A rebuild empties every highlight and class in the database,
and its district- users.

The passages are cut in Python (a few tens of thousands, from a seeded random.Random);
the highlights, tags, glossary links and replies are made in SQL by INSERT ... SELECT
over generate_series, drawing from PostgreSQL's integer hash with the seed, so each run
builds the same rows with the same ids.
"""

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

DISTRICT_DATABASE = "korea_reader_district"
bench_django(DISTRICT_DATABASE)

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from annotations.anchoring import quote_at  # noqa: E402
from annotations.loading import load_documents, load_glossary  # noqa: E402
from annotations.models import (  # noqa: E402
    Assignment,
    Classroom,
    Document,
    GlossaryEntry,
    Membership,
    Tag,
)
from annotations.paragraphs import split_sentences  # noqa: E402
from annotations.teachers import teachers_group  # noqa: E402
from annotations.validators import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH  # noqa: E402
from bench.world import first_of, seeded_int, vacuum_analyze  # noqa: E402

if connection.settings_dict["NAME"] != DISTRICT_DATABASE:
    sys.exit(
        f"Django is already set up on {connection.settings_dict['NAME']}: import bench.district "
        "before setting Django up for anything else."
    )

SEED = 1950
PASSWORD = "district-1950"
STAFF = "district-staff"
EMPTY_TEACHER = "district-teacher-empty"
STALIN = "joseph-stalin"
POOL = 150  # passages a class draws from, per article
TAGS = [
    "evidence",
    "motive",
    "archives",
    "Stalin",
    "propaganda",
    "question",
    "cold war",
    "Kim Il-sung",
    "secrecy",
    "China",
    "cause",
    "turning point",
]
NOTES = [
    "Compare with the Soviet archives.",
    "So Stalin approved the invasion after all?",
    "This contradicts what the textbook says.",
    "Key evidence for the essay.",
    "Who gave the order here?",
    "Why keep this secret?",
    "Check the date of this telegram.",
    "Important: Kim asked more than once.",
    "Is this source reliable?",
    "Mao's role seems bigger than I thought.",
    "Cause or excuse?",
    "Good quote for the presentation.",
]
REPLIES = [
    "Good catch. What does the other article say?",
    "Which document is this based on?",
    "Use this in your essay.",
    "Careful: this is the author's reading, not the source's.",
    "Can you find a second source for this?",
    "Yes, and look at the date.",
]


def teacher_username(number: int) -> str:
    return f"district-teacher-{number}"


def student_username(number: int, seat: int) -> str:
    return f"district-{number}-{seat}"


def class_name(number: int) -> str:
    return f"District class {number}"


def assignment_visibility(number: int) -> str:
    """Most classes share with the class; a quarter only after the minimum, a quarter never."""
    return {2: "after_minimum", 3: "private"}.get(number % 4, "class")


@dataclass(frozen=True)
class District:
    seed: int
    classes: int
    students: int
    per_article: int
    highlights: int
    seconds: float  # to build it; 0 when it was already there
    built: bool


# --- The passages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """What the passages are cut from: an article's sentences and who they name."""

    document: Document
    sentences: list[tuple[int, int]]
    naming_stalin: list[tuple[int, int]]
    mentions: list[tuple[int, int, int]]  # start, end, entry id; by start


def read_article(document: Document, stalin_id: int) -> Article:
    sentences = [
        sentence
        for paragraph in document.paragraphs
        if paragraph.role == "body"
        for sentence in split_sentences(paragraph)
        if sentence[1] - sentence[0] >= 20
    ]
    mentions = sorted(
        document.mentions.filter(revision=document.revision).values_list("start", "end", "entry")
    )
    stalin_at = [start for start, _, entry in mentions if entry == stalin_id]
    naming_stalin = [(s, e) for s, e in sentences if any(s <= at < e for at in stalin_at)]
    return Article(document, sentences, naming_stalin, mentions)


def cut_passage(article: Article, rng: random.Random) -> tuple[int, int]:
    """A sentence (one in ten chosen among those naming Stalin), or a run of words in one."""
    if article.naming_stalin and rng.random() < 0.1:
        return rng.choice(article.naming_stalin)
    start, end = rng.choice(article.sentences)
    if end - start <= 400 and rng.random() < 0.6:
        return start, end
    words = [m.span() for m in re.finditer(r"\S+", article.document.text[start:end])]
    length = min(len(words), rng.randint(3, 12))
    first = rng.randrange(len(words) - length + 1)
    return start + words[first][0], start + words[first + length - 1][1]


def entries_named(article: Article, start: int, end: int, stalin_id: int) -> list[int]:
    """The entries the passage names, Stalin first if he is one of them."""
    named = []
    for mention_start, mention_end, entry in article.mentions:
        if mention_start >= end:
            break
        if mention_end > start and entry not in named:
            named.append(entry)
    if stalin_id in named:
        named.remove(stalin_id)
        named.insert(0, stalin_id)
    return named


def passage_rows(seed: int, classes: int, articles: list[Article], stalin_id: int):
    """Each class's pool of passages of each article, as rows for the passage table."""
    for number in range(1, classes + 1):
        for k, article in enumerate(articles):
            document = article.document
            rng = random.Random(f"{seed}-{number}-{document.slug}")
            for p in range(POOL):
                start, end = cut_passage(article, rng)
                placed = quote_at(document.text, start, end)
                named = entries_named(article, start, end, stalin_id) + [None, None]
                yield (
                    number,
                    k,
                    p,
                    document.pk,
                    document.revision,
                    placed.start,
                    placed.end,
                    placed.exact,
                    placed.prefix,
                    placed.suffix,
                    named[0],
                    named[1],
                )


# --- Building ----------------------------------------------------------------------------


def _marker() -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS district_marker"
            " (seed bigint, classes int, students int, per_article int, highlights int,"
            " built timestamptz)"
        )
        cursor.execute(
            "SELECT seed, classes, students, per_article, highlights FROM district_marker"
        )
        row = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM annotations_highlight")
        (count,) = cursor.fetchone()
    # A district someone has since changed is not the district the marker describes.
    return row if row and row[-1] == count else None


def _empty_district() -> None:
    """The district's people and everything any user made here (the database is the
    district's); the ids start again from 1, so that a build makes the same rows."""
    with connection.cursor() as cursor:
        # No CASCADE: a table added later that refers to these must fail here, not be
        # emptied unseen (auth_user's would take the articles' revision history along).
        cursor.execute(
            "TRUNCATE district_marker, annotations_gradesend, annotations_assignmentlink,"
            " annotations_classlink, annotations_classhide, annotations_notification,"
            " annotations_highlightmark, annotations_reply,"
            " annotations_taggedhighlight,"
            " annotations_highlight_glossary_entries, annotations_highlight,"
            " annotations_assignment_documents, annotations_assignment_required_entries,"
            " annotations_assignment, annotations_membership, annotations_classroom"
            " RESTART IDENTITY"
        )
    User = get_user_model()
    User.objects.filter(username__startswith="district-").delete()
    if not User.objects.exists():
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('auth_user', 'id'), 1, false)")


def _people(seed: int, classes: int, students: int, documents: list[Document]) -> list[tuple]:
    """Teachers, students, staff, the classes and their assignments; returns the students
    as rows (k, user id, class number, assignment id, teacher id), k in seat order."""
    User = get_user_model()
    # One hash for all, the hasher being slow on purpose; its salt from the seed, so that
    # even the password column is the same in every build.
    password = make_password(PASSWORD, salt=f"district{seed}")
    rng = random.Random(f"{seed}-codes")
    codes = set()
    while len(codes) < classes + 1:
        codes.add("".join(rng.choices(JOIN_CODE_ALPHABET, k=JOIN_CODE_LENGTH)))
    numbers = [*range(1, classes + 1), None]  # None: the empty class
    rooms = Classroom.objects.bulk_create(
        Classroom(
            name=class_name(number) if number else "District empty class",
            join_code=code,
        )
        for number, code in zip(numbers, sorted(codes), strict=True)
    )
    required = GlossaryEntry.objects.filter(slug__in=[STALIN, "kim-il-sung"])
    assignments = Assignment.objects.bulk_create(
        Assignment(
            classroom=room,
            title="The outbreak of the Korean War",
            instructions="Highlight the evidence for Stalin's part; link the people you find.",
            due=datetime(2026, 11, 20, 15, tzinfo=UTC),
            min_highlights=10,
            suggested_tags=["evidence", "motive"],
            visibility=assignment_visibility(number or 0),
        )
        for number, room in zip(numbers, rooms, strict=True)
    )
    Assignment.documents.through.objects.bulk_create(
        Assignment.documents.through(assignment=assignment, document=document)
        for assignment in assignments
        for document in documents
    )
    Assignment.required_entries.through.objects.bulk_create(
        Assignment.required_entries.through(assignment=assignment, glossaryentry=entry)
        for assignment in assignments
        for entry in required
    )
    users = [User(username=STAFF, password=password, is_staff=True, is_superuser=True)]
    for number in numbers:
        users.append(
            User(
                username=teacher_username(number) if number else EMPTY_TEACHER,
                password=password,
                first_name="Teacher",
                last_name=f"Class {number}" if number else "Empty class",
            )
        )
        for seat in range(1, students + 1 if number else 1):
            users.append(
                User(
                    username=student_username(number, seat),
                    password=password,
                    first_name=f"Student {seat}",
                    last_name=f"Class {number}",
                )
            )
    by_name = {user.username: user for user in User.objects.bulk_create(users)}
    teachers = teachers_group()
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=teachers.pk)
        for user in by_name.values()
        if user.username.startswith("district-teacher-")
    )
    memberships, rows = [], []
    for number, room, assignment in zip(numbers, rooms, assignments, strict=True):
        teacher = by_name[teacher_username(number) if number else EMPTY_TEACHER]
        memberships.append(Membership(classroom=room, user=teacher, role="teacher"))
        for seat in range(1, students + 1 if number else 1):
            student = by_name[student_username(number, seat)]
            memberships.append(Membership(classroom=room, user=student, role="student"))
            rows.append((len(rows), student.pk, number, assignment.pk, teacher.pk))
    Membership.objects.bulk_create(memberships)
    return rows


def _work(cursor, seed: int, students: list[tuple], per_article: int, articles: list[Article]):
    """The highlights, their tags, glossary links and replies, in SQL."""
    cursor.execute(
        "CREATE TEMPORARY TABLE district_student"
        " (k int PRIMARY KEY, user_id bigint, class_no int, assignment_id bigint,"
        " teacher_id bigint) ON COMMIT DROP"
    )
    with cursor.cursor.copy("COPY district_student FROM STDIN") as copy:
        for row in students:
            copy.write_row(row)
    cursor.execute(
        "CREATE TEMPORARY TABLE district_passage"
        " (class_no int, doc_k int, p int, document_id bigint, revision int, start int,"
        ' "end" int, exact text, prefix text, suffix text, entry1 bigint, entry2 bigint,'
        " PRIMARY KEY (class_no, doc_k, p)) ON COMMIT DROP"
    )
    stalin_id = GlossaryEntry.objects.get(slug=STALIN).pk
    classes = max(row[2] for row in students)
    with cursor.cursor.copy("COPY district_passage FROM STDIN") as copy:
        for row in passage_rows(seed, classes, articles, stalin_id):
            copy.write_row(row)
    params = {
        "seed": seed,
        "total": len(students) * len(articles) * per_article,
        "per": per_article,
        "docs": len(articles),
        "pool": POOL,
        "notes": NOTES,
        "replies": REPLIES,
        "tags": [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS],
        "stalin_tag": Tag.objects.get(name="Stalin").pk,
        "entries": list(GlossaryEntry.objects.order_by("slug").values_list("pk", flat=True)),
    }
    # One row per highlight to be: whose, which passage (the least of two draws, so that
    # the first passages of a pool are the popular ones), and its own random numbers.
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE district_work ON COMMIT DROP AS
        SELECT g.i, s.user_id, s.assignment_id, s.teacher_id, p.*,
               {seeded_int("g.i", 2)} AS r_note, {seeded_int("g.i", 3)} AS r_share,
               {seeded_int("g.i", 4)} AS r_time, {seeded_int("g.i", 5)} AS r_tag,
               {seeded_int("g.i", 6)} AS r_link, {seeded_int("g.i", 7)} AS r_reply
        FROM generate_series(0, %(total)s - 1) AS g(i)
        JOIN district_student s ON s.k = g.i / (%(docs)s * %(per)s)
        JOIN district_passage p ON p.class_no = s.class_no AND p.doc_k = g.i / %(per)s %% %(docs)s
             AND p.p = least({seeded_int("g.i", 0)} %% %(pool)s,
                             {seeded_int("g.i", 1)} %% %(pool)s)
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO annotations_highlight (
            revision, start, "end", exact, prefix, suffix, note, visibility, anchor_status,
            client_key, created, updated, document_id, owner_id, assignment_id, is_question
        )
        SELECT w.revision, w.start, w."end", w.exact, w.prefix, w.suffix,
               CASE WHEN w.r_note %% 100 < 30
                    THEN (%(notes)s::text[])[1 + w.r_note / 100 %% cardinality(%(notes)s::text[])]
                    ELSE '' END,
               CASE WHEN w.r_share %% 100 < 55 THEN 'class' ELSE 'private' END,
               'anchored',
               md5('district-' || %(seed)s || '-' || w.i)::uuid,
               t.created,
               t.created + make_interval(secs => w.r_time / 100 %% 600 * (w.r_note %% 2)),
               w.document_id, w.user_id,
               w.assignment_id, false
        FROM district_work w
        CROSS JOIN LATERAL (
            SELECT timestamptz '2026-09-01 08:00:00+00'
                   + make_interval(secs => w.r_time %% (75 * 86400)) AS created
        ) t
        ORDER BY w.i
        """,
        params,
    )
    params["first"] = first_of(cursor, params["total"], "district-%")
    # Hidden by the teacher in the assignment's class: 1 in 40 of the shared ones.
    cursor.execute(
        """
        INSERT INTO annotations_classhide (highlight_id, classroom_id, hidden_by_id, created)
        SELECT %(first)s + w.i, a.classroom_id, w.teacher_id, now()
        FROM district_work w JOIN annotations_assignment a ON a.id = w.assignment_id
        WHERE w.r_share %% 100 < 55 AND w.r_share / 100 %% 40 = 0
        ORDER BY w.i
        """,
        params,
    )
    # 60% tagged: mostly one of three tags a class gives that passage, Stalin often where
    # the passage names him; 15% a second, other tag.
    cursor.execute(
        """
        WITH chosen AS (
            SELECT %(first)s + w.i AS id, w.r_tag,
                   CASE WHEN w.entry1 IS NOT DISTINCT FROM %(stalin)s AND w.r_tag / 100 %% 2 = 0
                        THEN array_position(%(tags)s::bigint[], %(stalin_tag)s) - 1
                        ELSE (w.p * 7 + w.class_no + w.r_tag / 100 %% 3)
                             %% cardinality(%(tags)s::bigint[])
                   END AS t
            FROM district_work w WHERE w.r_tag %% 100 < 60
        )
        INSERT INTO annotations_taggedhighlight (content_object_id, tag_id)
        SELECT id, (%(tags)s::bigint[])[1 + t] FROM chosen
        UNION ALL
        SELECT id, (%(tags)s::bigint[])[
            1 + (t + 1 + r_tag / 1000 %% (cardinality(%(tags)s::bigint[]) - 1))
                %% cardinality(%(tags)s::bigint[])]
        FROM chosen WHERE r_tag %% 100 < 15
        """,
        {**params, "stalin": stalin_id},
    )
    # The entry the passage names, for most passages that name one (always Stalin first);
    # now and then another entry, as students link what they think it is about; a third
    # of those with a second entry named link that one too.
    cursor.execute(
        """
        WITH linked AS (
            SELECT %(first)s + w.i AS id,
                   CASE WHEN w.entry1 IS NOT NULL AND w.r_link %% 100 < 65 THEN w.entry1
                        WHEN w.entry1 IS NULL AND w.r_link %% 100 < 15
                        THEN (%(entries)s::bigint[])[
                            1 + w.r_link / 100 %% cardinality(%(entries)s::bigint[])]
                   END AS first_entry,
                   CASE WHEN w.r_link %% 100 < 25 THEN w.entry2 END AS second_entry
            FROM district_work w
        )
        INSERT INTO annotations_highlight_glossary_entries (highlight_id, glossaryentry_id)
        SELECT id, first_entry FROM linked WHERE first_entry IS NOT NULL
        UNION
        SELECT id, second_entry FROM linked
        WHERE first_entry IS NOT NULL AND second_entry IS NOT NULL
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO annotations_reply (
            highlight_id, author_id, classroom_id, text, created, client_key, is_answer
        )
        SELECT %(first)s + w.i, w.teacher_id,
               (SELECT a.classroom_id FROM annotations_assignment a WHERE a.id = w.assignment_id),
               (%(replies)s::text[])[1 + w.r_reply / 100 %% cardinality(%(replies)s::text[])],
               timestamptz '2026-09-01 08:00:00+00'
               + make_interval(secs => w.r_time %% (75 * 86400) + 3600 + w.r_reply %% 86400),
               md5('district-reply-' || %(seed)s || '-' || w.i)::uuid, false
        FROM district_work w WHERE w.r_reply %% 100 < 3
        ORDER BY w.i
        """,
        params,
    )
    return params["total"]


def build_district(
    seed: int = SEED,
    classes: int = 100,
    students: int = 30,
    per_article: int = 40,
    *,
    rebuild: bool = False,
) -> District:
    """The district of that seed and size, built unless it is already there."""
    size = (seed, classes, students, per_article)
    started = time.perf_counter()
    load_documents()
    load_glossary()
    marker = _marker()
    if marker and tuple(marker[:4]) == size and not rebuild:
        return District(*size, highlights=marker[4], seconds=0.0, built=False)
    documents = list(Document.objects.in_library_order())
    stalin_id = GlossaryEntry.objects.get(slug=STALIN).pk
    articles = [read_article(document, stalin_id) for document in documents]
    with transaction.atomic(), connection.cursor() as cursor:
        _empty_district()
        count = _work(
            cursor, seed, _people(seed, classes, students, documents), per_article, articles
        )
        cursor.execute(
            "INSERT INTO district_marker VALUES (%s, %s, %s, %s, %s, now())", [*size, count]
        )
    vacuum_analyze(
        "auth_user",
        "annotations_membership",
        "annotations_highlight",
        "annotations_taggedhighlight",
        "annotations_highlight_glossary_entries",
        "annotations_reply",
    )
    return District(*size, count, time.perf_counter() - started, built=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--per-article", type=int, default=40)
    parser.add_argument("--rebuild", action="store_true", help="build it even if it is there")
    args = parser.parse_args()
    district = build_district(
        args.seed, args.classes, args.students, args.per_article, rebuild=args.rebuild
    )
    what = f"{district.highlights:,} highlights, {district.classes} classes of {district.students}"
    if district.built:
        print(f"District (seed {district.seed}) built in {district.seconds:.0f} s: {what}.")
    else:
        print(f"District (seed {district.seed}) already in {DISTRICT_DATABASE}: {what}.")


if __name__ == "__main__":
    main()
