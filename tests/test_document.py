import re

import pytest
from django.conf import settings

from tests.textutil import normalise_whitespace, text_in_class

FIXTURE_FILES = {
    "korean-war-view-from-the-other-side": "korean-war-view-from-the-other-side.txt",
    "stalins-hot-war": "stalins-hot-war.txt",
    "stalin-and-korean-war": "stalin-and-korean-war.txt",
}


def source_paragraphs(slug: str) -> list[str]:
    """Paragraphs of the fixture file, split independently of the app's own splitter."""
    raw = (settings.BASE_DIR / "fixtures" / "documents" / FIXTURE_FILES[slug]).read_text("utf-8")
    return [normalise_whitespace(p) for p in re.split(r"\n\s*\n", raw) if p.strip()]


@pytest.mark.parametrize("slug", FIXTURE_FILES)
def test_it_shows_every_paragraph_verbatim_and_in_order(client, documents, slug):
    response = client.get(f"/documents/{slug}/")

    assert response.status_code == 200
    shown = normalise_whitespace(text_in_class(response.content.decode(), "reading-text"))
    position = 0
    for paragraph in source_paragraphs(slug):
        found = shown.find(paragraph, position)
        assert found >= 0, f"missing or out of order: {paragraph[:80]!r}"
        position = found + len(paragraph)
    assert position == len(shown), "the reading view shows text the source does not have"


def test_it_keeps_the_typos_of_the_sources(client, documents):
    html = client.get("/documents/korean-war-view-from-the-other-side/").content.decode()
    assert "thee-year Korean War" in html

    html = client.get("/documents/stalins-hot-war/").content.decode()
    assert "Kim II Sung" in html
    assert "Feburary 2, 1996" in html


def test_it_gives_each_paragraph_a_stable_anchor(client, documents):
    document = documents["stalins-hot-war"]
    html = client.get(document.get_absolute_url()).content.decode()

    anchors = re.findall(r'id="p-(\d+)"', html)
    assert anchors == [str(n) for n in range(1, len(document.paragraphs) + 1)]


def test_it_puts_the_text_in_one_article(client, document):
    html = client.get(document.get_absolute_url()).content.decode()

    assert html.count("<article") == 1
    assert html.index("<article") < html.index('class="reading-text"') < html.index("</article>")


def test_it_renders_section_headings_as_headings(client, documents):
    html = client.get("/documents/korean-war-view-from-the-other-side/").content.decode()

    assert re.search(
        r'<h2 id="p-\d+" class="para para-heading"[^>]*>Competing motivations</h2>', html
    )


def test_it_escapes_the_text(client, document):
    document.text = "<script>alert('x')</script> & more"
    document.save()

    html = client.get(document.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html


def test_it_answers_404_for_unknown_slugs(client, documents):
    assert client.get("/documents/no-such-article/").status_code == 404


def test_it_rejects_post(client, document):
    assert client.post(document.get_absolute_url()).status_code == 405


def test_it_is_readable_by_anonymous_visitors(client, document):
    assert client.get(document.get_absolute_url()).status_code == 200
