"""The assignment a save counts for (AssignmentQuerySet.to_work_in_one, written out for
HighlightForm) answers as the rule's ORM form, to_work_in().with_links(), does: for every
person, article and assignment here, the same assignment or none, with the same flags."""

import pytest
from django.utils import timezone

from annotations.models import Assignment, Membership
from tests.helpers import add_assignment, add_class, link_to_lms


def by_the_orm(user, document, pk):
    found = Assignment.objects.to_work_in(user, document).with_links().filter(pk=pk).first()
    return found and (found.pk, found.in_lms, found.requires_entries)


def written_out(user, document, pk):
    found = Assignment.objects.to_work_in_one(user, document, pk)
    return found and (found.pk, found.in_lms, found.requires_entries)


@pytest.fixture
def scene(teacher, student, classmate, outsider, documents, glossary):
    """Assignments in the student's class (one over the article, one in an LMS asking
    for an entry, one over another article), one of an archived class they are also a
    student of, one of a class they teach, and one of a class they are not in."""
    article, other = documents["stalin-and-korean-war"], documents["stalins-hot-war"]
    room = add_class("History 101", teacher, student, classmate)
    plain = add_assignment(room, documents=[article])
    in_lms = add_assignment(room, documents=[article], required_entries=[glossary["kim-il-sung"]])
    link_to_lms(in_lms, student)
    elsewhere = add_assignment(room, documents=[other])
    archived_room = add_class("Last year", teacher, student)
    archived = add_assignment(archived_room, documents=[article])
    archived_room.archived = timezone.now()
    archived_room.save()
    taught_room = add_class("Taught by the student", student)
    taught = add_assignment(taught_room, documents=[article])
    Membership.objects.create(classroom=taught_room, user=classmate, role="student")
    outside = add_assignment(add_class("Another school", outsider), documents=[article])
    assignments = [plain, in_lms, elsewhere, archived, taught, outside]
    return [student, classmate, teacher, outsider], [article, other], assignments


def test_the_written_out_rule_answers_as_the_orm_does(scene):
    people, articles, assignments = scene
    answers = {}
    for user in people:
        for document in articles:
            for assignment in assignments:
                expected = by_the_orm(user, document, assignment.pk)
                assert written_out(user, document, assignment.pk) == expected
                answers[user.username, document.slug, assignment.pk] = expected

    student, article = people[0].username, articles[0].slug
    plain, in_lms, _, archived, taught, outside = (a.pk for a in assignments)
    # The rule's cases, so that the comparison is not one of two empty answers.
    assert answers[student, article, plain] == (plain, False, False)
    assert answers[student, article, in_lms] == (in_lms, True, True)
    assert answers[student, articles[1].slug, plain] is None  # not over that article
    assert answers[student, article, archived] is None  # an archived class's
    assert answers[student, article, taught] is None  # one they teach, not work in
    assert answers[student, article, outside] is None  # another class's
    assert answers["classmate", article, taught] == (taught, False, False)
    assert answers["teacher", article, plain] is None


def test_an_assignment_that_is_not_there_is_none(scene):
    people, articles, _ = scene
    assert Assignment.objects.to_work_in_one(people[0], articles[0], 2**63 - 1) is None
