"""Migration 0014 carries the old hidden flag and the replies into their classes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.helpers import at_migration, migrate

BEFORE = [("annotations", "0013_log_in_locks")]
AFTER = [("annotations", "0014_class_moderation")]


@pytest.fixture
def old_apps(transactional_db):
    yield from at_migration(BEFORE)


def test_it_carries_hides_and_replies_into_their_classes(old_apps):
    User = old_apps.get_model("auth", "User")
    Classroom = old_apps.get_model("annotations", "Classroom")
    Membership = old_apps.get_model("annotations", "Membership")
    Assignment = old_apps.get_model("annotations", "Assignment")
    Document = old_apps.get_model("annotations", "Document")
    Highlight = old_apps.get_model("annotations", "Highlight")
    Reply = old_apps.get_model("annotations", "Reply")
    teacher, other_teacher, author = (
        User.objects.create(username=name) for name in ("t", "o", "a")
    )
    first, second, third = (Classroom.objects.create(name=name, join_code=code)
                            for name, code in (("A", "AAAAAAAAAA"), ("B", "BBBBBBBBBB"),
                                               ("C", "CCCCCCCCCC")))  # fmt: skip
    for room, who in ((first, teacher), (second, other_teacher), (third, teacher)):
        Membership.objects.create(classroom=room, user=who, role="teacher")
        Membership.objects.create(classroom=room, user=author, role="student")
    assignment = Assignment.objects.create(
        classroom=second, title="Due", due=timezone.now() + timedelta(days=1)
    )
    document = Document.objects.create(slug="d", title="D", text="Stalin was hardly surprised.")

    def highlight(**fields):
        return Highlight.objects.create(
            owner=author, document=document, revision=1, start=0, end=6, exact="Stalin",
            visibility="class", **fields,
        )  # fmt: skip

    outside = highlight(hidden=True)
    inside = highlight(hidden=True, assignment=assignment)
    shown = highlight()
    Reply.objects.create(highlight=outside, author=teacher, text="In A or C")
    Reply.objects.create(highlight=inside, author=other_teacher, text="In B")
    Reply.objects.create(highlight=shown, author=User.objects.create(username="x"), text="?")

    apps = migrate(AFTER)

    hides = apps.get_model("annotations", "ClassHide").objects.values_list("highlight", "classroom")
    assert sorted(hides) == sorted(
        [(outside.pk, first.pk), (outside.pk, second.pk), (outside.pk, third.pk),
         (inside.pk, second.pk)]
    )  # fmt: skip
    replies = dict(apps.get_model("annotations", "Reply").objects.values_list("text", "classroom"))
    assert replies == {"In A or C": first.pk, "In B": second.pk, "?": None}
