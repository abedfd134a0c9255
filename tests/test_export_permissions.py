"""Who may export what, through every way out (docs/EXPORT.md, "Who gets what").

Six ways out: the teacher's sheet ("Export CSV"), the CSV of all columns and the JSON-LD
downloads, and the export_annotations command in each format with --as. Each must give a
viewer exactly what exportable_by allows, narrowed by the filters, and refuse filters it
cannot read.
"""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Highlight
from tests.helpers import add_class, add_highlight, csv_highlight_ids, jsonld_items, make_user

CSV_URL = "/export/annotations.csv"
CSV_ALL_URL = "/export/annotations-all.csv"
JSONLD_URL = "/export/annotations.jsonld"
ENTRY_POINTS = [
    "web csv",
    "web csv-all",
    "web jsonld",
    "command csv",
    "command csv-all",
    "command jsonld",
]
WEB = {"web csv": CSV_URL, "web csv-all": CSV_ALL_URL, "web jsonld": JSONLD_URL}
FORMATS = ["csv", "csv-all", "jsonld"]

D1, D2 = "stalin-and-korean-war", "stalins-hot-war"
COLD, KIM, STALIN = "Cold War", "kim-il-sung", "joseph-stalin"
# name: (owner, assignment, visibility, document, tags, glossary entries, created in 2026, UTC)
# Assignments: a1 and a2 in History 101, a3 in Seminar 201 (both taught by the teacher),
# b1 in History 102 (the other teacher's). The classmate is in History 101 and Seminar 201.
WORK = {
    "s_a1_private": ("student", "a1", "private", D1, [COLD], [KIM], "01-10 08:00:00"),
    "s_a1_shared": ("student", "a1", "class", D2, ["motive"], [], "01-20 23:59:59"),
    "s_a2_private": ("student", "a2", "private", D1, [], [], "02-01 12:00:00"),
    "s_shared": ("student", None, "class", D2, [COLD], [STALIN], "02-10 12:00:00"),
    "s_private": ("student", None, "private", D1, [COLD], [KIM], "02-15 12:00:00"),
    "m_a1_shared": ("classmate", "a1", "class", D1, [], [STALIN], "01-15 00:00:00"),
    "m_a1_private": ("classmate", "a1", "private", D2, [], [], "01-25 12:00:00"),
    "m_a3_private": ("classmate", "a3", "private", D1, ["motive"], [], "03-01 00:00:00"),
    "m_shared": ("classmate", None, "class", D1, ["motive"], [], "03-05 12:00:00"),
    "m_private": ("classmate", None, "private", D2, [COLD], [KIM], "03-10 12:00:00"),
    "t_own": ("teacher", None, "private", D1, [], [], "03-15 12:00:00"),
    "os_b1_private": ("other_student", "b1", "private", D1, [], [], "01-05 12:00:00"),
    "os_shared": ("other_student", None, "class", D1, [COLD], [], "01-06 12:00:00"),
    "os_private": ("other_student", None, "private", D2, [], [], "01-07 12:00:00"),
    "ot_own": ("other_teacher", None, "private", D1, [], [], "01-08 12:00:00"),
    "x_private": ("outsider", None, "private", D1, [COLD], [], "01-09 12:00:00"),
    "x_shared": ("outsider", None, "class", D2, [], [KIM], "01-10 12:00:00"),
}
PHRASES = {
    D1: [
        "Stalin was hardly surprised.",
        "Kim Il-sung had reported",
        "amphibious operation in Incheon",
        "the Soviet dictator liked to work at night",
    ],
    D2: [
        "Kim II Sung, was Stalin's puppet",
        "The archive on the Korean war",
        "Some now have egg on their faces.",
    ],
}
STUDENT_WORK = {"s_a1_private", "s_a1_shared", "s_a2_private", "s_shared", "s_private"}
CLASSMATE_WORK = {"m_a1_shared", "m_a1_private", "m_a3_private", "m_shared", "m_private"}
TEACHER_SEES = {
    "s_a1_private",
    "s_a1_shared",
    "s_a2_private",
    "s_shared",
    "m_a1_shared",
    "m_a1_private",
    "m_a3_private",
    "m_shared",
    "t_own",
}
EXPECTED = {
    "student": STUDENT_WORK,
    "classmate": CLASSMATE_WORK,
    "teacher": TEACHER_SEES,
    "other_teacher": {"ot_own", "os_b1_private", "os_shared"},
    "other_student": {"os_b1_private", "os_shared", "os_private"},
    "outsider": {"x_private", "x_shared"},
}


class World:
    def __init__(self, people, classes, assignments, highlights):
        self.people = people
        self.classes = classes
        self.assignments = assignments
        self.highlights = highlights

    def names(self, pks) -> set[str]:
        by_pk = {highlight.pk: name for name, highlight in self.highlights.items()}
        unknown = set(pks) - set(by_pk)
        assert not unknown, f"exported highlights that are not in the world: {unknown}"
        return {by_pk[pk] for pk in pks}

    def params(self, filters: dict) -> dict:
        """Filters with {c1}, {a1}, ... replaced by the ids of those rows."""
        ids = {name: obj.pk for name, obj in {**self.classes, **self.assignments}.items()}
        return {key: str(value).format(**ids) for key, value in filters.items()}


@pytest.fixture
def world(documents, glossary, teacher, student, classmate, outsider, classroom, make_assignment):
    other_teacher = make_user("other_teacher", "Hana", "Choi")
    other_student = make_user("other_student", "Jun", "Seo")
    people = {
        "teacher": teacher,
        "student": student,
        "classmate": classmate,
        "outsider": outsider,
        "other_teacher": other_teacher,
        "other_student": other_student,
    }
    other_class = add_class("History 102", other_teacher, other_student)
    seminar = add_class("Seminar 201", teacher, classmate)
    classes = {"c1": classroom, "c2": other_class, "c3": seminar}
    assignments = {}
    for name, owner_class, visibility in [
        ("a1", classroom, "class"),
        ("a2", classroom, "private"),
        ("a3", seminar, "class"),
        ("b1", other_class, "class"),
    ]:
        assignments[name] = make_assignment(
            owner_class,
            title=f"Assignment {name}",
            documents=documents.values(),
            visibility=visibility,
            min_highlights=0,
        )
    used = dict.fromkeys(PHRASES, 0)
    highlights = {}
    for name, (owner, assignment, visibility, slug, tags, entries, created) in WORK.items():
        document = documents[slug]
        phrase = PHRASES[slug][used[slug] % len(PHRASES[slug])]
        used[slug] += 1
        highlight = add_highlight(
            people[owner],
            document,
            phrase,
            tags=tags,
            visibility=visibility,
            assignment=assignments.get(assignment),
            note=f"Note on {name}",
        )
        highlight.glossary_entries.set([glossary[entry] for entry in entries])
        moment = datetime.fromisoformat(f"2026-{created}").replace(tzinfo=UTC)
        Highlight.objects.filter(pk=highlight.pk).update(created=moment)
        highlights[name] = highlight
    return World(people, classes, assignments, highlights)


def csv_ids(content: bytes) -> set[int]:
    ids = csv_highlight_ids(content)
    assert len(set(ids)) == len(ids), "each highlight once"
    return set(ids)


def jsonld_ids(content: bytes) -> set[int]:
    items = jsonld_items(json.loads(content))
    by_key = {str(key): pk for key, pk in Highlight.objects.values_list("client_key", "pk")}
    keys = [item["id"].rpartition("/annotations/")[2] for item in items]
    unknown = [key for key in keys if key not in by_key]
    assert not unknown, f"annotations that are no highlight here: {unknown}"
    assert len(set(keys)) == len(items), "each highlight once"
    return {by_key[key] for key in keys}


def exported(entry: str, client, user, filters: dict, tmp_path) -> set[int]:
    """The ids of the highlights `user` gets through `entry` with `filters`."""
    if entry.startswith("web"):
        client.force_login(user)
        response = client.get(WEB[entry], filters)
        assert response.status_code == 200, response.content
        content = b"".join(response.streaming_content)
    else:
        path = tmp_path / "export.out"
        options = [f"--{key}={value}" for key, value in filters.items()]
        call_command(
            "export_annotations",
            "--as",
            user.username,
            "--format",
            entry.removeprefix("command "),
            "-o",
            str(path),
            *options,
            stderr=io.StringIO(),
        )
        content = path.read_bytes()
    return jsonld_ids(content) if entry.endswith("jsonld") else csv_ids(content)


def names_exported(world: World, entry: str, client, viewer: str, filters, tmp_path) -> set[str]:
    pks = exported(entry, client, world.people[viewer], world.params(filters), tmp_path)
    return world.names(pks)


# Who gets what


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_it_exports_what_each_viewer_may_export(client, world, tmp_path, entry, viewer):
    assert names_exported(world, entry, client, viewer, {}, tmp_path) == EXPECTED[viewer]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_it_never_gives_the_teacher_a_students_private_work_outside_assignments(
    client, world, tmp_path, entry
):
    got = names_exported(world, entry, client, "teacher", {}, tmp_path)

    assert "s_private" not in got
    assert "m_private" not in got
    assert {"s_a1_private", "s_a2_private", "m_a1_private", "m_a3_private"} <= got
    assert {"s_shared", "m_shared"} <= got


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_it_gives_another_classes_teacher_none_of_this_class(client, world, tmp_path, entry):
    got = names_exported(world, entry, client, "other_teacher", {}, tmp_path)

    assert got.isdisjoint(STUDENT_WORK | CLASSMATE_WORK | {"t_own"})


STUDENT_FILTERS = [
    ({"student": "classmate"}, set()),
    ({"student": "teacher"}, set()),
    ({"student": "student"}, STUDENT_WORK),
    ({"classroom": "{c1}"}, STUDENT_WORK),
    ({"classroom": "{c3}"}, set()),
    ({"assignment": "{a1}"}, {"s_a1_private", "s_a1_shared"}),
    ({"assignment": "{a3}"}, set()),
    ({"document": "stalins-hot-war"}, {"s_a1_shared", "s_shared"}),
    ({"tag": "cold-war"}, {"s_a1_private", "s_shared", "s_private"}),
    ({"tag": "motive"}, {"s_a1_shared"}),
    ({"entry": "kim-il-sung"}, {"s_a1_private", "s_private"}),
    ({"entry": "joseph-stalin"}, {"s_shared"}),
    ({"since": "2026-01-01"}, STUDENT_WORK),
    ({"assignment": "{a1}", "student": "classmate"}, set()),
]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("filters", "expected"), STUDENT_FILTERS, ids=str)
def test_it_gives_a_student_only_their_own_whatever_the_filter(
    client, world, tmp_path, entry, filters, expected
):
    got = names_exported(world, entry, client, "student", filters, tmp_path)

    assert got == expected
    assert got <= STUDENT_WORK


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    "filters", [{}, {"student": "student"}, {"classroom": "{c1}"}, {"tag": "cold-war"}], ids=str
)
def test_it_gives_an_outsider_only_their_own(client, world, tmp_path, entry, filters):
    got = names_exported(world, entry, client, "outsider", filters, tmp_path)

    assert got <= {"x_private", "x_shared"}
    assert "s_shared" not in got


# Each filter narrows, for the teacher, who may export the most


TEACHER_FILTERS = [
    (
        {"classroom": "{c1}"},
        TEACHER_SEES - {"m_a3_private"},
    ),
    ({"classroom": "{c3}"}, {"m_a3_private", "m_shared", "t_own"}),
    ({"classroom": "{c2}"}, set()),
    ({"assignment": "{a1}"}, {"s_a1_private", "s_a1_shared", "m_a1_shared", "m_a1_private"}),
    ({"assignment": "{a2}"}, {"s_a2_private"}),
    ({"assignment": "{a3}"}, {"m_a3_private"}),
    ({"assignment": "{b1}"}, set()),
    ({"document": "stalins-hot-war"}, {"s_a1_shared", "s_shared", "m_a1_private"}),
    (
        {"document": "stalin-and-korean-war"},
        {"s_a1_private", "s_a2_private", "m_a1_shared", "m_a3_private", "m_shared", "t_own"},
    ),
    ({"document": "no-such-article"}, set()),
    ({"student": "student"}, {"s_a1_private", "s_a1_shared", "s_a2_private", "s_shared"}),
    (
        {"student": "classmate"},
        {"m_a1_shared", "m_a1_private", "m_a3_private", "m_shared"},
    ),
    ({"student": "other_student"}, set()),
    ({"tag": "cold-war"}, {"s_a1_private", "s_shared"}),
    ({"tag": "motive"}, {"s_a1_shared", "m_a3_private", "m_shared"}),
    ({"entry": "kim-il-sung"}, {"s_a1_private"}),
    ({"entry": "joseph-stalin"}, {"s_shared", "m_a1_shared"}),
    ({"since": "2026-03-01"}, {"m_a3_private", "m_shared", "t_own"}),
    ({"until": "2026-01-20"}, {"s_a1_private", "m_a1_shared", "s_a1_shared"}),
    (
        {"since": "2026-01-15", "until": "2026-01-25"},
        {"m_a1_shared", "s_a1_shared", "m_a1_private"},
    ),
    ({"since": "2026-02-10", "until": "2026-02-10"}, {"s_shared"}),
    (
        {"assignment": "{a1}", "student": "classmate", "document": "stalins-hot-war"},
        {"m_a1_private"},
    ),
    ({"classroom": "{c1}", "tag": "motive"}, {"s_a1_shared", "m_shared"}),
]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("filters", "expected"), TEACHER_FILTERS, ids=str)
def test_it_narrows_by_each_filter(client, world, tmp_path, entry, filters, expected):
    got = names_exported(world, entry, client, "teacher", filters, tmp_path)

    assert got == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, set(WORK)),
        ({"classroom": "{c2}"}, {"os_b1_private", "os_shared", "os_private", "ot_own"}),
        ({"student": "outsider"}, {"x_private", "x_shared"}),
        ({"tag": "cold-war"}, {n for n, work in WORK.items() if COLD in work[4]}),
    ],
    ids=str,
)
@pytest.mark.parametrize("output_format", FORMATS)
def test_it_exports_everything_from_the_command_without_as(
    world, tmp_path, filters, expected, output_format
):
    path = tmp_path / "all.out"
    options = [f"--{key}={value}" for key, value in world.params(filters).items()]

    call_command(
        "export_annotations",
        "--format",
        output_format,
        "-o",
        str(path),
        *options,
        stderr=io.StringIO(),
    )

    content = path.read_bytes()
    pks = jsonld_ids(content) if output_format == "jsonld" else csv_ids(content)
    assert world.names(pks) == expected


# Refusals


@pytest.mark.parametrize("url", WEB.values())
@pytest.mark.parametrize("filters", [{}, {"student": "student"}, {"classroom": "1"}], ids=str)
def test_it_sends_anonymous_visitors_to_log_in(client, world, url, filters):
    response = client.get(url, filters)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=" + url)


BAD_FILTERS = [
    ({"classroom": "abc"}, ["classroom"]),
    ({"assignment": "first"}, ["assignment"]),
    ({"assignment": "0"}, ["assignment"]),
    ({"since": "2026-13-45"}, ["since"]),
    ({"since": "yesterday"}, ["since"]),
    ({"until": "22/11/2026"}, ["until"]),
    ({"since": "2026-11-23", "until": "2026-11-22"}, ["since", "until"]),
    ({"document": "bad slug!"}, ["document"]),
    ({"entry": "kim il sung"}, ["entry"]),
]


@pytest.mark.parametrize("url", WEB.values())
@pytest.mark.parametrize(("filters", "named"), BAD_FILTERS, ids=str)
def test_it_refuses_a_filter_it_cannot_read(client, world, url, filters, named):
    client.force_login(world.people["teacher"])

    response = client.get(url, filters)

    assert response.status_code == 400
    message = response.content.decode()
    for name in named:
        assert name in message
    assert "highlight_id" not in message
    assert "Note on" not in message
    assert not response.has_header("Content-Disposition")


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize(("filters", "named"), BAD_FILTERS, ids=str)
def test_it_refuses_a_filter_it_cannot_read_in_the_command(
    world, tmp_path, output_format, filters, named
):
    path = tmp_path / "bad.out"
    options = [f"--{key}={value}" for key, value in filters.items()]

    with pytest.raises(CommandError) as raised:
        call_command(
            "export_annotations",
            "--as",
            "teacher",
            "--format",
            output_format,
            "-o",
            str(path),
            *options,
            stderr=io.StringIO(),
        )

    for name in named:
        assert name in str(raised.value)
    assert not path.exists()


def test_it_refuses_an_unknown_user_in_the_command(world, tmp_path):
    with pytest.raises(CommandError, match="nobody"):
        call_command(
            "export_annotations",
            "--as",
            "nobody",
            "-o",
            str(tmp_path / "x.csv"),
            stderr=io.StringIO(),
        )


@pytest.mark.parametrize("url", WEB.values())
def test_it_refuses_post(client, world, url):
    client.force_login(world.people["teacher"])

    response = client.post(url, {"student": "student"})

    assert response.status_code == 405
