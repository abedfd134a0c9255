import re
import uuid

import pytest

from annotations.models import Highlight, Tag
from tests.helpers import HTMX


def create(client, document, phrase: str, tags: str, visibility: str = "private"):
    start = document.text.index(phrase)
    return client.post(
        f"/documents/{document.slug}/highlights/new/",
        {
            "start": start,
            "end": start + len(phrase),
            "exact": phrase,
            "revision": document.revision,
            "tags": tags,
            "visibility": visibility,
            "client_key": str(uuid.uuid4()),
        },
    )


def options(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)">', html)


def cards(html: str) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'href="/documents/[\w-]+/(?:\?outside=1)?#h-(\d+)"', html)
    ]


# Normalising, through the views that take tags


def test_it_keeps_one_tag_of_each_in_any_case(client, document, student):
    client.force_login(student)

    response = create(client, document, "Incheon landing", "Cold War, cold  war , COLD WAR")

    assert response.status_code == 302
    assert list(Highlight.objects.get().tags.names()) == ["Cold War"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Cold War"]


def test_it_trims_and_collapses_whitespace(client, document, student):
    client.force_login(student)

    create(client, document, "Incheon landing", "  cold\t\twar  ,\n Stalin ,, , ")

    assert sorted(Highlight.objects.get().tags.names()) == ["Stalin", "cold war"]
    assert Tag.objects.count() == 2


def test_it_reuses_a_tag_whatever_its_case(client, document, student, classmate):
    client.force_login(student)
    create(client, document, "Incheon landing", "Cold War")
    client.force_login(classmate)

    response = create(client, document, "Gimpo airfield", "cold war, COLD war")

    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["Cold War"]
    tag = Tag.objects.get()
    assert sorted(h.exact for h in Highlight.objects.filter(tags=tag)) == [
        "Gimpo airfield",
        "Incheon landing",
    ]


def test_it_reuses_a_tag_whatever_its_case_when_editing(client, student, make_highlight):
    make_highlight(student, "Incheon landing", tags=["Cold War"])
    highlight = make_highlight(student, "Gimpo airfield")
    client.force_login(student)

    response = client.post(
        f"/highlights/{highlight.pk}/edit/",
        {"note": "", "tags": " cold   WAR, Seoul, seoul", "visibility": "private"},
    )

    assert response.status_code == 302
    assert sorted(highlight.tags.names()) == ["Cold War", "Seoul"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Cold War", "Seoul"]


def test_it_accepts_20_tags_of_50_characters(client, document, student):
    client.force_login(student)
    names = [f"{n:02d}" + "x" * 48 for n in range(20)]

    response = create(client, document, "Incheon landing", ", ".join(names))

    assert response.status_code == 302
    assert sorted(Highlight.objects.get().tags.names()) == names


def test_it_counts_tags_after_removing_duplicates(client, document, student):
    client.force_login(student)
    names = [f"tag {n}" for n in range(20)]

    response = create(client, document, "Incheon landing", ", ".join(names + ["TAG 0"]))

    assert response.status_code == 302
    assert Highlight.objects.get().tags.count() == 20


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (", ".join(f"tag {n}" for n in range(21)), "At most 20 tags per highlight"),
        ("fine, " + "y" * 51, "Tags are at most 50 characters"),
        ("fine, <x>", "Tags cannot contain &lt; or &gt;."),
    ],
)
def test_it_refuses_bad_tags(client, document, student, make_highlight, tags, message):
    make_highlight(student, "Gimpo airfield", tags=["Cold War"])
    client.force_login(student)

    response = create(client, document, "Incheon landing", tags)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert Highlight.objects.count() == 1
    assert list(Tag.objects.values_list("name", flat=True)) == ["Cold War"]


# The page of one tag


@pytest.fixture
def tagged(classroom, student, classmate, outsider, make_highlight, documents):
    elsewhere = documents["stalins-hot-war"]
    return {
        "student private": make_highlight(student, "Incheon", tags=["Cold War"]),
        "student class": make_highlight(
            student, "Gimpo airfield", tags=["cold war"], visibility="class"
        ),
        "student class elsewhere": make_highlight(
            student,
            "The archive on the Korean war",
            doc=elsewhere,
            tags=["Cold War"],
            visibility="class",
        ),
        "classmate private": make_highlight(
            classmate, "Moscow", note="Classmate secret", tags=["Cold War", "Secret plans"]
        ),
        "outsider class": make_highlight(
            outsider, "Beijing", tags=["Cold War"], visibility="class"
        ),
    }


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("student", ["student private", "student class", "student class elsewhere"]),
        ("classmate", ["student class", "student class elsewhere", "classmate private"]),
        ("teacher", ["student class", "student class elsewhere"]),
        ("outsider", ["outsider class"]),
    ],
)
def test_it_lists_the_tagged_highlights_the_viewer_may_see(
    client, request, tagged, viewer, visible
):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get("/tags/cold-war/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Tagged “Cold War”" in html
    assert sorted(cards(html)) == sorted(tagged[name].pk for name in visible)
    if viewer != "classmate":
        assert "Classmate secret" not in html
        assert "Secret plans" not in html


@pytest.mark.parametrize("viewer", ["student", "teacher", "outsider"])
def test_it_hides_a_tag_seen_only_on_private_highlights_of_others(client, request, tagged, viewer):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get("/tags/secret-plans/")

    assert response.status_code == 404
    assert "Secret plans" not in response.content.decode()


def test_it_shows_a_private_tag_to_its_owner(client, classmate, tagged):
    client.force_login(classmate)

    response = client.get("/tags/secret-plans/")

    assert response.status_code == 200
    assert cards(response.content.decode()) == [tagged["classmate private"].pk]


def test_it_links_a_tag_in_any_script_to_its_page(client, document, student):
    client.force_login(student)
    create(client, document, "Incheon landing", "한국 전쟁")
    highlight = Highlight.objects.get()

    card = client.get(f"/highlights/{highlight.pk}/", headers=HTMX).content.decode()
    link = re.search(r'<a class="tag" href="([^"]+)">한국 전쟁</a>', card)

    assert link
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert cards(response.content.decode()) == [highlight.pk]


def test_it_answers_404_for_an_unknown_tag(client, student, tagged):
    client.force_login(student)

    assert client.get("/tags/no-such-tag/").status_code == 404


def test_it_answers_htmx_with_the_tag_page(client, student, tagged):
    client.force_login(student)

    response = client.get("/tags/cold-war/", headers=HTMX)

    assert response.status_code == 200
    assert len(cards(response.content.decode())) == 3


def test_it_sends_anonymous_readers_to_log_in_from_a_tag(client, tagged):
    response = client.get("/tags/cold-war/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/tags/cold-war/"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods_on_a_tag(client, student, tagged, method):
    client.force_login(student)

    assert getattr(client, method)("/tags/cold-war/").status_code == 405


# Suggestions while typing


@pytest.fixture
def in_use(classroom, student, classmate, outsider, make_highlight):
    """Tags on the class's highlights, used 3, 2 and 1 times, and some private ones."""
    shared = [
        ("Incheon", ["Stalin", "Stalemate", "Strategy", "Cold War"]),
        ("Gimpo airfield", ["Stalin", "Stalemate"]),
        ("Moscow", ["Stalin"]),
    ]
    for phrase, tags in shared:
        make_highlight(student, phrase, tags=tags, visibility="class")
    for phrase in ("Pyongyang", "Beijing", "Seoul", "Busan"):
        make_highlight(classmate, phrase, tags=["Stubborn secret"])
        make_highlight(outsider, phrase, tags=["Strange outsider"], visibility="class")


def suggest(client, typed: str, headers=HTMX) -> list[str]:
    response = client.get("/tag-suggestions/", {"tags": typed}, headers=headers)
    assert response.status_code == 200
    return options(response.content.decode())


def test_it_suggests_tags_in_order_of_use(client, student, in_use):
    client.force_login(student)

    assert suggest(client, "cold war, st") == [
        "cold war, Stalin",
        "cold war, Stalemate",
        "cold war, Strategy",
    ]


def test_it_matches_what_is_typed_in_any_case_and_spacing(client, student, in_use):
    client.force_login(student)

    assert suggest(client, "  STALE") == ["Stalemate"]
    assert suggest(client, "cold   war ,  stra") == ["cold war, Strategy"]


def test_it_suggests_every_visible_tag_before_anything_is_typed(client, teacher, in_use):
    client.force_login(teacher)

    assert suggest(client, "") == ["Stalin", "Stalemate", "Cold War", "Strategy"]


def test_it_does_not_suggest_a_tag_already_chosen(client, student, in_use):
    client.force_login(student)

    assert suggest(client, "STALIN, st") == ["STALIN, Stalemate", "STALIN, Strategy"]


@pytest.mark.parametrize("viewer", ["student", "teacher"])
def test_it_never_suggests_the_private_tags_of_others(client, request, in_use, viewer):
    client.force_login(request.getfixturevalue(viewer))

    suggested = suggest(client, "st")

    assert "Stubborn secret" not in suggested
    assert "Strange outsider" not in suggested
    assert suggest(client, "secret") == []


def test_it_suggests_own_private_tags(client, classmate, in_use):
    client.force_login(classmate)

    assert suggest(client, "st") == ["Stubborn secret", "Stalin", "Stalemate", "Strategy"]


def test_it_suggests_to_an_outsider_only_their_own_tags(client, outsider, in_use):
    client.force_login(outsider)

    assert suggest(client, "st") == ["Strange outsider"]


def test_it_answers_without_htmx_too(client, student, in_use):
    client.force_login(student)

    assert suggest(client, "strat", headers={}) == ["Strategy"]


def test_it_escapes_suggested_tags(client, student, make_highlight):
    make_highlight(student, "Incheon", tags=['"><script>alert(1)</script>'])
    client.force_login(student)

    html = client.get("/tag-suggestions/", {"tags": "script"}).content.decode()

    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_sends_anonymous_readers_to_log_in_from_suggestions(client, in_use):
    response = client.get("/tag-suggestions/", {"tags": "st"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_other_methods_on_suggestions(client, student, in_use, method):
    client.force_login(student)

    assert getattr(client, method)("/tag-suggestions/").status_code == 405


# The assignment's suggested tags: in its brief, and asked for by the Tags field

ASKS_FOR_ASSIGNMENT = "hx-vals='{\"assignment\": %d}'"


def test_it_suggests_the_assignments_tags_first(client, student, in_use, assignment):
    client.force_login(student)

    response = client.get(
        "/tag-suggestions/", {"tags": "", "assignment": assignment.pk}, headers=HTMX
    )

    assert options(response.content.decode())[:3] == ["evidence", "motive", "Stalin"]


def test_the_editor_in_an_assignment_asks_for_its_suggested_tags(
    client, student, assignment, document
):
    client.force_login(student)
    start = document.text.index("Stalin")
    query = {"start": start, "end": start + 6, "exact": "Stalin", "revision": document.revision}

    within = client.get(
        f"/documents/{document.slug}/highlights/new/",
        {**query, "assignment": assignment.pk},
        headers=HTMX,
    ).content.decode()
    outside = client.get(
        f"/documents/{document.slug}/highlights/new/", query, headers=HTMX
    ).content.decode()

    assert ASKS_FOR_ASSIGNMENT % assignment.pk in within
    assert "hx-vals" not in outside
    assert "hx-include" not in within  # which matched nothing, and logged an error


def test_editing_a_highlight_of_an_assignment_asks_for_its_suggested_tags(
    client, student, assignment, make_highlight
):
    highlight = make_highlight(student, "Stalin", assignment=assignment)
    client.force_login(student)

    html = client.get(f"/highlights/{highlight.pk}/edit/", headers=HTMX).content.decode()

    assert ASKS_FOR_ASSIGNMENT % assignment.pk in html


@pytest.mark.parametrize("page", ["assignment", "reading view"])
def test_the_assignments_brief_lists_its_suggested_tags(
    client, student, assignment, document, page
):
    client.force_login(student)
    url = (
        f"/assignments/{assignment.pk}/"
        if page == "assignment"
        else f"/assignments/{assignment.pk}/documents/{document.slug}/"
    )

    html = client.get(url).content.decode()

    assert "Suggested tags, offered first in the Tags field:" in html
    tags = '<li><span class="tag">evidence</span></li><li><span class="tag">motive</span></li>'
    assert tags in html
