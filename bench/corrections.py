"""The worst corrections a teacher can make: how long the article is held.

    make bench-corrections     (or: DEBUG=1 .venv/bin/python bench/corrections.py)

A correction locks the article's row while it carries every highlight through the diff
of the old and the new text, and each student's save on that article waits for it. The
goal (issue 15): the worst correction the form accepts (a paragraph of at most 5,000
characters) takes under 200 ms. Each case
corrects the longest paragraph of "Stalin's 'Hot' War", which holds 1,200 highlights,
in a transaction rolled back after; the median of RUNS runs. The 20,000 spaces are what
the splitter (and the form) must refuse; it used to take seven seconds to say so.
"""

import contextlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import bench_django  # noqa: E402

bench_django("korea_reader_bench_corrections")

from django.db import transaction  # noqa: E402

from annotations.corrections import CorrectionError, correct_paragraph  # noqa: E402
from annotations.loading import load_documents  # noqa: E402
from annotations.models import Document  # noqa: E402
from annotations.validators import MAX_PARAGRAPH_LENGTH  # noqa: E402
from bench import world  # noqa: E402
from bench.measure import markdown_table  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
LIMIT = MAX_PARAGRAPH_LENGTH  # the longest corrected paragraph the form takes


def cases(paragraph: str, rng: random.Random) -> dict[str, str]:
    words = paragraph.split(" ")
    return {
        "one letter changed": paragraph.replace("a", "á", 1),
        "typos at both ends": " ".join(["Corrected", *words[1:-1], "end."]),
        "words shuffled": " ".join(rng.sample(words, len(words))),
        "5,000 characters of two words": " ".join(rng.choice("ab") for _ in range(LIMIT // 2)),
        "5,000 random letters": "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(LIMIT)
        ).strip(),
        "20,000 spaces (refused)": " " * 20_000,
    }


def time_correction(document: Document, number: int, text: str) -> float:
    start = time.perf_counter()
    with transaction.atomic():
        with contextlib.suppress(CorrectionError):  # the refused case: its time to say so
            correct_paragraph(document, number, text, author=None, note="bench")
        transaction.set_rollback(True)
    document.refresh_from_db()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    rng = random.Random(1950)
    world.clear()
    load_documents()
    document = Document.objects.get(slug="stalins-hot-war")
    room, _ = world.classroom("Bench corrections", "bench-teacher", "Grace", "Park")
    students = world.enrol(room, "bench-student", 30)
    world.highlights(students, 40, [document], rng)
    paragraph = max(document.paragraphs, key=lambda p: len(p.text))
    rows = []
    for label, text in cases(paragraph.text, rng).items():
        times = [time_correction(document, paragraph.number, text) for _ in range(RUNS)]
        rows.append([label, f"{len(text):,}", f"{statistics.median(times):.1f}"])
    print(
        f"Correcting paragraph {paragraph.number} ({len(paragraph.text)} characters) of "
        f"'{document.slug}' with {document.highlights.count():,} highlights, median of {RUNS}:"
    )
    print(markdown_table(["correction", "characters", "time (ms)"], rows))


if __name__ == "__main__":
    main()
