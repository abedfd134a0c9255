"""Markup and script planted in everything people write run nothing in a real browser.

Notes, tags, glossary entries, class names, assignments, replies and people's names are
planted straight into the database, as an import, the admin or an older version of the
forms could have stored them, and every page that shows them is opened in Chromium. A
payload that ran would set `window.__probe`, open a dialog, or fetch a /planted/ address;
none may, and each text must show literally, where it belongs.

The Content-Security-Policy would stop the inline handlers anyway: the pages are opened
with it bypassed, so that what is tested is the escaping itself (and htmx attributes,
which the policy does not stop).
"""

from urllib.parse import urlencode, urlparse

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from annotations.glossary import recompute_mentions
from annotations.models import (
    Alias,
    Assignment,
    GlossaryEntry,
    Highlight,
    Reply,
    Tag,
)
from annotations.teachers import make_teacher
from tests.browser import helpers
from tests.helpers import PASSWORD, add_class, add_highlight

IMG = '<img src="/planted/img" onerror="window.__probe=1">'
SCRIPT = "<script>window.__probe=1</script>"
SVG = '"><svg onload=window.__probe=1>'
ATTRIBUTE = "' onfocus='window.__probe=1' autofocus='"
HTMX = '<div hx-get="/planted/hx" hx-trigger="load">hx</div>'
TEMPLATE = "{{7*7}} {% csrf_token %} ${7*7}"
JS_URL = "javascript:alert(1)"
EVERYTHING = " ".join([IMG, SCRIPT, SVG, ATTRIBUTE, HTMX, TEMPLATE, JS_URL])

# What each field holds, within its length limit; each starts with a word of its own.
NOTE = f"Note {EVERYTHING}"
TAG = f"tag {SVG}{SCRIPT}"
HX_TAG = f"hx {HTMX}"
ENTRY_NAME = f"Entry {IMG}{SCRIPT}"
SUMMARY = f"Summary {EVERYTHING}"
ALIAS = f"alias {HTMX}{SVG}"
OTHER_NAME = f"other {SCRIPT}{TEMPLATE}"
CLASS_NAME = f"Class {SVG}{SCRIPT}"
TITLE = f"Title {IMG}{HTMX}{TEMPLATE}"
INSTRUCTIONS = f"Instructions {EVERYTHING}"
SUGGESTED_TAG = f"suggested {ATTRIBUTE}"
REPLY = f"Reply {EVERYTHING}"
STUDENT = {"username": f"student{SVG}", "first_name": f"Min {IMG}", "last_name": f"Kim {HTMX}"}
TEACHER = {"username": f"teacher{SCRIPT}", "first_name": f"Grace {SVG}", "last_name": TEMPLATE}

DOC = "/documents/stalin-and-korean-war/"


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A page that records what a planted payload would do if it ran.

    It stands in for the `page` of tests/browser/conftest.py, so `select_phrase` drives it.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.fired = {"dialogs": [], "requests": [], "errors": []}
    page.on(
        "dialog", lambda dialog: (page.fired["dialogs"].append(dialog.message), dialog.dismiss())
    )
    context.on(
        "request",
        lambda request: "/planted/" in request.url and page.fired["requests"].append(request.url),
    )
    page.on("pageerror", lambda error: page.fired["errors"].append(str(error)))
    yield page
    context.close()
    assert page.fired == {"dialogs": [], "requests": [], "errors": []}


def assert_nothing_ran(page) -> None:
    # htmx's hx-trigger="load" fires after the page settles: wait for the network too.
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__probe") is None, f"a payload ran on {page.url}"
    assert page.fired["dialogs"] == [], page.url
    assert page.fired["requests"] == [], page.url


def visit(page, path: str) -> None:
    page.goto(path)
    assert_nothing_ran(page)


def log_in(page, user, next_page: str = "") -> None:
    helpers.log_in(page, user, next_page=next_page)
    assert_nothing_ran(page)


@pytest.fixture
def planted(document, make_assignment):
    """Every kind of text people write, each holding markup and script."""
    users = get_user_model().objects
    teacher = users.create_user(password=PASSWORD, **TEACHER)
    make_teacher(teacher)
    student = users.create_user(password=PASSWORD, **STUDENT)
    classroom = add_class(CLASS_NAME, teacher, student)
    assignment = make_assignment(
        classroom,
        title=TITLE,
        instructions=INSTRUCTIONS,
        documents=[document],
        min_highlights=1,
        suggested_tags=[SUGGESTED_TAG],
        visibility=Assignment.Visibility.CLASS,
    )

    entry = GlossaryEntry.objects.create(
        kind="person",
        name=ENTRY_NAME,
        slug="planted-entry",
        summary=SUMMARY,
        other_names=[OTHER_NAME],
        # Ids and dates cannot hold markup: the database refuses any but their formats
        # (tests/test_constraints.py).
        wikidata="Q855",
        born="1878",
        died="1953",
    )
    Alias.objects.create(entry=entry, text="Stalin")  # so that the articles mention it
    Alias.objects.create(entry=entry, text=ALIAS)
    recompute_mentions([document])
    # The tag's address is built from its slug: a javascript: URL must stay a path.
    Tag.objects.create(name=TAG, slug=JS_URL)
    Tag.objects.create(name=HX_TAG, slug="planted-hx")

    highlight = add_highlight(
        student,
        document,
        "Stalin was hardly surprised",
        note=NOTE,
        tags=[TAG, HX_TAG],
        visibility="class",
        assignment=assignment,
    )
    highlight.glossary_entries.set([entry])
    Reply.objects.create(highlight=highlight, author=teacher, text=REPLY)
    # Left without a place by a correction: the teacher's reading view lists it by author.
    orphan = Highlight.objects.create(
        owner=student,
        document=document,
        revision=document.revision,
        start=0,
        end=5,
        exact=f"Lost {SCRIPT}",
        anchor_status="orphaned",
        note=NOTE,
        assignment=assignment,
    )
    return {
        "teacher": teacher,
        "student": student,
        "classroom": classroom,
        "assignment": assignment,
        "entry": entry,
        "highlight": highlight,
        "orphan": orphan,
    }


def test_a_students_pages_run_nothing_planted(page, planted, select_phrase):
    highlight, assignment = planted["highlight"], planted["assignment"]
    log_in(page, planted["student"])
    expect(page.locator(".account strong")).to_have_text(
        f"{STUDENT['first_name']} {STUDENT['last_name']}"
    )

    # The reading view outside the assignment (which the article would open in): the card
    # of a painted passage, a glossary card, the editor.
    visit(page, DOC + "?outside=1")
    page.locator("#reading-text mark.hl-own", has_text="hardly").click()  # not on the name
    card = page.locator("#panel article.card").first
    expect(card.locator(".note")).to_have_text(NOTE)
    expect(card.get_by_role("link", name=TAG)).to_have_attribute("href", f"/tags/{JS_URL}/")
    expect(card.get_by_role("link", name=ENTRY_NAME)).to_be_visible()
    expect(card.locator(".replies")).to_contain_text(REPLY)
    expect(card.locator(".replies")).to_contain_text(TEACHER["last_name"])
    assert_nothing_ran(page)

    page.locator("#reading-text a.mention").first.hover()
    expect(page.locator("#gloss-card .gloss-name")).to_have_text(ENTRY_NAME)
    expect(page.locator("#gloss-card .gloss-summary")).to_have_text(SUMMARY)
    assert_nothing_ran(page)

    select_phrase(4, "He was never an enthusiast")
    page.get_by_role("button", name="Highlight", exact=True).click()
    expect(page.get_by_label("Note")).to_be_focused()
    expect(page.get_by_role("group", name="Glossary")).to_contain_text(ENTRY_NAME)
    page.get_by_label("Tags").focus()  # fetches the tags in use as the field's options
    options = page.locator("#tag-options option")
    expect(options).to_have_count(2)
    assert sorted(options.evaluate_all("all => all.map(option => option.value)")) == [HX_TAG, TAG]
    assert_nothing_ran(page)

    # The same article within the assignment, its brief beside the text.
    visit(page, f"/assignments/{assignment.pk}/documents/stalin-and-korean-war/")
    brief = page.locator(".assignment-brief")
    expect(brief.get_by_role("heading", level=2)).to_have_text(TITLE)
    expect(brief.locator(".instructions")).to_have_text(INSTRUCTIONS)
    expect(brief.locator(".breadcrumb")).to_have_text(CLASS_NAME)

    visit(page, f"/highlights/{highlight.pk}/")
    expect(page.locator("article.card .note")).to_have_text(NOTE)
    visit(page, f"/highlights/{highlight.pk}/edit/")
    expect(page.get_by_label("Note")).to_have_value(NOTE)
    assert sorted(page.get_by_label("Tags").input_value().split(", ")) == [HX_TAG, TAG]
    visit(page, f"/highlights/{highlight.pk}/delete/")

    visit(page, "/highlights/")
    expect(page.locator("main")).to_contain_text(NOTE)
    expect(page.locator("main")).to_contain_text(f"Lost {SCRIPT}")
    visit(page, f"/tags/{JS_URL}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tagged “{TAG}”")
    visit(page, "/tags/planted-hx/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tagged “{HX_TAG}”")

    visit(page, "/glossary/")
    expect(page.get_by_role("link", name=ENTRY_NAME)).to_be_visible()
    visit(page, "/glossary/planted-entry/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ENTRY_NAME)
    expect(page.locator(".lede")).to_have_text(SUMMARY)
    facts = page.locator(".entry-facts")
    expect(facts).to_contain_text("1878 – 1953")
    expect(facts).to_contain_text(f"“{ALIAS}”")
    expect(facts).to_contain_text(OTHER_NAME)
    wikidata = facts.get_by_role("link", name="Wikidata Q855")
    expect(wikidata).to_have_attribute("href", "https://www.wikidata.org/wiki/Q855")

    visit(page, "/classes/")
    expect(page.get_by_role("link", name=CLASS_NAME)).to_be_visible()
    visit(page, f"/classes/{planted['classroom'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(CLASS_NAME)
    visit(page, "/assignments/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    visit(page, f"/assignments/{assignment.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".instructions")).to_have_text(INSTRUCTIONS)


def test_a_teachers_pages_run_nothing_planted(page, planted):
    assignment, student = planted["assignment"], planted["student"]
    full_name = f"{STUDENT['first_name']} {STUDENT['last_name']}"
    log_in(page, planted["teacher"])

    visit(page, f"/classes/{planted['classroom'].pk}/")
    row = page.get_by_role("row", name=full_name)
    expect(row.get_by_role("rowheader")).to_have_text(full_name)
    expect(row.get_by_role("cell").first).to_have_text(STUDENT["username"])

    visit(page, f"/assignments/{assignment.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("link", name=full_name)).to_be_visible()
    expect(page.get_by_role("region", name="Tags used")).to_contain_text(TAG)
    expect(page.get_by_role("region", name="Most-linked glossary entries")).to_contain_text(
        ENTRY_NAME
    )

    visit(page, f"/assignments/{assignment.pk}/students/{student.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name)
    expect(page.locator("article.card .note").first).to_have_text(NOTE)
    expect(page.get_by_label("Reply", exact=True)).to_have_count(2)  # and the orphan's

    path = f"/assignments/{assignment.pk}/documents/stalin-and-korean-war/?student={student.pk}"
    visit(page, path)
    expect(page.locator(".notice strong")).to_have_text(full_name)
    visit(page, DOC)
    expect(page.locator("#my-highlights")).to_contain_text(f"Lost {SCRIPT}")
    expect(page.locator("#my-highlights")).to_contain_text(full_name)
    visit(page, "/documents/stalin-and-korean-war/highlights/")
    expect(page.locator("article.card .note").first).to_have_text(NOTE)

    visit(page, "/glossary/planted-entry/edit/")
    expect(page.get_by_label("Name", exact=True)).to_have_value(ENTRY_NAME)
    expect(page.get_by_label("Summary", exact=True)).to_have_value(SUMMARY)
    expect(page.get_by_label("Aliases", exact=True)).to_have_value(f"Stalin\n{ALIAS}")
    GlossaryEntry.objects.create(kind="person", name="Other", slug="other", summary="Other.")
    visit(page, "/glossary/other/merge/")
    expect(page.get_by_label("Entry to merge into this one")).to_contain_text(ENTRY_NAME)


def test_text_sent_in_the_address_runs_nothing(page, planted):
    # Logged out: the login page keeps where to go next in a hidden field, and goes
    # nowhere but this site.
    visit(page, "/accounts/login/?" + urlencode({"next": f"{SVG}{SCRIPT}"}))
    expect(page.locator("input[name=next]")).to_have_value(f"{SVG}{SCRIPT}")
    log_in(page, planted["student"], next_page="javascript:window.__probe=1")
    assert urlparse(page.url).path == "/assignments/"  # a student's front door, not the script

    visit(page, "/glossary/?" + urlencode({"q": EVERYTHING}))
    expect(page.get_by_label("Search names")).to_have_value(EVERYTHING)
    expect(page.locator("#results [role=status]")).to_contain_text(f"matching “{EVERYTHING}”")

    # The editor reached without JavaScript keeps what was typed in the query.
    query = {"paragraph": "4", "note": NOTE, "tags": TAG, "client_key": SVG}
    visit(page, "/documents/stalin-and-korean-war/highlights/new/?" + urlencode(query))
    expect(page.get_by_label("Note")).to_have_value(NOTE)
    expect(page.get_by_label("Tags")).to_have_value(TAG)

    query = {"start": "1", "end": "2", "exact": EVERYTHING, "prefix": SVG}
    visit(page, "/documents/stalin-and-korean-war/highlights/new/?" + urlencode(query))
    visit(page, "/export/annotations.csv?" + urlencode({"since": SCRIPT, "document": IMG}))
