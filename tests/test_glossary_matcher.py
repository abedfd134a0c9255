"""annotations.glossary.find_mentions on hand-made texts, then on the three articles.

No database: the matcher takes (entry id, alias, is short form) triples.
"""

import json
import re
from pathlib import Path

import pytest

from annotations.glossary import find_mentions

BASE_DIR = Path(__file__).resolve().parent.parent
FIXTURES = BASE_DIR / "fixtures"

KOREA, NORTH_KOREA, KOREA_TIMES, USA, STALIN, KIM_IL_SUNG, KIM_SONG_CHIL, ARCHIVES, USSR = range(
    1, 10
)


def found(text, aliases):
    """(surface, entry id) for each mention, in order."""
    return [(text[m.start : m.end], m.entry_id) for m in find_mentions(text, aliases)]


# Hand-made texts.


def test_it_finds_nothing_without_aliases():
    assert find_mentions("Korea", []) == []


def test_it_reports_offsets_into_the_text():
    text = "In 1950 Korea was divided."
    (mention,) = find_mentions(text, [(KOREA, "Korea", False)])
    assert (mention.start, mention.end, mention.entry_id) == (8, 13, KOREA)


@pytest.mark.parametrize("order", [1, -1])
def test_the_longest_alias_wins_where_several_start_at_one_place(order):
    aliases = [
        (KOREA, "Korea", False),
        (NORTH_KOREA, "North Korea", False),
        (KOREA_TIMES, "Korea Times", False),
        (USA, "US", False),
        (99, "US Army", False),
    ][::order]
    text = "North Korea, says the Korea Times, and Korea; a US Army photo of the US."
    assert found(text, aliases) == [
        ("North Korea", NORTH_KOREA),
        ("Korea Times", KOREA_TIMES),
        ("Korea", KOREA),
        ("US Army", 99),
        ("US", USA),
    ]


def test_the_leftmost_alias_wins_where_two_overlap():
    aliases = [(ARCHIVES, "archives of the Soviet Union", False), (USSR, "Soviet Union", False)]
    text = "The archives of the Soviet Union opened; the Soviet Union had gone."
    assert found(text, aliases) == [
        ("archives of the Soviet Union", ARCHIVES),
        ("Soviet Union", USSR),
    ]


def test_the_leftmost_wins_even_when_the_later_alias_is_longer():
    aliases = [(1, "Korea Times", False), (2, "Times Square Garden", False)]
    assert found("the Korea Times Square Garden", aliases) == [("Korea Times", 1)]


@pytest.mark.parametrize(
    ("text", "alias"),
    [
        ("a Korean soldier", "Korea"),
        ("inter-Korean talks", "Korea"),
        ("the USSR fell", "US"),
        ("the port of Busan", "US"),
        ("BUS stop", "US"),
        ("Stalinism", "Stalin"),
        ("DeStalin", "Stalin"),
        ("Mao2", "Mao"),
        ("2Mao", "Mao"),
        ("Kimchi", "Kim"),
    ],
)
def test_an_alias_is_not_found_inside_a_longer_word(text, alias):
    assert find_mentions(text, [(1, alias, False)]) == []


@pytest.mark.parametrize(
    "text",
    ["US-led forces", "(US)", "the US.", "“US”", "US\nArmy", "—US—", "US_"],
)
def test_an_alias_is_found_next_to_punctuation(text):
    assert found(text, [(USA, "US", False)]) == [("US", USA)]


def test_an_alias_ending_in_a_full_stop_is_found():
    aliases = [(USA, "U.S.", False), (2, "U.N.", False)]
    assert found("the U.S. and the U.N. forces", aliases) == [("U.S.", USA), ("U.N.", 2)]
    assert found("U.S.A.", aliases) == []


def test_the_case_must_be_as_written():
    aliases = [(USA, "US", False)]
    text = "Us and them. Let us go to the US. Nobody told us."
    assert found(text, aliases) == [("US", USA)]
    assert found("Stalin and stalin and STALIN", [(STALIN, "Stalin", False)]) == [
        ("Stalin", STALIN)
    ]


@pytest.mark.parametrize("text", ["Stalin's plan", "Stalin’s plan", "Stalins' plan"])
def test_possessives_are_found_as_the_name(text):
    expected = [] if text.startswith("Stalins") else [("Stalin", STALIN)]
    assert found(text, [(STALIN, "Stalin", False)]) == expected


@pytest.mark.parametrize("space", ["\n", "\u00a0", "  ", "\t", " \n "])
def test_a_space_in_an_alias_matches_any_run_of_whitespace(space):
    text = f"the leader, Kim{space}Il-sung, wrote"
    assert found(text, [(KIM_IL_SUNG, "Kim Il-sung", False)]) == [
        (f"Kim{space}Il-sung", KIM_IL_SUNG)
    ]


def test_whitespace_is_not_invented_where_the_alias_has_none():
    assert find_mentions("Kim Il- sung", [(KIM_IL_SUNG, "Kim Il-sung", False)]) == []
    assert find_mentions("KimIl-sung", [(KIM_IL_SUNG, "Kim Il-sung", False)]) == []


@pytest.mark.parametrize(
    ("alias", "text"),
    [
        ("People's Army", "the People’s Army attacked"),
        ("People’s Army", "the People's Army attacked"),
        ("People's Army", "the People's Army attacked"),
        ("People’s Army", "the People’s Army attacked"),
        ("Peoples’ Liberation Army", "the Peoples' Liberation Army"),
    ],
)
def test_a_straight_apostrophe_matches_a_curly_one_and_back(alias, text):
    (mention,) = find_mentions(text, [(1, alias, False)])
    assert text[mention.start : mention.end].replace("’", "'") == alias.replace("’", "'")


def test_an_apostrophe_does_not_match_other_characters():
    assert find_mentions("the Peoples Army", [(1, "People's Army", False)]) == []
    assert find_mentions("the People]s Army", [(1, "People's Army", False)]) == []


def test_misspelled_forms_are_found_when_they_are_aliases():
    aliases = [
        (KIM_IL_SUNG, "Kim Il-sung", False),
        (KIM_IL_SUNG, "Kim II Sung", False),
        (KIM_IL_SUNG, "Kim 11 Sung", False),
    ]
    text = "Kim II Sung, or Kim 11 Sung, that is Kim Il-sung; not Kim III Sung."
    assert found(text, aliases) == [
        ("Kim II Sung", KIM_IL_SUNG),
        ("Kim 11 Sung", KIM_IL_SUNG),
        ("Kim Il-sung", KIM_IL_SUNG),
    ]


# Short forms.

KIMS = [
    (KIM_IL_SUNG, "Kim Il-sung", False),
    (KIM_IL_SUNG, "Kim", True),
    (KIM_SONG_CHIL, "Kim Song-chil", False),
    (KIM_SONG_CHIL, "Kim", True),
]


def test_a_short_form_is_linked_after_the_one_entry_having_it_was_named():
    text = "Kim Il-sung wrote to Stalin. Kim waited. Kim’s plan was ready."
    assert found(text, KIMS) == [
        ("Kim Il-sung", KIM_IL_SUNG),
        ("Kim", KIM_IL_SUNG),
        ("Kim", KIM_IL_SUNG),
    ]


def test_a_short_form_is_linked_to_the_entry_named_whichever_it_is():
    text = "Kim Song-chil kept a diary. Kim wrote of bravery."
    assert found(text, KIMS) == [("Kim Song-chil", KIM_SONG_CHIL), ("Kim", KIM_SONG_CHIL)]


def test_a_short_form_before_the_full_name_is_not_linked():
    text = "Kim waited. Then Kim Il-sung wrote. Kim waited again."
    assert found(text, KIMS) == [("Kim Il-sung", KIM_IL_SUNG), ("Kim", KIM_IL_SUNG)]
    (_, later) = find_mentions(text, KIMS)
    assert later.start == text.rindex("Kim")


def test_a_short_form_is_not_linked_when_two_entries_sharing_it_are_named():
    text = "Kim Il-sung wrote. Kim waited. Kim Song-chil kept a diary."
    assert found(text, KIMS) == [("Kim Il-sung", KIM_IL_SUNG), ("Kim Song-chil", KIM_SONG_CHIL)]


def test_a_short_form_is_not_linked_when_the_other_entry_is_named_far_later():
    text = "Kim Il-sung wrote. " + "Kim waited. " * 20 + "Then came Kim Song-chil."
    assert [m.entry_id for m in find_mentions(text, KIMS)] == [KIM_IL_SUNG, KIM_SONG_CHIL]


def test_a_short_form_is_not_linked_when_no_entry_having_it_is_named():
    assert find_mentions("Kim waited. Kim wrote.", KIMS) == []
    aliases = [*KIMS, (STALIN, "Stalin", False)]
    assert found("Stalin told Kim to wait.", aliases) == [("Stalin", STALIN)]


def test_a_short_form_held_by_one_entry_only_still_needs_its_full_name_first():
    aliases = [(USSR, "Soviet Union", False), (USSR, "Russia", True)]
    assert found("Russia's Stalin. The Soviet Union fell; Russia remained.", aliases) == [
        ("Soviet Union", USSR),
        ("Russia", USSR),
    ]


def test_a_short_form_follows_the_word_boundary_and_case_rules_too():
    text = "Kim Il-sung wrote. Kimchi and kim and KIM are not him."
    assert found(text, KIMS) == [("Kim Il-sung", KIM_IL_SUNG)]


def test_a_misspelled_full_name_counts_as_naming_the_entry():
    aliases = [*KIMS, (KIM_IL_SUNG, "Kim II Sung", False)]
    assert found("Kim II Sung wrote. Kim waited.", aliases) == [
        ("Kim II Sung", KIM_IL_SUNG),
        ("Kim", KIM_IL_SUNG),
    ]


# The three articles, with the aliases of the real fixture.

ENTRIES: list[dict] = json.loads((FIXTURES / "glossary.json").read_text(encoding="utf-8"))
ENTRY_ID = {entry["slug"]: number for number, entry in enumerate(ENTRIES, start=1)}
SLUG = {number: slug for slug, number in ENTRY_ID.items()}
ALIASES = [
    (ENTRY_ID[entry["slug"]], form, is_short)
    for entry in ENTRIES
    for is_short, forms in ((False, entry["aliases"]), (True, entry["short_forms"]))
    for form in forms
]
TEXTS: dict[str, str] = {
    path.stem: path.read_text(encoding="utf-8")
    for path in sorted((FIXTURES / "documents").glob("*.txt"))
}
MENTIONS = {slug: find_mentions(text, ALIASES) for slug, text in TEXTS.items()}
BARE_KIM = re.compile(r"(?<![^\W_])Kim(?![^\W_])(?!\s+(?:Il|II|11|Song)\b)")


def key(surface: str) -> str:
    return " ".join(surface.replace("’", "'").split())


def surfaces(slug: str, entry_slug: str) -> list[str]:
    text = TEXTS[slug]
    return [text[m.start : m.end] for m in MENTIONS[slug] if SLUG[m.entry_id] == entry_slug]


def test_each_article_has_mentions():
    counts = {slug: len(mentions) for slug, mentions in MENTIONS.items()}
    assert all(count > 50 for count in counts.values()), counts


@pytest.mark.parametrize("slug", ["korean-war-view-from-the-other-side", "stalins-hot-war"])
def test_every_bare_kim_is_kim_il_sung_where_only_he_is_named(slug):
    text = TEXTS[slug]
    bare = [match.start() for match in BARE_KIM.finditer(text)]
    assert len(bare) >= 10
    linked = {m.start: SLUG[m.entry_id] for m in MENTIONS[slug]}
    assert {start: linked.get(start) for start in bare} == dict.fromkeys(bare, "kim-il-sung")
    assert "kim-song-chil" not in linked.values()


def test_no_bare_kim_is_linked_where_both_kims_are_named():
    text = TEXTS["stalin-and-korean-war"]
    assert surfaces("stalin-and-korean-war", "kim-song-chil") == ["Kim Song-chil"] * 2
    for mention in MENTIONS["stalin-and-korean-war"]:
        assert text[mention.start : mention.end] != "Kim"
    assert set(surfaces("stalin-and-korean-war", "kim-il-sung")) == {"Kim Il-sung"}


def test_the_misspellings_of_kim_il_sung_are_found_in_stalins_hot_war():
    found_there = set(surfaces("stalins-hot-war", "kim-il-sung"))
    assert {"Kim II Sung", "Kim 11 Sung", "Kim Il Sung", "Kim"} <= found_there


def test_a_bare_pak_in_stalins_hot_war_is_valentin_pak():
    text = TEXTS["stalins-hot-war"]
    paks = [m for m in MENTIONS["stalins-hot-war"] if text[m.start : m.end] == "Pak"]
    assert len(paks) == 2
    assert {SLUG[m.entry_id] for m in paks} == {"valentin-pak"}


@pytest.mark.parametrize("slug", sorted(TEXTS))
def test_us_mentions_are_the_united_states(slug):
    text = TEXTS[slug]
    pattern = re.compile(r"(?<![^\W_])(?:U\.S\.|US|U S)(?![^\W_])")
    occurrences = {match.start() for match in pattern.finditer(text)}
    us_army = {match.start() for match in re.finditer(r"US Army", text)}
    assert occurrences, "each article names the United States"
    by_start = {m.start: m for m in MENTIONS[slug]}
    for start in occurrences - us_army:
        assert start in by_start, f"{text[start : start + 20]!r} is not found"
        assert SLUG[by_start[start].entry_id] == "united-states"
    for start in us_army:
        assert SLUG[by_start[start].entry_id] == "united-states-army"


@pytest.mark.parametrize("slug", sorted(TEXTS))
def test_no_mention_overlaps_another(slug):
    mentions = MENTIONS[slug]
    assert all(m.start < m.end for m in mentions)
    assert all(a.end <= b.start for a, b in zip(mentions, mentions[1:], strict=False))


@pytest.mark.parametrize("slug", sorted(TEXTS))
def test_every_mention_reads_as_one_of_its_entrys_forms(slug):
    forms: dict[int, set[str]] = {}
    for entry_id, form, _ in ALIASES:
        forms.setdefault(entry_id, set()).add(key(form))
    text = TEXTS[slug]
    for mention in MENTIONS[slug]:
        assert key(text[mention.start : mention.end]) in forms[mention.entry_id]


@pytest.mark.parametrize(
    ("slug", "entry_slug", "surface"),
    [
        ("stalins-hot-war", "korean-peoples-army", "People's Army"),
        (
            "korean-war-view-from-the-other-side",
            "peoples-liberation-army",
            "Peoples’ Liberation Army",
        ),
        ("korean-war-view-from-the-other-side", "china", "People’s Republic of China"),
        ("stalins-hot-war", "the-washington-post", "Washington Post"),
        ("stalin-and-korean-war", "korea-times", "Korea Times"),
        ("korean-war-view-from-the-other-side", "korea", "Korean peninsula"),
        ("stalin-and-korean-war", "incheon", "Incheon"),
        ("stalins-hot-war", "incheon", "Inchon"),
        ("stalins-hot-war", "joseph-stalin", "Funsee"),
        ("stalins-hot-war", "soviet-archives", "state archives"),
    ],
)
def test_every_kind_of_form_is_found_in_the_articles(slug, entry_slug, surface):
    assert surface in surfaces(slug, entry_slug)


def test_every_alias_that_stands_alone_in_a_text_is_found():
    # An alias occurring as a whole word is found, unless it lies inside a longer mention
    # ("Soviet Communist Party" inside the name of the Central Party Archives).
    missing = []
    for entry_id, form, is_short in ALIASES:
        if is_short:
            continue
        pattern = re.compile(rf"(?<![^\W_]){re.escape(form)}(?![^\W_])")
        for slug, text in TEXTS.items():
            spans = [(m.start, m.end) for m in MENTIONS[slug]]
            for match in pattern.finditer(text):
                inside = [s for s in spans if s[0] <= match.start() and match.end() <= s[1]]
                if not inside:
                    missing.append((SLUG[entry_id], form, slug))
    assert missing == []
