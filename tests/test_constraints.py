"""The rules that must always hold are the database's, not only the forms'.

Each write below skips every form and goes straight to PostgreSQL, as a bug, a script or
a shell session might; the database refuses it and keeps what it had.
"""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from annotations.models import Classroom, Document, GlossaryEntry, Highlight, Mention, Tag

BREAKS = {
    "document without a title": (Document, {"title": ""}),
    "highlight quoting nothing": (Highlight, {"exact": "", "anchor_status": "orphaned"}),
    "highlight ending before it starts": (Highlight, {"end": F("start")}),
    "highlight quote not its range": (Highlight, {"end": F("end") + 1}),
    "highlight of revision 0": (Highlight, {"revision": 0}),
    "highlight with an unknown visibility": (Highlight, {"visibility": "public"}),
    "mention of revision 0": (Mention, {"revision": 0}),
    "class without a name": (Classroom, {"name": ""}),
    "class code with a look-alike": (Classroom, {"join_code": "ABCDEF0O"}),
    "entry of an unknown kind": (GlossaryEntry, {"kind": "animal"}),
    "entry at the address of the new-entry page": (GlossaryEntry, {"slug": "new"}),
    "entry with a made-up Wikidata id": (GlossaryEntry, {"wikidata": "855"}),
    "entry born on no date": (GlossaryEntry, {"born": "1879-12-XX"}),
    "entry with half its coordinates": (GlossaryEntry, {"latitude": 39.0, "longitude": None}),
    "tag without a name": (Tag, {"name": ""}),
}


@pytest.fixture
def rows(glossary, classroom, student, make_highlight):
    make_highlight(student, "Stalin was hardly surprised.", tags=["evidence"])


@pytest.mark.parametrize("rule", BREAKS)
def test_the_database_refuses(rows, rule):
    model, change = BREAKS[rule]
    row = model.objects.order_by("pk").first()
    before = model.objects.filter(pk=row.pk).values().get()

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**change)

    assert model.objects.filter(pk=row.pk).values().get() == before
