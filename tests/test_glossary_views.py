"""The glossary's pages for readers: the index of entries, and each entry's page."""

import re

import pytest
from django.utils.html import escape

from annotations.entries import concordance as concordance_lines
from annotations.models import Document, GlossaryEntry, Mention
from tests.helpers import HTMX, page_html, partial_html

INDEX_URL = "/glossary/"
CAPTIONS = ["People", "Places", "Archives", "Organisations", "Books and publications"]
KIND_CAPTIONS = dict(zip(GlossaryEntry.Kind.values, CAPTIONS, strict=True))


def entry_url(slug: str) -> str:
    return f"/glossary/{slug}/"


def listed(html: str) -> set[str]:
    """The slugs of the entries the index lists, one per row."""
    return set(re.findall(r'<th scope="row"><a href="/glossary/([^/"]+)/">', html))


def captions(html: str) -> list[str]:
    return re.findall(r"<caption[^>]*>(.*?)</caption>", html)


def tables_by_kind(html: str) -> dict[str, set[str]]:
    """Each table of the index, by the kind in its caption's id: the slugs it lists."""
    tables = re.findall(r'<caption id="kind-(\w+)">(.*?)</table>', html, re.S)
    return {kind: listed(table) for kind, table in tables}


def row_numbers(html: str, entry) -> list[int]:
    """The numbers in an entry's row of the index: one per document, then the total."""
    row = re.search(
        rf'<tr>\s*<th scope="row"><a href="{entry.get_absolute_url()}">.*?</tr>', html, re.S
    )
    assert row, f"no row for {entry.slug}"
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row.group())]


def slugs_of(kind: str) -> set[str]:
    return set(GlossaryEntry.objects.filter(kind=kind).values_list("slug", flat=True))


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    assert match, f"no section {heading_id}"
    return match.group(1)


# The index


@pytest.mark.parametrize("viewer", [None, "student", "outsider"])
def test_it_shows_the_index_to_anyone(client, request, glossary, viewer):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))

    response = client.get(INDEX_URL)

    html = page_html(response)
    assert "<h1>Glossary</h1>" in html
    assert f"{len(glossary)} entries." in html
    assert listed(html) == set(glossary)


def test_it_groups_the_entries_by_kind_under_captions(client, glossary):
    html = client.get(INDEX_URL).content.decode()

    assert captions(html) == CAPTIONS
    tables = tables_by_kind(html)
    assert list(tables) == GlossaryEntry.Kind.values
    for kind, slugs in tables.items():
        assert slugs == slugs_of(kind), kind
    assert tables["person"] >= {"joseph-stalin", "kim-il-sung", "kim-song-chil"}
    assert tables["place"] >= {"beijing", "moscow"}
    assert "rgaspi" in tables["archive"]
    assert "united-nations" in tables["organisation"]
    assert "korea-times" in tables["work"]


def test_it_heads_the_count_columns_with_the_documents_in_library_order(client, glossary):
    html = client.get(INDEX_URL).content.decode()

    first_table = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    titles = re.findall(r'<th scope="col" class="num" title="([^"]*)">', first_table)
    documents = Document.objects.in_library_order()
    assert titles == [escape(document.title) for document in documents]
    assert len(titles) == 3


@pytest.mark.parametrize(
    "slug", ["joseph-stalin", "kim-il-sung", "kim-song-chil", "beijing", "cpsu"]
)
def test_it_counts_the_mentions_in_each_document_and_in_all(client, glossary, slug):
    entry = glossary[slug]
    documents = Document.objects.in_library_order()
    expected = [Mention.objects.filter(entry=entry, document=d).count() for d in documents]
    expected.append(Mention.objects.filter(entry=entry).count())

    html = client.get(INDEX_URL).content.decode()

    assert row_numbers(html, entry) == expected


def test_it_counts_known_numbers_of_mentions(client, glossary):
    html = client.get(INDEX_URL).content.decode()

    # Kim Song-chil is named only in "Stalin and Korean War", twice.
    assert row_numbers(html, glossary["kim-song-chil"]) == [0, 2, 0, 2]
    assert row_numbers(html, glossary["cpsu"]) == [0, 0, 0, 0]
    assert row_numbers(html, glossary["joseph-stalin"])[-1] > 50


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kim Il-sung", {"kim-il-sung"}),  # its name
        ("Kim II Sung", {"kim-il-sung"}),  # an alias, as the article misspells it
        ("Funsee", {"joseph-stalin"}),  # an alias only
        ("Mao Tse-tung", {"mao-zedong"}),  # an other name
        ("RGASPI", {"rgaspi"}),  # an other name
        ("Peking", {"beijing"}),  # an other name
        ("Song-chil", {"kim-song-chil"}),
    ],
)
def test_it_finds_entries_by_name_alias_and_other_name(client, glossary, query, expected):
    response = client.get(INDEX_URL, {"q": query})

    assert response.status_code == 200
    html = response.content.decode()
    assert listed(html) == expected
    assert f"1 entry matching “{escape(query)}”." in html
    assert f'name="q" value="{escape(query)}"' in html


@pytest.mark.parametrize("query", ["[]", '"', '", "'])
def test_it_matches_only_names_not_the_way_they_are_stored(client, glossary, query):
    # No entry has a name, alias or other name with these characters in it.
    html = client.get(INDEX_URL, {"q": query}).content.decode()

    assert listed(html) == set()
    assert "0 entries" in html


@pytest.mark.parametrize("query", ["kim ii sung", "KIM II SUNG", "kIm iI sUnG"])
def test_it_searches_in_any_case(client, glossary, query):
    html = client.get(INDEX_URL, {"q": query}).content.decode()

    assert listed(html) == {"kim-il-sung"}


def test_it_finds_every_entry_sharing_a_short_form(client, glossary):
    html = client.get(INDEX_URL, {"q": "kim"}).content.decode()

    assert {"kim-il-sung", "kim-song-chil"} <= listed(html)
    assert "joseph-stalin" not in listed(html)
    # Kim Il-sung has five aliases with "Kim" in them, and is still one row.
    rows = re.findall(r'<th scope="row"><a href="/glossary/([^/"]+)/">', html)
    assert len(rows) == len(set(rows))
    assert f"{len(rows)} entries matching “kim”." in html


def test_it_filters_by_one_kind(client, glossary):
    html = client.get(INDEX_URL, {"kind": "place"}).content.decode()

    assert captions(html) == ["Places"]
    assert listed(html) == slugs_of("place")
    assert re.search(r'<input type="checkbox" name="kind" value="place" checked>', html)
    assert re.search(r'<input type="checkbox" name="kind" value="person">', html)


def test_it_filters_by_several_kinds(client, glossary):
    html = client.get(INDEX_URL, {"kind": ["work", "place"]}).content.decode()

    assert captions(html) == ["Places", "Books and publications"]
    assert listed(html) == slugs_of("place") | slugs_of("work")
    assert f"{len(slugs_of('place') | slugs_of('work'))} entries." in html


@pytest.mark.parametrize("kinds", [["planet"], ["<b>x</b>"], ["Person"]])
def test_it_ignores_an_unknown_kind(client, glossary, kinds):
    response = client.get(INDEX_URL, {"kind": kinds})

    assert response.status_code == 200
    html = response.content.decode()
    assert captions(html) == CAPTIONS
    assert listed(html) == set(glossary)
    assert "<b>x</b>" not in html


def test_it_ignores_an_unknown_kind_beside_a_known_one(client, glossary):
    html = client.get(INDEX_URL, {"kind": ["archive", "planet"]}).content.decode()

    assert captions(html) == ["Archives"]
    assert listed(html) == slugs_of("archive")


def test_it_combines_the_search_and_the_kind_filter(client, glossary):
    html = client.get(INDEX_URL, {"q": "korea", "kind": "work"}).content.decode()

    # "Brothers at War: The Unending Conflict in Korea" is one of its other names.
    assert listed(html) == {"korea-times", "brothers-at-war"}
    assert captions(html) == ["Books and publications"]


def test_it_sends_only_the_results_to_htmx(client, glossary):
    response = client.get(INDEX_URL, {"q": "Kim II Sung"}, headers=HTMX)

    html = partial_html(response).strip()
    assert html.startswith('<div id="results">')
    assert html.endswith("</div>")
    assert html.count('id="results"') == 1
    assert 'role="search"' not in html
    assert "<h1>" not in html
    assert listed(html) == {"kim-il-sung"}
    assert "HX-Request" in response.headers.get("Vary", "")


def test_it_says_when_nothing_matches(client, glossary):
    html = client.get(INDEX_URL, {"q": "Napoleon"}).content.decode()

    assert "0 entries matching “Napoleon”." in html
    assert "<table" not in html
    assert listed(html) == set()


def test_it_says_when_nothing_matches_to_htmx(client, glossary):
    html = client.get(INDEX_URL, {"q": "Napoleon"}, headers=HTMX).content.decode()

    assert "0 entries" in html
    assert "<table" not in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_it_escapes_markup_in_the_query(client, glossary, headers):
    query = '<script>alert(1)</script>"><b>x</b>'

    response = client.get(INDEX_URL, {"q": query}, headers=headers)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "<b>x</b>" not in html
    assert escape(query) in html
    assert "0 entries" in html


def test_it_refuses_to_post_to_the_index(client, teacher, classroom, glossary):
    client.force_login(teacher)

    response = client.post(INDEX_URL, {"q": "Stalin"})

    assert response.status_code == 405
    assert GlossaryEntry.objects.count() == len(glossary)


def test_it_offers_curators_to_add_an_entry(client, teacher, classroom, glossary):
    client.force_login(teacher)

    html = client.get(INDEX_URL).content.decode()

    assert 'href="/glossary/new/"' in html
    assert "Add an entry" in html


@pytest.mark.parametrize("viewer", [None, "student", "outsider"])
def test_it_offers_no_one_else_to_add_an_entry(client, request, classroom, glossary, viewer):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))

    html = client.get(INDEX_URL).content.decode()

    assert 'href="/glossary/new/"' not in html
    assert "Add an entry" not in html


# An entry's page


@pytest.mark.parametrize("viewer", [None, "student", "outsider"])
def test_it_shows_an_entry_to_anyone(client, request, glossary, viewer):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))

    response = client.get(entry_url("kim-il-sung"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Kim Il-sung</h1>" in html
    assert 'href="/glossary/">Glossary</a> · Person' in html


def test_it_answers_404_for_an_unknown_entry(client, glossary):
    assert client.get(entry_url("no-such-entry")).status_code == 404


def test_it_shows_the_summary_aliases_and_other_names(client, glossary):
    entry = glossary["kim-il-sung"]

    html = client.get(entry_url(entry.slug)).content.decode()

    assert f'<p class="lede">{escape(entry.summary)}</p>' in html
    names = re.search(r"<dt>In the articles</dt>\s*<dd>(.*?)</dd>", html, re.S).group(1)
    assert set(re.findall(r"“([^”]*)”", names)) == {
        "Kim Il-sung",
        "Kim II Sung",
        "Kim 11 Sung",
        "Kim Il Sung",
        "Kim",
    }
    assert "“Kim” (only where it cannot mean anyone else)" in names
    assert "“Kim II Sung” (only" not in names
    assert "<dt>Also known as</dt><dd>Kim Song-ju</dd>" in html


ENTRY_SHOWS = {
    "several other names": (
        "joseph-stalin",
        "<dd>Iosif Vissarionovich Stalin, Ioseb Jughashvili</dd>",
    ),
    "a link to wikidata": (
        "joseph-stalin",
        '<a href="https://www.wikidata.org/wiki/Q855" rel="noopener">',
    ),
    "a person's life dates": (
        "kim-il-sung",
        '<dt>Life</dt><dd><time datetime="1912-04-15">15 April 1912</time> – '
        '<time datetime="1994-07-08">8 July 1994</time></dd>',
    ),
    "an unknown date of death": (
        "pak-hon-yong",
        '<dt>Life</dt><dd><time datetime="1900">1900</time> – ?</dd>',
    ),
    "a place's coordinates on openstreetmap": (
        "beijing",
        '<a href="https://www.openstreetmap.org/?mlat=39.9042&amp;mlon=116.4074'
        '#map=8/39.9042/116.4074" rel="noopener">39.90, 116.41 on OpenStreetMap</a>',
    ),
}
ENTRY_LEAVES_OUT = {
    "no life without dates": ("kathryn-weathersby", "<dt>Life</dt>"),
    "no life for a place": ("beijing", "<dt>Life</dt>"),
    "no map without coordinates": ("europe", "openstreetmap"),
}


@pytest.mark.parametrize(("slug", "shown"), ENTRY_SHOWS.values(), ids=ENTRY_SHOWS)
def test_it_shows_what_the_entry_has(client, glossary, slug, shown):
    html = client.get(entry_url(slug)).content.decode()

    assert shown in html


@pytest.mark.parametrize(("slug", "absent"), ENTRY_LEAVES_OUT.values(), ids=ENTRY_LEAVES_OUT)
def test_it_leaves_out_what_the_entry_does_not_have(client, glossary, slug, absent):
    html = client.get(entry_url(slug)).content.decode()

    assert absent not in html


def test_it_shows_no_wikidata_link_without_an_id(client, glossary):
    assert glossary["kim-song-chil"].wikidata == ""

    html = client.get(entry_url("kim-song-chil")).content.decode()

    assert "wikidata.org" not in html
    assert "Wikidata" not in html


def concordance(html: str) -> list[tuple[str, int, list[tuple[str, str]]]]:
    """Each document's group: its title, the count shown, and its lines as (link, name)."""
    mentions = section(html, "mentions-heading")
    groups = re.findall(
        r'<h3>(.*?) <span class="count">(\d+)</span></h3>\s*'
        r'<ol class="concordance"[^>]*>(.*?)</ol>',
        mentions,
        re.S,
    )
    return [
        (
            title,
            int(count),
            re.findall(r'<li><a href="([^"]*)">.*?<strong>(.*?)</strong>.*?</a></li>', lines, re.S),
        )
        for title, count, lines in groups
    ]


def expected_concordance(entry) -> list[tuple[str, int, list[tuple[str, str]]]]:
    groups = []
    for document in Document.objects.in_library_order():
        mentions = Mention.objects.filter(entry=entry, document=document).order_by("start")
        if mentions:
            lines = [
                (
                    f"{document.get_absolute_url()}#m-{m.start}",
                    escape(document.text[m.start : m.end]),
                )
                for m in mentions
            ]
            groups.append((escape(document.title), len(lines), lines))
    return groups


@pytest.mark.parametrize(
    "slug", ["kim-il-sung", "joseph-stalin", "kim-song-chil", "beijing", "united-states"]
)
def test_it_lists_every_mention_once_under_its_document(client, glossary, slug):
    entry = glossary[slug]

    html = client.get(entry_url(slug)).content.decode()

    shown = concordance(html)
    assert shown == expected_concordance(entry)
    assert sum(len(lines) for _, _, lines in shown) == Mention.objects.filter(entry=entry).count()


def test_it_links_each_mention_to_a_target_in_the_document(client, glossary):
    entry = glossary["kim-song-chil"]

    html = client.get(entry_url(entry.slug)).content.decode()

    links = [link for _, _, lines in concordance(html) for link, _ in lines]
    assert links
    for link in links:
        path, _, target = link.partition("#")
        reading = client.get(path).content.decode()
        assert re.search(
            rf'<a class="mention" href="/glossary/kim-song-chil/" id="{target}"', reading
        )


def test_it_shows_each_mention_as_the_document_writes_it(client, glossary):
    entry = glossary["kim-il-sung"]
    hot_war = Document.objects.get(slug="stalins-hot-war")
    misspelt = Mention.objects.filter(entry=entry, document=hot_war).order_by("start").first()
    assert hot_war.text[misspelt.start : misspelt.end] == "Kim II Sung"

    html = client.get(entry_url(entry.slug)).content.decode()

    line = re.search(rf'<a href="/documents/stalins-hot-war/#m-{misspelt.start}">(.*?)</a>', html)
    assert line, "no line for the first mention in Stalin's 'Hot' War"
    assert "<strong>Kim II Sung</strong>" in line.group(1)
    names = {name for _, _, lines in concordance(html) for _, name in lines}
    assert {"Kim II Sung", "Kim 11 Sung", "Kim Il Sung", "Kim Il-sung", "Kim"} <= names


def test_it_gives_the_context_of_a_mention(client, glossary):
    html = client.get(entry_url("kim-song-chil")).content.decode()

    lines = re.findall(r"<li><a [^>]*>(.*?)</a></li>", section(html, "mentions-heading"), re.S)
    assert len(lines) == 2
    for line in lines:
        before, _, after = line.partition("<strong>Kim Song-chil</strong>")
        assert before.strip() and after.strip()
        assert "\n" not in line


def test_it_says_when_no_article_mentions_the_entry(client, glossary):
    assert not Mention.objects.filter(entry=glossary["cpsu"]).exists()

    html = client.get(entry_url("cpsu")).content.decode()

    assert "None of the articles mentions it by any of its names." in html
    assert concordance(html) == []
    assert "Often mentioned alongside" not in html


def neighbours(html: str) -> list[str]:
    return re.findall(r'href="/glossary/([^/"]+)/"', section(html, "neighbours-heading"))


def test_it_names_entries_mentioned_alongside(client, glossary):
    html = client.get(entry_url("kim-il-sung")).content.decode()

    shown = neighbours(html)
    assert "joseph-stalin" in shown
    assert "kim-il-sung" not in shown
    assert len(shown) == len(set(shown))
    assert 0 < len(shown) <= 8


def test_it_names_kim_il_sung_alongside_stalin(client, glossary):
    html = client.get(entry_url("joseph-stalin")).content.decode()

    shown = neighbours(html)
    assert "kim-il-sung" in shown
    assert "joseph-stalin" not in shown


def test_it_names_exactly_the_entries_sharing_a_paragraph(client, glossary):
    entry = glossary["kim-song-chil"]
    expected = set()
    for mention in Mention.objects.filter(entry=entry).select_related("document"):
        document = mention.document
        paragraph = document.paragraph_at(mention.start)
        for other in Mention.objects.filter(document=document).exclude(entry=entry):
            if document.paragraph_at(other.start) == paragraph:
                expected.add(other.entry.slug)
    assert 0 < len(expected) <= 8

    html = client.get(entry_url(entry.slug)).content.decode()

    assert set(neighbours(html)) == expected


# Highlights linked to an entry


@pytest.fixture
def linked(glossary, student, classmate, make_highlight):
    """Highlights linked to Kim Il-sung: the student's private and shared, the classmate's."""
    kim, stalin = glossary["kim-il-sung"], glossary["joseph-stalin"]
    private = make_highlight(
        student, "Kim Il-sung had reported", note="Private thought", tags=["secret tag", "war"]
    )
    shared = make_highlight(
        student,
        "Stalin was hardly surprised.",
        note="Shared with the class",
        tags=["war", "leaders"],
        visibility="class",
    )
    theirs = make_highlight(
        classmate, "invasion plans", note="Classmate note", tags=["war"], visibility="class"
    )
    other = make_highlight(
        classmate,
        "the Soviet dictator",
        note="About Stalin only",
        tags=["unrelated"],
        visibility="class",
    )
    for highlight in (private, shared, theirs):
        highlight.glossary_entries.add(kim)
    other.glossary_entries.add(stalin)
    return {"private": private, "shared": shared, "theirs": theirs, "other": other}


def linked_section(html: str) -> str:
    return section(html, "highlights-heading")


def tag_counts(html: str) -> dict[str, int]:
    listing = re.search(r"Tags on these highlights:</p>\s*<ul[^>]*>(.*?)</ul>", html, re.S)
    if not listing:
        return {}
    return {
        name: int(n)
        for name, n in re.findall(r'<a class="tag"[^>]*>([^<]*) \((\d+)\)</a>', listing.group(1))
    }


def test_it_shows_the_owner_their_private_and_shared_highlights(client, classroom, student, linked):
    client.force_login(student)

    part = linked_section(client.get(entry_url("kim-il-sung")).content.decode())

    assert "Private thought" in part
    assert "Shared with the class" in part
    assert "Classmate note" in part
    assert "About Stalin only" not in part
    assert part.count('<article class="card') == 3


def test_it_shows_a_classmate_shared_highlights_but_no_private_one(
    client, classroom, classmate, linked
):
    client.force_login(classmate)

    part = linked_section(client.get(entry_url("kim-il-sung")).content.decode())

    assert "Shared with the class" in part
    assert "Classmate note" in part
    assert "Private thought" not in part
    assert "Kim Il-sung had reported" not in part
    assert part.count('<article class="card') == 2


@pytest.mark.parametrize("viewer", ["outsider", "teacher"])
def test_it_shows_no_highlight_to_someone_who_may_see_none(
    client, request, classroom, outsider, linked, viewer
):
    linked["shared"].visibility = linked["theirs"].visibility = "private"
    linked["shared"].save()
    linked["theirs"].save()
    client.force_login(request.getfixturevalue(viewer))

    part = linked_section(client.get(entry_url("kim-il-sung")).content.decode())

    assert "No highlight you can see is linked to this entry yet." in part
    assert '<article class="card' not in part
    for note in ("Private thought", "Shared with the class", "Classmate note"):
        assert note not in part
    assert tag_counts(part) == {}


def test_it_shows_an_outsider_no_class_highlight(client, classroom, outsider, linked):
    client.force_login(outsider)

    part = linked_section(client.get(entry_url("kim-il-sung")).content.decode())

    assert "No highlight you can see is linked to this entry yet." in part
    assert '<article class="card' not in part
    assert "Shared with the class" not in part
    assert "Tags on these highlights" not in part


def test_it_asks_anonymous_readers_to_log_in(client, classroom, linked):
    response = client.get(entry_url("kim-il-sung"))

    assert response.status_code == 200
    part = linked_section(response.content.decode())
    assert '<a href="/accounts/login/?next=/glossary/kim-il-sung/">Log in</a>' in part
    assert '<article class="card' not in part
    for note in ("Private thought", "Shared with the class", "Classmate note"):
        assert note not in part
    assert "Tags on these highlights" not in part


def test_it_counts_the_tags_of_the_highlights_the_owner_sees(client, classroom, student, linked):
    client.force_login(student)

    html = client.get(entry_url("kim-il-sung")).content.decode()

    assert tag_counts(html) == {"war": 3, "leaders": 1, "secret tag": 1}


def test_it_never_counts_the_tags_of_a_private_highlight_of_someone_else(
    client, classroom, classmate, linked
):
    client.force_login(classmate)

    html = client.get(entry_url("kim-il-sung")).content.decode()

    assert tag_counts(html) == {"war": 2, "leaders": 1}
    assert "secret tag" not in html
    assert "unrelated" not in linked_section(html)


def test_it_lists_the_most_used_tags_first(client, classroom, student, linked):
    client.force_login(student)

    html = client.get(entry_url("kim-il-sung")).content.decode()

    assert list(tag_counts(html))[0] == "war"


def test_it_offers_curators_to_edit_and_merge(client, teacher, classroom, glossary):
    client.force_login(teacher)

    html = client.get(entry_url("kim-il-sung")).content.decode()

    assert '<a href="/glossary/kim-il-sung/edit/">Edit this entry</a>' in html
    assert '<a href="/glossary/kim-il-sung/merge/">' in html


@pytest.mark.parametrize("viewer", [None, "student", "outsider"])
def test_it_offers_no_one_else_to_edit_or_merge(client, request, classroom, glossary, viewer):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))

    html = client.get(entry_url("kim-il-sung")).content.decode()

    assert "/glossary/kim-il-sung/edit/" not in html
    assert "/glossary/kim-il-sung/merge/" not in html
    assert "Edit this entry" not in html


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_refuses_to_change_an_entry_through_its_page(
    client, teacher, classroom, glossary, method
):
    client.force_login(teacher)
    before = GlossaryEntry.objects.get(slug="kim-il-sung").summary

    response = getattr(client, method)(entry_url("kim-il-sung"), {"summary": "Changed"})

    assert response.status_code == 405
    assert GlossaryEntry.objects.get(slug="kim-il-sung").summary == before


@pytest.mark.parametrize("slug", ["joseph-stalin", "kim-il-sung", "united-states"])
def test_concordance_lines_are_cut_at_word_boundaries(glossary, slug):
    mentions = glossary[slug].mentions.in_reading_order()
    for group in concordance_lines(list(mentions)):
        text = group["document"].text
        for line in group["lines"]:
            mention = line["mention"]
            before = " ".join(text[: mention.start].split())
            after = " ".join(text[mention.end :].split())
            if line["before"].startswith("…"):
                shown = line["before"][1:].rstrip()
                assert shown, line
                assert before.endswith(shown), (shown, before[-80:])
                assert before[: -len(shown)].endswith(" "), f"cut inside a word: {shown!r}"
            if line["after"].endswith("…"):
                shown = line["after"][:-1].lstrip()
                if shown:
                    assert after.startswith(shown), (shown, after[:80])
                    assert after[len(shown) :].startswith(" "), f"cut inside a word: {shown!r}"
