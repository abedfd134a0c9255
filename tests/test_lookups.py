"""`__any` (annotations/lookups.py): the rows `__in` finds, with one array parameter."""

from annotations.models import Highlight, Membership
from tests.helpers import add_highlight


def test_any_finds_what_in_finds_with_one_parameter(document, student, classmate, outsider):
    for user in (student, classmate, outsider):
        add_highlight(user, document, "Stalin")
    owners = [student.pk, outsider.pk]

    found = Highlight.objects.filter(owner__any=owners)

    assert set(found) == set(Highlight.objects.filter(owner__in=owners))
    assert {h.owner_id for h in found} == set(owners)
    sql, params = found.query.sql_with_params()
    assert "= ANY(" in sql and list(params) == [sorted(owners)]


def test_any_of_nothing_finds_nothing(classroom):
    assert Membership.objects.count() == 3
    assert not Membership.objects.filter(user__any=[]).exists()
    assert Membership.objects.filter(classroom__any={classroom.pk}).count() == 3
