"""The benchmarks' worlds: classes, their students and their highlights, from a seed.

Seeded, so that every run measures the same rows, in two ways:

- through the ORM, for a class or two (bench/reading_view.py, bench/dashboard.py):
  `classroom()`, `enrol()`, then `highlights()`, `tag()` and `link()` drawing from one
  random.Random in a fixed order;
- in SQL, for hundreds of thousands of highlights (bench/district.py, bench/export.py):
  `seeded_int()` draws each row's numbers, `first_of()` checks that the highlights made
  have consecutive ids, and `vacuum_analyze()` gives the planner their statistics.

Import it once Django is set up (bench/setup.py).
"""

import random
import sys

from django.contrib.auth import get_user_model
from django.db import connection

from annotations.anchoring import Anchor, quote_at
from annotations.models import Classroom, Document, Highlight, Membership, Tag, TaggedHighlight

# --- Through the ORM -----------------------------------------------------------------------


def clear() -> None:
    """Every highlight, and the classes ("Bench ...") and users ("bench-...") made here."""
    Classroom.objects.filter(name__startswith="Bench").delete()
    Highlight.objects.all().delete()
    get_user_model().objects.filter(username__startswith="bench-").delete()


def classroom(name: str, teacher: str, first_name: str, last_name: str):
    """A class and its teacher, who has the username `teacher`."""
    room = Classroom.objects.create(name=name)
    user = get_user_model().objects.create_user(teacher, first_name=first_name, last_name=last_name)
    Membership.objects.create(classroom=room, user=user, role="teacher")
    return room, user


def enrol(room: Classroom, prefix: str, count: int) -> list:
    """`count` students of the class: usernames `prefix`0, `prefix`1..., first names S0, S1..."""
    students = []
    for number in range(count):
        student = get_user_model().objects.create_user(f"{prefix}{number}", first_name=f"S{number}")
        Membership.objects.create(classroom=room, user=student, role="student")
        students.append(student)
    return students


def passage(text: str, rng: random.Random) -> Anchor:
    """5 to 200 characters anywhere in the text, without white space at either end."""
    start = rng.randrange(0, len(text) - 200)
    end = start + rng.randrange(5, 200)
    while text[start].isspace():
        start += 1
    while text[end - 1].isspace():
        end -= 1
    return quote_at(text, start, end)


def highlights(
    students: list,
    per_student: int,
    documents: list[Document],
    rng: random.Random,
    *,
    notes: bool = False,
    **fields,
) -> list[Highlight]:
    """`per_student` class-shared highlights of each student, overlapping freely, saved.

    Each is on an article drawn from `documents` (no draw when there is one), and with
    `notes`, half of them carry "A note". `fields` are the same for all (an assignment).
    """
    rows = []
    for student in students:
        for _ in range(per_student):
            document = rng.choice(documents) if len(documents) > 1 else documents[0]
            placed = passage(document.text, rng)
            note = "A note" if notes and rng.random() < 0.5 else ""
            rows.append(
                Highlight.placed(
                    placed,
                    owner=student,
                    document=document,
                    note=note,
                    visibility="class",
                    **fields,
                )
            )
    return Highlight.objects.bulk_create(rows)


def tag(saved: list[Highlight], names: list[str], rng: random.Random) -> None:
    """One of the tags `names` on 60% of the highlights."""
    tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=h, tag=rng.choice(tags)) for h in saved if rng.random() < 0.6
    )


def link(saved: list[Highlight], entries: list, rng: random.Random) -> None:
    """One of the glossary `entries` linked from half of the highlights."""
    through = Highlight.glossary_entries.through
    through.objects.bulk_create(
        through(highlight=h, glossaryentry=rng.choice(entries)) for h in saved if rng.random() < 0.5
    )


# --- In SQL --------------------------------------------------------------------------------


def seeded_int(ordinal: str, stream: int) -> str:
    """SQL for a pseudo-random non-negative integer of each row, from the row's `ordinal`
    (an SQL expression) and the query's %(seed)s parameter; each `stream` another draw.

    PostgreSQL's own integer hash, not random(), so that the rows do not depend on the
    plan: two builds from one seed are the same, row by row.
    """
    return f"(hashint8extended({ordinal}, %(seed)s + {stream}) & 2147483647)::int"


def first_of(cursor, total: int, owners_like: str) -> int:
    """The id of the first of the `total` highlights just made, whose owners' usernames are
    LIKE `owners_like`; exits unless they are all there, with consecutive ids."""
    cursor.execute(
        "SELECT min(h.id), max(h.id), count(*) FROM annotations_highlight h"
        " JOIN auth_user u ON u.id = h.owner_id WHERE u.username LIKE %s",
        [owners_like],
    )
    first, last, count = cursor.fetchone()
    if count != total or last - first + 1 != total:
        sys.exit(
            f"{count:,} highlights with ids {first}..{last} instead of {total:,} in a row: "
            f"was something else writing to {connection.settings_dict['NAME']}?"
        )
    return first


def vacuum_analyze(*tables: str) -> None:
    """Statistics for the planner on the tables just filled (outside a transaction)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
