"""One's own account: the front door, downloading one's work, deleting the account, asking
to teach, and resetting a forgotten password by mail (or being told to ask the teacher)."""

import socket
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from annotations.models import Highlight, Membership, Reply, TeacherRequest
from annotations.teachers import TEACHERS
from annotations.writes import add_reply
from tests.helpers import csv_highlight_ids

User = get_user_model()
PHRASE = "Stalin was hardly surprised."


def test_a_teacher_lands_on_their_classes(client, classroom, teacher, document, make_assignment):
    make_assignment(classroom, documents=[document], title="Read the telegrams", days=2)
    client.force_login(teacher)
    page = client.get("/home/").content.decode()
    assert "History 101" in page and "2 students" in page
    assert 'next due: <a href="/assignments/' in page
    assert "Read the telegrams</a>: 0 of 2 done" in page
    assert "Read the telegrams" in client.get("/assignments/").content.decode()


def test_a_student_lands_on_their_assignments(client, classroom, student):
    client.force_login(student)
    assert client.get("/home/")["Location"] == "/assignments/"


def test_the_account_page_shows_who_you_are(client, student):
    client.force_login(student)
    page = client.get("/accounts/").content.decode()
    assert "Min-jun Kim" in page and student.username in page
    assert "Download my work" in page and "Delete my account" in page
    assert "/export/annotations.csv?mine=1" in page and "every reply you wrote" in page


def test_download_my_work_holds_exactly_my_highlights_and_those_i_replied_to(
    client, classroom, student, classmate, make_highlight
):
    """The rest of "Download my work" is in tests/test_export_my_work.py."""
    mine = make_highlight(student, PHRASE, note="mine")
    theirs = make_highlight(classmate, "the Soviet dictator liked", visibility="class")
    make_highlight(classmate, "to work at night", visibility="class")
    add_reply(highlight=theirs, author=student, text="Mine, on theirs", classroom=classroom.pk)
    client.force_login(student)
    response = client.get("/export/annotations.csv?mine=1")
    assert sorted(csv_highlight_ids(b"".join(response.streaming_content))) == [mine.pk, theirs.pk]


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "highlights": Highlight.objects.count(),
        "replies": Reply.objects.count(),
        "memberships": Membership.objects.count(),
        "requests": TeacherRequest.objects.count(),
    }


def test_deleting_an_account_removes_what_it_says_and_nothing_else(
    client, classroom, student, classmate, teacher, make_highlight
):
    mine = make_highlight(student, PHRASE, visibility="class")
    theirs = make_highlight(classmate, "the Soviet dictator liked to work at night")
    in_class = {"classroom": classroom.pk}
    add_reply(highlight=mine, author=teacher, text="On my highlight", **in_class)
    add_reply(highlight=theirs, author=student, text="Mine, on theirs", **in_class)
    add_reply(highlight=theirs, author=teacher, text="The teacher's, on theirs", **in_class)
    TeacherRequest.objects.create(user=student, school="Seoul High")
    before = counts()
    client.force_login(student)
    assert client.post("/accounts/delete/", {"password": "wrong"}).status_code == 422
    assert counts() == before
    response = client.post("/accounts/delete/", {"password": "correct-horse-battery"})
    assert response.status_code == 302
    assert counts() == {
        "users": before["users"] - 1,
        "highlights": before["highlights"] - 1,  # theirs
        "replies": before["replies"] - 2,  # the one on their highlight, the one they wrote
        "memberships": before["memberships"] - 1,
        "requests": before["requests"] - 1,
    }
    assert Highlight.objects.filter(pk=theirs.pk).exists()
    assert list(Reply.objects.values_list("text", flat=True)) == ["The teacher's, on theirs"]


def test_a_teacher_of_a_running_class_is_told_to_archive_it_first(client, classroom, teacher):
    client.force_login(teacher)
    response = client.post("/accounts/delete/", {"password": "correct-horse-battery"})
    assert response.status_code == 422
    assert "You still teach" in response.content.decode()
    assert User.objects.filter(pk=teacher.pk).exists()


def test_someone_asks_to_teach_and_staff_grant_it(client, outsider, db):
    client.force_login(outsider)
    response = client.post("/accounts/teach/", {"school": "Busan High", "message": "History"})
    assert response.status_code == 302
    request = TeacherRequest.objects.get(user=outsider)
    staff = User.objects.create_user("staff", password="x", is_staff=True)
    client.force_login(staff)
    assert "Busan High" in client.get("/accounts/teach/requests/").content.decode()
    client.post(f"/accounts/teach/requests/{request.pk}/", {"decision": "grant"})
    request.refresh_from_db()
    assert request.decision == "granted" and request.decided_by == staff
    outsider.refresh_from_db()
    assert outsider.has_perm("annotations.add_classroom")
    # Decided once: a second answer finds nothing to decide.
    assert (
        client.post(f"/accounts/teach/requests/{request.pk}/", {"decision": "decline"}).status_code
        == 404
    )


def test_only_staff_see_the_requests(client, teacher):
    client.force_login(teacher)
    assert client.get("/accounts/teach/requests/").status_code == 403


@pytest.mark.parametrize("side", ["user", "group"])
def test_leaving_the_teachers_group_ends_every_teaching_role(
    classroom, other_classroom, teacher, side
):
    Membership.objects.create(classroom=other_classroom, user=teacher, role="teacher")
    group = Group.objects.get(name=TEACHERS)
    if side == "user":
        teacher.groups.remove(group)
    else:
        group.user_set.remove(teacher)
    assert not Membership.objects.filter(user=teacher, role="teacher").exists()
    # The students' places are untouched.
    assert Membership.objects.filter(classroom=classroom, role="student").count() == 2


def test_clearing_a_teachers_groups_ends_their_roles_too(classroom, teacher):
    teacher.groups.clear()
    assert not Membership.objects.filter(user=teacher, role="teacher").exists()


def test_a_reset_mail_carries_a_link_that_works(client, student):
    User.objects.filter(pk=student.pk).update(email="minjun@example.org")
    response = client.post("/accounts/password_reset/", {"email": "minjun@example.org"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    page = client.get(link.removeprefix("http://testserver"), follow=True)
    assert "Choose a new password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": "inchon-1950-landing", "new_password2": "inchon-1950-landing"}
    )
    assert done.status_code == 302
    student.refresh_from_db()
    assert student.check_password("inchon-1950-landing")


def test_the_console_backend_prints_the_mail(client, student, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    User.objects.filter(pk=student.pk).update(email="minjun@example.org")
    client.post("/accounts/password_reset/", {"email": "minjun@example.org"})
    printed = capsys.readouterr().out
    assert "Your Korea Reader password" in printed and "/accounts/reset/" in printed


def test_without_mail_the_page_says_to_ask_the_teacher(client, student, settings):
    settings.EMAIL_CONFIGURED = False
    User.objects.filter(pk=student.pk).update(email="minjun@example.org")
    for response in (
        client.get("/accounts/password_reset/"),
        client.post("/accounts/password_reset/", {"email": "minjun@example.org"}),
    ):
        assert response.status_code == 200
        assert "Ask your teacher" in response.content.decode()
    assert mail.outbox == []


@pytest.fixture
def refusing_mail_server():
    """An SMTP server on 127.0.0.1 that turns every connection away (421)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connection.sendall(b"421 4.3.2 Service not available\r\n")
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    server.close()
    thread.join(timeout=5)


def test_a_failing_mail_server_is_an_error_the_person_sees(
    client, student, settings, refusing_mail_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", refusing_mail_server
    settings.EMAIL_USE_TLS = False
    User.objects.filter(pk=student.pk).update(email="minjun@example.org")
    response = client.post("/accounts/password_reset/", {"email": "minjun@example.org"})
    assert response.status_code == 503
    page = response.content.decode()
    assert "The mail could not be sent just now, so nothing is on its way." in page
    assert "Check your mail" not in page
