"""Notifications in the app: who hears of a reply, the header's count, the page that lists
them and clears them, and what a recipient may no longer read taken away.

Replies to replies (`Reply.parent`) come with threads; until then a test gives a reply
its `parent_id` as an attribute, which is all annotations.notifications reads of it.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import ClassHide, Membership, Notification, Reply
from annotations.notifications import PER_PAGE, notify_answer, save_notifying
from annotations.writes import add_reply, remove_student, set_answer
from tests.helpers import HTMX, PHRASE, add_class

TEXT = "Which date does the cable give?"


@pytest.fixture
def shared(student, classroom, make_highlight):
    return make_highlight(student, PHRASE, visibility="class", note="Surprised?")


def reply(highlight, author, classroom, *, parent=None, text=TEXT) -> Reply:
    """A reply as threads will make it: to `parent` (another reply), if given."""
    made = Reply(highlight=highlight, author=author, text=text, classroom=classroom)
    if parent is not None:
        made.parent_id = parent.pk
    save_notifying(made)
    return made


def recipients(made: Reply) -> dict:
    return dict(Notification.objects.filter(reply=made).values_list("recipient", "kind"))


def badge(client) -> str | None:
    """The header's count, as the link's accessible name says it; None without one."""
    html = client.get("/").content.decode()
    link = re.search(r'<a href="/notifications/"[^>]*>Notifications(.*?)</a>', html)
    assert link, "no Notifications link in the header"
    label = re.search(r'aria-label="Notifications, (\d+) new"', link.group(0))
    shown = re.search(r'<span class="count-badge" aria-hidden="true">(\d+)</span>', link.group(1))
    assert bool(label) == bool(shown)
    if not label:
        return None
    assert label.group(1) == shown.group(1)
    return label.group(1)


# Who is notified


def test_it_notifies_the_highlights_author_of_a_teachers_reply(
    client, teacher, student, classroom, shared
):
    client.force_login(teacher)

    client.post(f"/highlights/{shared.pk}/replies/", {"text": TEXT})

    made = Reply.objects.get()
    assert recipients(made) == {student.pk: Notification.Kind.REPLY_TO_HIGHLIGHT}


def test_it_makes_the_notification_in_the_replys_transaction(
    teacher, student, classroom, shared, django_assert_num_queries
):
    # The reply and its notification in one statement (notifications.save_notifying):
    # no transaction, or savepoint, around two.
    with django_assert_num_queries(1):
        made = add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    assert recipients(made) == {student.pk: Notification.Kind.REPLY_TO_HIGHLIGHT}


def test_nobody_is_notified_of_their_own_reply(student, classroom, shared):
    made = add_reply(highlight=shared, author=student, text=TEXT, classroom=classroom.pk)

    assert recipients(made) == {}


def test_a_reply_to_a_reply_notifies_the_parents_author_too(
    teacher, student, classmate, classroom, shared
):
    first = reply(shared, classmate, classroom)
    assert recipients(first) == {student.pk: Notification.Kind.REPLY_TO_HIGHLIGHT}

    second = reply(shared, teacher, classroom, parent=first)

    assert recipients(second) == {
        student.pk: Notification.Kind.REPLY_TO_HIGHLIGHT,
        classmate.pk: Notification.Kind.REPLY_TO_REPLY,
    }


def test_the_author_of_the_highlight_and_of_the_parent_is_notified_once(
    teacher, student, classroom, shared
):
    first = reply(shared, student, classroom)
    assert recipients(first) == {}

    second = reply(shared, teacher, classroom, parent=first)

    assert Notification.objects.filter(reply=second).count() == 1
    assert recipients(second) == {student.pk: Notification.Kind.REPLY_TO_HIGHLIGHT}


def test_the_parents_author_is_not_notified_of_their_own_reply_to_it(
    classmate, student, classroom, shared
):
    first = reply(shared, classmate, classroom)

    second = reply(shared, classmate, classroom, parent=first)

    assert recipients(second) == {student.pk: Notification.Kind.REPLY_TO_HIGHLIGHT}


def test_an_answer_notifies_the_question_author_again_as_new(
    client, teacher, student, classroom, shared
):
    made = add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    client.force_login(student)
    client.get("/notifications/")
    assert badge(client) is None

    notify_answer(made)

    assert recipients(made) == {student.pk: Notification.Kind.ANSWER}
    assert badge(client) == "1"
    assert "answered your question" in client.get("/notifications/").content.decode()


def test_the_teachers_answer_mark_notifies_and_taking_it_back_says_replied_again(
    client, teacher, student, classroom, shared
):
    shared.is_question = True
    shared.save()
    made = add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    client.force_login(student)
    client.get("/notifications/")

    set_answer(reply=made, by=teacher, is_answer=True)
    assert recipients(made) == {student.pk: Notification.Kind.ANSWER}
    assert badge(client) == "1"

    set_answer(reply=made, by=teacher, is_answer=False)
    assert recipients(made) == {student.pk: Notification.Kind.REPLY_TO_HIGHLIGHT}


def test_an_answer_by_the_question_author_notifies_nobody(student, classroom, shared):
    made = add_reply(highlight=shared, author=student, text=TEXT, classroom=classroom.pk)

    assert notify_answer(made) is None
    assert recipients(made) == {}


# The count in the header


def test_the_header_counts_the_new_ones(client, teacher, student, classroom, shared):
    client.force_login(student)
    assert badge(client) is None

    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    add_reply(highlight=shared, author=teacher, text="And who sent it?", classroom=classroom.pk)

    assert badge(client) == "2"
    client.force_login(teacher)
    assert badge(client) is None


def notification_queries(client, url="/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return [q["sql"] for q in queries.captured_queries if "annotations_notification" in q["sql"]]


def test_the_badge_asks_nothing_for_anonymous_visitors(client, teacher, student, classroom, shared):
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)

    with CaptureQueriesContext(connection) as anonymous:
        html = client.get("/").content.decode()

    assert "/notifications/" not in html
    assert not [q for q in anonymous.captured_queries if "annotations_notification" in q["sql"]]


def test_with_nothing_new_the_badge_costs_one_probe_and_no_rules(
    client, teacher, student, classroom, shared
):
    """Most pages are opened by someone with nothing new: the badge asks whether there
    is a new row at all, and builds neither the viewer's lookups nor the rules."""
    made = add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    Notification.objects.filter(reply=made).update(read=made.created)  # seen already
    client.force_login(student)

    asked = notification_queries(client)

    assert len(asked) == 1
    assert "annotations_reply" not in asked[0]  # the probe: no visibility rules in it
    assert badge(client) is None


def test_with_something_new_the_badge_probes_then_counts_by_the_rules(
    client, teacher, student, classroom, shared
):
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    client.force_login(student)

    probe, count = notification_queries(client)

    assert "annotations_reply" not in probe
    assert "annotations_reply" in count  # shown_to's rules: the replies they may read
    assert badge(client) == "1"


def test_a_page_costs_less_for_someone_with_nothing_new(
    client, teacher, student, classmate, classroom, shared, django_assert_num_queries
):
    """The same page, for two students of one class with the same lookups: the badge of
    the one with nothing new skips the viewer's lookups and the count."""
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    pages = {}
    for user in (student, classmate):
        client.force_login(user)
        client.get("/")  # sessions and caches warm for both alike
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        pages[user] = len(queries)

    # The home page builds no Viewer of its own: the badge made it (1 query) and
    # counted (1); the probe asks in both cases.
    assert pages[classmate] == pages[student] - 2
    client.force_login(classmate)
    with django_assert_num_queries(pages[classmate]):
        assert badge(client) is None


def test_the_probe_is_served_by_the_index_of_new_ones(student):
    """notification_unread: (recipient) where read is null. The table is tiny here, so
    sequential scans are ruled out to see what the planner can use."""
    probe = Notification.objects.filter(recipient=student.pk).unread()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = probe.explain()
    assert "notification_unread" in plan


def test_a_partial_for_htmx_asks_nothing_of_notifications(
    client, teacher, student, classroom, shared
):
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    client.force_login(student)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/highlights/{shared.pk}/", headers=HTMX)

    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "annotations_notification" in q["sql"]]


# The page, and clearing


def test_the_page_lists_them_newest_first_with_links_and_clears_them(
    client, teacher, student, classroom, shared, make_highlight
):
    other = make_highlight(student, "Incheon landing", visibility="class")
    add_reply(highlight=shared, author=teacher, text="Older reply", classroom=classroom.pk)
    add_reply(highlight=other, author=teacher, text="Newer reply", classroom=classroom.pk)
    client.force_login(student)
    assert badge(client) == "2"

    html = client.get("/notifications/").content.decode()

    assert html.index("Newer reply") < html.index("Older reply")
    assert html.count('<span class="badge">New</span>') == 2  # new until this page showed them
    assert f'href="/highlights/{shared.pk}/"' in html
    assert f'href="/highlights/{other.pk}/"' in html
    assert "Grace Park</strong> replied to your highlight" in html
    assert badge(client) is None
    assert Notification.objects.unread().count() == 0

    again = client.get("/notifications/").content.decode()

    assert "Newer reply" in again and "Older reply" in again  # still listed, as read
    assert '<span class="badge">New</span>' not in again
    assert "notification-new" not in again


def test_opening_a_page_clears_only_the_ones_it_shows(client, teacher, student, classroom, shared):
    for n in range(PER_PAGE + 3):
        add_reply(highlight=shared, author=teacher, text=f"Reply {n}", classroom=classroom.pk)
    client.force_login(student)

    html = client.get("/notifications/").content.decode()

    assert "3 more new on other pages." in html
    assert badge(client) == "3"
    second = client.get("/notifications/?page=2").content.decode()
    assert "Reply 0<" in second and "Reply 2<" in second
    assert badge(client) is None


def test_mark_all_read_clears_them_all(client, teacher, student, classmate, classroom, shared):
    for n in range(PER_PAGE + 3):
        add_reply(highlight=shared, author=teacher, text=f"Reply {n}", classroom=classroom.pk)
    theirs = reply(shared, teacher, classroom, parent=reply(shared, classmate, classroom))
    client.force_login(student)
    client.get("/notifications/")

    response = client.post("/notifications/read/")

    assert response.status_code == 302
    assert response.url == "/notifications/"
    assert Notification.objects.filter(recipient=student).unread().count() == 0
    assert "No new notifications." in client.get(response.url).content.decode()
    # Nobody else's.
    assert Notification.objects.get(reply=theirs, recipient=classmate).read is None


def test_the_page_costs_the_same_for_many(
    client, teacher, student, classroom, shared, django_assert_max_num_queries
):
    for n in range(PER_PAGE + 3):
        add_reply(highlight=shared, author=teacher, text=f"Reply {n}", classroom=classroom.pk)
    client.force_login(student)

    # The session, the user; the recipient's classes, classmates and assignments (the
    # replies' rule, Reply.visible_to); the count and the page (with reply, author,
    # highlight and document joined), marking them read, and the badge.
    with django_assert_max_num_queries(12):
        assert client.get("/notifications/").status_code == 200


def test_it_shows_each_their_own_only(client, teacher, student, classmate, classroom, shared):
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    client.force_login(classmate)

    html = client.get("/notifications/").content.decode()

    assert TEXT not in html
    assert "No notifications yet." in html
    assert Notification.objects.get().read is None  # the student's, still new


def test_the_page_needs_a_log_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert client.post("/notifications/read/").status_code == 302


def test_the_wrong_method_is_refused(client, student):
    client.force_login(student)

    assert client.post("/notifications/").status_code == 405
    assert client.get("/notifications/read/").status_code == 405


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999999999999999", "2", "\u00e9"])
def test_a_page_number_that_does_not_fit_shows_a_page(
    client, teacher, student, classroom, shared, page
):
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    client.force_login(student)

    response = client.get("/notifications/", {"page": page})

    assert response.status_code == 200
    assert TEXT in response.content.decode()


def test_it_escapes_what_a_reply_says(client, teacher, student, classroom, shared):
    add_reply(
        highlight=shared,
        author=teacher,
        text="<script>alert(1)</script>\nline",
        classroom=classroom.pk,
    )
    client.force_login(student)

    html = client.get("/notifications/").content.decode()

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>line" in html


# What the recipient may no longer read


def test_another_classs_reply_is_not_shown_to_a_classmate_of_this_one(
    client, student, classmate, classroom, shared, other_teacher, other_classroom
):
    """The student is in History 102 too; its teacher answers the classmate's reply there.
    The classmate is not in that class: their notification stays out of sight."""
    Membership.objects.create(classroom=other_classroom, user=student)
    first = reply(shared, classmate, classroom)

    second = reply(shared, other_teacher, other_classroom, parent=first)

    assert classmate.pk in recipients(second)
    client.force_login(classmate)
    assert badge(client) is None
    assert TEXT not in client.get("/notifications/").content.decode()
    assert Notification.objects.get(reply=second, recipient=classmate).read is None


def test_a_hide_takes_it_away_from_the_class_not_from_the_author(
    client, teacher, student, classmate, classroom, shared
):
    first = reply(shared, classmate, classroom, text="I wondered too")
    second = reply(shared, teacher, classroom, parent=first, text="See the cable")
    shown_before = set(Notification.objects.shown_to(classmate).values_list("reply", flat=True))

    ClassHide.objects.create(highlight=shared, classroom=classroom, hidden_by=teacher)

    assert Notification.objects.shown_to(classmate).count() == 0
    assert shown_before <= {second.pk}
    client.force_login(student)  # its author still sees their highlight and its replies
    assert badge(client) == "2"
    assert "See the cable" in client.get("/notifications/").content.decode()


def test_a_hide_in_another_class_leaves_it(
    client, teacher, student, classroom, shared, other_classroom
):
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    ClassHide.objects.create(highlight=shared, classroom=other_classroom)
    client.force_login(student)

    assert badge(client) == "1"


def test_a_removed_students_notifications_follow_what_they_may_read(
    client, teacher, student, classmate, classroom, shared
):
    """Removed from the class, the classmate no longer reads its replies to others'
    highlights (Reply.objects.visible_to), and is no longer notified of them."""
    first = reply(shared, classmate, classroom)
    second = reply(shared, teacher, classroom, parent=first)
    readable = Reply.objects.visible_to(classmate).filter(pk=second.pk).exists()
    assert Notification.objects.shown_to(classmate).filter(reply=second).exists() == readable

    remove_student(classroom=classroom, student=classmate)

    assert not Notification.objects.shown_to(classmate).filter(reply=second).exists()


def test_a_new_one_on_a_reply_no_longer_readable_is_not_counted(
    client, teacher, student, classmate, classroom, shared
):
    """The probe finds the row; the rules (shown_to) still leave it out of the count."""
    first = reply(shared, classmate, classroom)
    second = reply(shared, teacher, classroom, parent=first)
    client.force_login(classmate)
    assert badge(client) == "1"

    remove_student(classroom=classroom, student=classmate)

    assert Notification.objects.filter(recipient=classmate).unread().filter(reply=second).exists()
    assert badge(client) is None


def test_a_deleted_reply_takes_its_notifications_with_it(
    client, teacher, student, classroom, shared
):
    made = add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)

    made.delete()

    assert Notification.objects.count() == 0


def test_another_class_counts_nothing_of_this_one(
    client, teacher, student, classroom, shared, other_student, other_classroom
):
    add_reply(highlight=shared, author=teacher, text=TEXT, classroom=classroom.pk)
    add_class("History 103", teacher, other_student)
    client.force_login(other_student)

    assert badge(client) is None
    assert TEXT not in client.get("/notifications/").content.decode()
