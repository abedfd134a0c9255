"""Keeping the glossary on ordinary pages: adding, editing and merging entries."""

import re

import pytest
from django.test import Client
from django.utils.html import escape

from annotations.glossary import recompute_mentions
from annotations.loading import load_glossary
from annotations.models import Alias, GlossaryEntry, Highlight, Mention
from tests.helpers import HTMX, partial_html

CREATE_URL = "/glossary/new/"


def edit_url(entry) -> str:
    return f"/glossary/{entry.slug}/edit/"


def merge_url(entry) -> str:
    return f"/glossary/{entry.slug}/merge/"


def make_entry(slug, name, *, aliases=(), short_forms=(), kind="person", **fields):
    entry = GlossaryEntry.objects.create(
        slug=slug, name=name, kind=kind, summary=f"About {name}.", **fields
    )
    for text in aliases:
        Alias.objects.create(entry=entry, text=text)
    for text in short_forms:
        Alias.objects.create(entry=entry, text=text, is_short=True)
    return entry


def aliases_of(entry) -> set[tuple[str, bool]]:
    return set(Alias.objects.filter(entry_id=entry.pk).values_list("text", "is_short"))


def snapshot() -> tuple:
    """Everything curation can change, read back from the database."""
    return (
        list(GlossaryEntry.objects.order_by("pk").values()),
        list(Alias.objects.order_by("pk").values_list("entry_id", "text", "is_short")),
        list(Mention.objects.order_by("pk").values_list("entry_id", "document_id", "start")),
        list(Highlight.glossary_entries.through.objects.order_by("pk").values_list()),
    )


@pytest.fixture
def curator(teacher, classroom):
    """The teacher of History 101: teachers keep the shared glossary."""
    return teacher


@pytest.fixture
def entry(db):
    return make_entry(
        "kim-il-sung",
        "Kim Il-sung",
        aliases=["Kim Il Sung", "Kim II Sung"],
        short_forms=["Kim"],
        other_names=["Kim Song-ju"],
        born="1912-04-15",
        died="1994-07-08",
    )


@pytest.fixture
def other(db):
    return make_entry("joseph-stalin", "Joseph Stalin", aliases=["Stalin"], wikidata="Q855")


def valid_entry(**changes) -> dict:
    return {
        "kind": "place",
        "name": "Kaesong",
        "slug": "",
        "summary": "A city on the 38th parallel where the armistice talks began in 1951.",
        "aliases": "Kaesong\nKaesŏng",
        "short_forms": "",
        "other_names": "Songdo",
        "wikidata": "Q42164",
        "born": "",
        "died": "",
        "latitude": "37.97",
        "longitude": "126.55",
        **changes,
    }


# Who may curate


def view_url(view: str, entry) -> str:
    return {"create": CREATE_URL, "edit": edit_url(entry), "merge": merge_url(entry)}[view]


VIEWS = ["create", "edit", "merge"]


@pytest.mark.parametrize("view", VIEWS)
def test_it_sends_anonymous_visitors_to_log_in(client, entry, view):
    url = view_url(view, entry)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("who", ["student", "classmate", "outsider"])
def test_it_forbids_anyone_who_is_not_a_curator(
    client, request, classroom, entry, other, who, view, method
):
    client.force_login(request.getfixturevalue(who))
    before = snapshot()
    data = {"absorbed": other.pk} if view == "merge" else valid_entry(name="Kim")

    response = getattr(client, method)(view_url(view, entry), data)

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("who", ["curator", "staff"])
def test_it_lets_teachers_and_staff_in(client, request, entry, other, who, view):
    client.force_login(request.getfixturevalue(who))

    response = client.get(view_url(view, entry))

    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("view", ["edit", "merge"])
@pytest.mark.parametrize("who", ["curator", "student"])
def test_it_answers_404_for_an_unknown_entry(client, request, classroom, view, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(f"/glossary/no-such-entry/{view}/")

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("view", VIEWS)
def test_it_refuses_other_methods(client, curator, entry, view, method):
    client.force_login(curator)

    response = getattr(client, method)(view_url(view, entry))

    assert response.status_code == 405


@pytest.mark.parametrize("view", VIEWS)
def test_it_needs_the_csrf_token(curator, entry, other, view):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    before = snapshot()
    data = {"absorbed": other.pk} if view == "merge" else valid_entry()

    response = client.post(view_url(view, entry), data)

    assert response.status_code == 403
    assert snapshot() == before


# Adding an entry


def test_it_shows_an_empty_form_with_every_field_labelled(client, curator):
    client.force_login(curator)

    response = client.get(CREATE_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Add a glossary entry" in html
    assert 'action="/glossary/new/"' in html
    for name in valid_entry():
        assert f'<label for="id_{name}"' in html, name
        assert f'id="id_{name}"' in html, name
    assert 'aria-describedby="id_aliases_helptext"' in html
    assert 'id="id_aliases_helptext"' in html


def test_it_adds_an_entry_with_its_names_and_redirects_to_it(client, curator):
    client.force_login(curator)

    response = client.post(
        CREATE_URL, valid_entry(short_forms="Songak", other_names="Songdo\nKaijo")
    )

    assert response.status_code == 302
    assert response.url == "/glossary/kaesong/"
    entry = GlossaryEntry.objects.get(slug="kaesong")
    assert (entry.kind, entry.name, entry.wikidata) == ("place", "Kaesong", "Q42164")
    assert entry.summary.startswith("A city on the 38th parallel")
    assert (entry.latitude, entry.longitude) == (37.97, 126.55)
    assert (entry.born, entry.died) == ("", "")
    assert entry.other_names == ["Songdo", "Kaijo"]
    assert aliases_of(entry) == {("Kaesong", False), ("Kaesŏng", False), ("Songak", True)}


def test_it_keeps_a_slug_given_and_tidies_the_lines(client, curator):
    client.force_login(curator)
    data = valid_entry(
        slug="kaesong-city",
        aliases="  Kaesong \n\n Kaesong   city\n",
        wikidata="q42164",
        born="",
    )

    response = client.post(CREATE_URL, data)

    assert response.url == "/glossary/kaesong-city/"
    entry = GlossaryEntry.objects.get(slug="kaesong-city")
    assert aliases_of(entry) == {("Kaesong", False), ("Kaesong city", False)}
    assert entry.wikidata == "Q42164"


def test_it_shows_the_message_on_the_new_entry(client, curator, documents):
    client.force_login(curator)

    response = client.post(CREATE_URL, valid_entry(), follow=True)

    assert response.redirect_chain == [("/glossary/kaesong/", 302)]
    assert "Added “Kaesong” to the glossary." in response.content.decode()


def test_it_finds_the_mentions_of_a_new_entry(client, curator, documents):
    load_glossary()
    client.force_login(curator)
    data = valid_entry(kind="work", name="The Korean War", aliases="Korean War", other_names="")

    client.post(CREATE_URL, data)

    entry = GlossaryEntry.objects.get(slug="the-korean-war")
    assert entry.mentions.count() == sum(doc.text.count("Korean War") for doc in documents.values())


# Editing an entry


def test_it_shows_the_entry_as_it_is(client, curator, entry):
    client.force_login(curator)

    response = client.get(edit_url(entry))

    html = response.content.decode()
    assert "Edit “Kim Il-sung”" in html
    assert 'action="/glossary/kim-il-sung/edit/"' in html
    assert re.search(
        r'<textarea[^>]*name="aliases"[^>]*>\s*Kim II Sung\nKim Il Sung</textarea>', html
    )
    assert re.search(r'<textarea[^>]*name="short_forms"[^>]*>\s*Kim</textarea>', html)
    assert re.search(r'<textarea[^>]*name="other_names"[^>]*>\s*Kim Song-ju</textarea>', html)
    assert 'value="1912-04-15"' in html


def test_it_saves_the_changes(client, curator, entry):
    client.force_login(curator)
    data = {
        "kind": "person",
        "name": "Kim Il Sung",
        "slug": "kim-il-sung",
        "summary": "Leader of North Korea from 1948 until his death.",
        "aliases": "Kim Il Sung\nKim Il-sung",  # one dropped, one added
        "short_forms": "Kim\nKim II Sung",  # a full alias turned into a short form
        "other_names": "",
        "wikidata": "Q40878",
        "born": "1912",
        "died": "1994-07",
        "latitude": "",
        "longitude": "",
    }

    response = client.post(edit_url(entry), data)

    assert response.status_code == 302
    assert response.url == "/glossary/kim-il-sung/"
    entry.refresh_from_db()
    assert (entry.name, entry.wikidata, entry.born, entry.died) == (
        "Kim Il Sung",
        "Q40878",
        "1912",
        "1994-07",
    )
    assert entry.summary == "Leader of North Korea from 1948 until his death."
    assert entry.other_names == []
    assert aliases_of(entry) == {
        ("Kim Il Sung", False),
        ("Kim Il-sung", False),
        ("Kim", True),
        ("Kim II Sung", True),
    }


def test_it_moves_the_entry_to_a_new_address(client, curator, entry):
    client.force_login(curator)
    data = valid_entry(kind="person", name="Kim Il-sung", slug="kim-il-song", aliases="Kim Il Sung")

    response = client.post(edit_url(entry), data, follow=True)

    assert response.redirect_chain == [("/glossary/kim-il-song/", 302)]
    assert "Saved “Kim Il-sung”." in response.content.decode()
    assert GlossaryEntry.objects.get(pk=entry.pk).slug == "kim-il-song"


def test_it_keeps_an_entrys_own_aliases_and_shared_short_forms(client, curator, entry):
    make_entry("kim-song-chil", "Kim Song-chil", aliases=["Kim Song-chil"], short_forms=["Kim"])
    client.force_login(curator)
    data = valid_entry(
        kind="person",
        name="Kim Il-sung",
        slug="kim-il-sung",
        aliases="Kim Il Sung\nKim II Sung",
        short_forms="Kim",
        latitude="",
        longitude="",
    )

    response = client.post(edit_url(entry), data)

    assert response.status_code == 302
    assert aliases_of(entry) == {("Kim Il Sung", False), ("Kim II Sung", False), ("Kim", True)}


def test_it_saves_every_entry_of_the_real_glossary_unchanged(client, curator, documents, settings):
    # Every entry saved within a minute, as no curator would: past WRITE_LIMITS's rate.
    settings.WRITE_LIMITS = {**settings.WRITE_LIMITS, "glossary": "1000/m"}
    load_glossary()
    before = snapshot()
    client.force_login(curator)

    for entry in GlossaryEntry.objects.all():
        form = client.get(edit_url(entry)).context["form"]
        data = {field.name: "" if field.value() is None else field.value() for field in form}

        response = client.post(edit_url(entry), data)

        assert response.status_code == 302, (entry.slug, response.context["form"].errors)
    entries, aliases, mentions, _ = snapshot()
    assert [{**row, "updated": None} for row in entries] == [
        {**row, "updated": None} for row in before[0]
    ]
    assert sorted(aliases) == sorted(before[1])
    assert len(mentions) == len(before[2])


def test_it_finds_the_mentions_of_an_alias_added(client, curator, documents):
    load_glossary()
    entry = GlossaryEntry.objects.get(slug="soviet-union")
    before = set(entry.mentions.values_list("document__slug", "start"))
    expected = {
        (slug, match.start())
        for slug, document in documents.items()
        for match in re.finditer(r"\bSoviets\b", document.text)
    }
    assert expected and not expected & before
    client.force_login(curator)
    data = valid_entry(
        name=entry.name,
        slug=entry.slug,
        summary=entry.summary,
        aliases="Soviet Union\nUSSR\nSoviets",
        short_forms="Russia",
        other_names="",
        latitude="",
        longitude="",
    )

    response = client.post(edit_url(entry), data)

    assert response.status_code == 302
    after = set(entry.mentions.values_list("document__slug", "start"))
    assert after == before | expected


# Refusals


# Changes to a valid entry, each refused with the message shown. The glossary holds
# `entry` (Kim Il-sung, short form "Kim") and `other` (Joseph Stalin, alias "Stalin").
BAD_INPUT = {
    "missing alias": ({"aliases": " \n "}, "Give at least one alias"),
    "alias of another entry": (
        {"aliases": "Kaesong\nStalin"},
        "“Stalin” is already an alias of “Joseph Stalin”",
    ),
    "alias another entry has as a short form": (
        {"aliases": "Kaesong\nKim"},
        "“Kim” is a short form of “Kim Il-sung”",
    ),
    "short form another entry has as an alias": (
        {"short_forms": "Stalin"},
        "“Stalin” is an alias of “Joseph Stalin”",
    ),
    "short form that is an alias here": (
        {"short_forms": "Kaesong"},
        "“Kaesong” is an alias above already",
    ),
    "alias twice": ({"aliases": "Kaesong\nKaesong"}, "“Kaesong” is listed twice."),
    "alias too long": ({"aliases": "K" * 201}, "Each line is at most 200 characters"),
    "bad wikidata": ({"wikidata": "Kaesong"}, "A Wikidata id looks like Q855."),
    "bad date": ({"born": "12 May 1950"}, "Write the date as YYYY, YYYY-MM or YYYY-MM-DD"),
    "impossible date": ({"died": "1950-02-30"}, "There is no such date as 1950-02-30."),
    "death before birth": (
        {"born": "1950", "died": "1949-12"},
        "The date of death is before the date of birth.",
    ),
    "latitude without longitude": (
        {"longitude": ""},
        "Give the longitude too: a place needs both, or neither.",
    ),
    "longitude without latitude": ({"latitude": ""}, "Give the latitude too"),
    "latitude out of range": (
        {"latitude": "91"},
        "Ensure this value is less than or equal to 90.",
    ),
    "markup in the summary": (
        {"summary": "A <b>city</b>."},
        "Summary must be plain text: remove the HTML markup",
    ),
    "script in the summary": (
        {"summary": "<script>alert(1)</script>"},
        "Summary must be plain text",
    ),
    "summary too long": (
        {"summary": "x" * 1001},
        "Ensure this value has at most 1000 characters (it has 1001).",
    ),
    "no summary": ({"summary": ""}, "This field is required."),
    "slug new": ({"slug": "new"}, "“new” is the address of a page of the glossary"),
    "slug of another entry": (
        {"slug": "joseph-stalin"},
        "“Joseph Stalin” already has the web address “joseph-stalin”",
    ),
    "name of another entry": (
        {"name": "Joseph Stalin", "aliases": "Funsee"},
        "“Joseph Stalin” already has the web address “joseph-stalin”",
    ),
    "unknown kind": ({"kind": "event"}, "Select a valid choice."),
}


@pytest.mark.parametrize("case", BAD_INPUT.keys())
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("view", ["create", "edit"])
def test_it_refuses_bad_input(client, curator, entry, other, case, headers, view):
    changes, message = BAD_INPUT[case]
    url = CREATE_URL
    if view == "edit":
        url = edit_url(make_entry("kaesong", "Kaesong", aliases=["Kaesong"], kind="place"))
    client.force_login(curator)
    before = snapshot()

    response = client.post(url, valid_entry(**changes), headers=headers)

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert "The entry was not saved" in html
    assert ("<html" in html) is not bool(headers)
    assert "<script>alert(1)" not in html and "<b>city</b>" not in html
    assert snapshot() == before


def test_it_ties_each_error_to_its_field(client, curator):
    client.force_login(curator)

    response = client.post(CREATE_URL, valid_entry(wikidata="Kaesong"))

    html = response.content.decode()
    field = re.search(r'<input[^>]*name="wikidata"[^>]*>', html).group()
    assert 'aria-invalid="true"' in field
    assert re.search(r'aria-describedby="[^"]*id_wikidata_error', field)
    assert '<ul class="errorlist" id="id_wikidata_error">' in html
    assert 'role="alert"' in html


def test_it_refuses_an_empty_post(client, curator, entry):
    client.force_login(curator)
    before = snapshot()

    response = client.post(edit_url(entry), {})

    assert response.status_code == 422
    assert "Give at least one alias" in response.content.decode()
    assert snapshot() == before


def test_it_keeps_the_saved_name_and_address_on_a_refused_edit(client, curator, entry):
    client.force_login(curator)
    data = valid_entry(name="Somebody Else", slug="somebody-else", summary="")

    response = client.post(edit_url(entry), data)

    html = response.content.decode()
    assert "Edit “Kim Il-sung”" in html
    assert 'action="/glossary/kim-il-sung/edit/"' in html
    assert 'value="Somebody Else"' in html


# htmx


@pytest.mark.parametrize("view", VIEWS)
def test_it_shows_only_the_form_to_htmx(client, curator, entry, other, view):
    client.force_login(curator)

    response = client.get(view_url(view, entry), headers=HTMX)

    html = partial_html(response)
    assert "<h1" in html
    assert f'hx-post="{view_url(view, entry)}"' in html


def test_it_sends_htmx_to_the_new_entry(client, curator):
    client.force_login(curator)

    response = client.post(CREATE_URL, valid_entry(), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/glossary/kaesong/"
    assert GlossaryEntry.objects.filter(slug="kaesong").exists()


def test_it_sends_htmx_to_the_edited_entry(client, curator, entry):
    client.force_login(curator)
    data = valid_entry(kind="person", name="Kim Il-sung", slug="kim-il-sung", aliases="Kim")

    response = client.post(edit_url(entry), data, headers=HTMX)

    assert response["HX-Redirect"] == "/glossary/kim-il-sung/"
    assert aliases_of(entry) == {("Kim", False)}


# Merging


def test_it_shows_what_a_merge_does_and_the_other_entries_by_kind(client, curator, entry, other):
    make_entry("pyongyang", "Pyongyang", aliases=["Pyongyang"], kind="place")
    client.force_login(curator)

    response = client.get(merge_url(entry))

    html = response.content.decode()
    assert "Merge another entry into “Kim Il-sung”" in html
    assert "Then it is deleted from the glossary." in html
    assert "Every highlight linked to it is linked to “Kim Il-sung” instead" in html
    assert '<label for="id_absorbed">Entry to merge into this one</label>' in html
    select = re.search(r"<select[^>]*>.*?</select>", html, re.S).group()
    assert 'aria-describedby="id_absorbed_helptext"' in select
    assert '<optgroup label="Person">' in select and '<optgroup label="Place">' in select
    assert f'<option value="{other.pk}">Joseph Stalin</option>' in select
    assert f'value="{entry.pk}"' not in select
    assert (
        '<button type="submit" class="button">Review the merge</button>' in html
    )  # then a confirmation


@pytest.fixture
def duplicate(db):
    """Kim Il-sung entered twice, under another spelling, with facts the first lacks."""
    return make_entry(
        "kim-il-song",
        "Kim Il Song",
        aliases=["Kim Il Song", "Kim 11 Sung"],
        short_forms=["Kim", "Il"],
        other_names=["Kim Song-ju", "Great Leader"],
        wikidata="Q40878",
    )


def test_it_merges_names_and_facts_into_the_survivor(client, curator, entry, duplicate):
    Alias.objects.create(entry=entry, text="Song", is_short=True)
    Alias.objects.create(entry=duplicate, text="Song")
    client.force_login(curator)

    response = client.post(merge_url(entry), {"absorbed": duplicate.pk, "confirmed": "1"})

    assert response.status_code == 302
    assert response.url == "/glossary/kim-il-sung/"
    assert not GlossaryEntry.objects.filter(pk=duplicate.pk).exists()
    assert aliases_of(entry) == {
        ("Kim Il Sung", False),
        ("Kim II Sung", False),
        ("Kim Il Song", False),
        ("Kim 11 Sung", False),
        ("Song", False),  # full on the absorbed entry, so full now
        ("Kim", True),  # both had it: once
        ("Il", True),
    }
    entry.refresh_from_db()
    assert entry.other_names == ["Kim Song-ju", "Great Leader"]
    assert entry.wikidata == "Q40878"
    assert (entry.born, entry.died) == ("1912-04-15", "1994-07-08")
    assert entry.summary == "About Kim Il-sung."


def test_it_keeps_the_survivors_own_facts_and_the_absorbed_name(client, curator, entry, other):
    entry.wikidata = "Q40878"
    entry.save()
    client.force_login(curator)

    client.post(merge_url(other), {"absorbed": entry.pk, "confirmed": "1"})

    other.refresh_from_db()
    assert other.wikidata == "Q855"
    assert (other.born, other.died) == ("1912-04-15", "1994-07-08")
    assert other.other_names == ["Kim Il-sung", "Kim Song-ju"]


def test_it_moves_every_highlight_link_to_the_survivor(
    client, curator, student, classmate, entry, duplicate, other, make_highlight
):
    only_survivor = make_highlight(student, "Stalin was hardly surprised.")
    only_absorbed = make_highlight(classmate, "Stalin was hardly surprised.")
    both = make_highlight(student, "Kim Il-sung")
    unrelated = make_highlight(classmate, "Kim Il-sung")
    only_survivor.glossary_entries.set([entry])
    only_absorbed.glossary_entries.set([duplicate])
    both.glossary_entries.set([entry, duplicate, other])
    unrelated.glossary_entries.set([other])
    links = Highlight.glossary_entries.through.objects
    assert (Highlight.objects.count(), links.count()) == (4, 6)
    client.force_login(curator)

    client.post(merge_url(entry), {"absorbed": duplicate.pk, "confirmed": "1"})

    assert Highlight.objects.count() == 4
    assert links.count() == 5  # the survivor and the absorbed entry on `both` became one
    assert set(entry.highlights.all()) == {only_survivor, only_absorbed, both}
    assert links.filter(highlight=both, glossaryentry=entry).count() == 1
    assert set(both.glossary_entries.all()) == {entry, other}
    assert set(unrelated.glossary_entries.all()) == {other}


def test_it_moves_the_mentions_to_the_survivor(client, curator, documents):
    load_glossary()
    mentions = Mention.objects.values_list("document_id", "start", "end", "entry__slug")
    expected = set(mentions.all())
    # Mao entered twice: one of his spellings on an entry of its own.
    mao = GlossaryEntry.objects.get(slug="mao-zedong")
    twin = make_entry("mao-ze-dong", "Mao Ze Dong")
    Alias.objects.filter(entry=mao, text="Mao Ze Dong").update(entry=twin)
    recompute_mentions()
    assert twin.mentions.exists()
    assert set(mentions.all()) != expected
    client.force_login(curator)

    response = client.post(merge_url(mao), {"absorbed": twin.pk, "confirmed": "1"})

    assert response.status_code == 302
    assert set(mentions.all()) == expected
    assert Mention.objects.count() == len(expected)


def test_it_names_both_entries_after_a_merge(client, curator, entry, duplicate, documents):
    client.force_login(curator)

    response = client.post(
        merge_url(entry), {"absorbed": duplicate.pk, "confirmed": "1"}, follow=True
    )

    assert response.redirect_chain == [("/glossary/kim-il-sung/", 302)]
    assert "Merged “Kim Il Song” into “Kim Il-sung”." in response.content.decode()


MERGE_REFUSALS = {
    "itself": (lambda entry: entry.pk, "An entry cannot be merged into itself"),
    "nothing chosen": (lambda entry: "", "Choose the entry to merge into this one."),
    "unknown entry": (lambda entry: 999_999, "That entry is not in the glossary any more"),
}


@pytest.mark.parametrize("case", MERGE_REFUSALS.keys())
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_it_refuses_a_merge_that_cannot_be(client, curator, entry, other, case, headers):
    absorbed, message = MERGE_REFUSALS[case]
    client.force_login(curator)
    before = snapshot()

    response = client.post(merge_url(entry), {"absorbed": absorbed(entry)}, headers=headers)

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(message) in html
    assert "Nothing was merged" in html
    assert ("<html" in html) is not bool(headers)
    assert 'aria-invalid="true"' in html
    assert snapshot() == before


def test_it_sends_htmx_to_the_survivor_after_a_merge(client, curator, entry, duplicate):
    client.force_login(curator)

    response = client.post(
        merge_url(entry), {"absorbed": duplicate.pk, "confirmed": "1"}, headers=HTMX
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/glossary/kim-il-sung/"
    assert not GlossaryEntry.objects.filter(pk=duplicate.pk).exists()


@pytest.mark.parametrize(
    ("born", "died", "life"),
    [
        (
            "1912-04-15",
            "1994-07-08",
            '15 April 1912</time> – <time datetime="1994-07-08">8 July 1994',
        ),
        ("1912-04", "1994", 'April 1912</time> – <time datetime="1994">1994'),
        ("1912", "", "1912</time> – ?"),
        ("", "1953-03-05", '? – <time datetime="1953-03-05">5 March 1953'),
    ],
)
def test_it_shows_life_dates_as_people_read_them(client, entry, born, died, life):
    entry.born, entry.died = born, died
    entry.save()

    html = client.get(entry.get_absolute_url()).content.decode()

    assert "<dt>Life</dt><dd>" in html
    assert life in html
    assert "1912-04-15 –" not in html


def test_a_merge_first_says_what_moves_and_asks_to_confirm(
    client, curator, student, entry, duplicate, make_highlight
):
    linked = make_highlight(student, "Kim Il-sung")
    linked.glossary_entries.set([duplicate])
    client.force_login(curator)
    before = snapshot()

    response = client.post(merge_url(entry), {"absorbed": duplicate.pk})

    assert response.status_code == 200
    assert snapshot() == before
    html = response.content.decode()
    assert "Merge “Kim Il Song” into “Kim Il-sung”?" in html
    moves = html.split('class="merge-moves"', 1)[1].split("</ul>", 1)[0]
    assert "Aliases: “Kim 11 Sung”, “Kim Il Song”" in moves
    assert "Short forms: “Il”" in moves
    assert "Other names: “Great Leader”" in moves  # its name is an alias by then
    assert "Linked highlights: 1" in moves
    assert f'name="absorbed" value="{duplicate.pk}"' in html
    assert 'name="confirmed" value="1"' in html

    client.post(merge_url(entry), {"absorbed": duplicate.pk, "confirmed": "1"})

    assert not GlossaryEntry.objects.filter(pk=duplicate.pk).exists()
    assert set(entry.highlights.all()) == {linked}


def test_the_merge_confirmation_is_a_partial_for_htmx(client, curator, entry, duplicate):
    client.force_login(curator)

    response = client.post(merge_url(entry), {"absorbed": duplicate.pk}, headers=HTMX)

    html = partial_html(response)
    assert 'id="merge-form"' in html
    assert "What moves to “Kim Il-sung”" in html
    assert GlossaryEntry.objects.filter(pk=duplicate.pk).exists()
