"""Migration 0022 gives each existing reply a key of its own and starts no thread."""

import pytest
from django.db import IntegrityError, connection, transaction

from tests.helpers import at_migration, migrate

BEFORE = [("annotations", "0021_notifications_and_live_page")]
AFTER = [("annotations", "0022_threads")]


@pytest.fixture
def old_apps(transactional_db):
    yield from at_migration(BEFORE)


def test_it_keys_each_reply_and_keeps_answers_on_their_highlight(old_apps):
    User = old_apps.get_model("auth", "User")
    Document = old_apps.get_model("annotations", "Document")
    Highlight = old_apps.get_model("annotations", "Highlight")
    Reply = old_apps.get_model("annotations", "Reply")
    teacher, author = (User.objects.create(username=name) for name in ("t", "a"))
    document = Document.objects.create(slug="d", title="D", text="Stalin was hardly surprised.")
    first, second = (
        Highlight.objects.create(
            owner=author, document=document, revision=1, start=start, end=start + 6,
            exact=document.text[start : start + 6], client_key=key, visibility="class",
        )  # fmt: skip
        for start, key in ((0, "00000000-0000-4000-8000-000000000001"),
                           (11, "00000000-0000-4000-8000-000000000002"))
    )  # fmt: skip
    for text in ("One", "Two", "Three"):
        Reply.objects.create(highlight=first, author=teacher, text=text)

    apps = migrate(AFTER)

    Reply = apps.get_model("annotations", "Reply")
    keys = list(Reply.objects.values_list("client_key", flat=True))
    assert len(set(keys)) == 3
    assert not Reply.objects.filter(parent__isnull=False).exists()
    one = Reply.objects.get(text="One")
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        Reply.objects.create(highlight_id=second.pk, author_id=teacher.pk, text="x", parent=one)
