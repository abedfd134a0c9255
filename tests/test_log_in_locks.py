"""The cap per user name (annotations/log_in_locks.py): LOGIN_FAILURES_PER_USERNAME wrong
passwords for one name, from any number of addresses, lock it everywhere, a made-up name
the same way; a change of password, the teacher's "New password" and the teacher's
"Unlock log-in" lift it, with the name's locks at each address.

The same through a real nginx in front of gunicorn: tests/test_login_through_proxy.py.
"""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotations.models import LogInLock
from tests.helpers import PASSWORD, make_user

CAP = 30
SCHOOL = "203.0.113.7"
NEW_PASSWORD = "inchon-landing-1950"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURES_PER_USERNAME = CAP


def attempt(username: str, password: str, address: str):
    client = Client(REMOTE_ADDR=address)
    data = {"username": username, "password": password}
    return client, client.post(reverse("login"), data, REMOTE_ADDR=address)


def from_new_addresses(username: str, times: int, first: int = 1) -> list[int]:
    """Wrong passwords, each from an address of its own: what the statuses were."""
    return [
        attempt(username, "not-the-password", f"198.51.100.{number}")[1].status_code
        for number in range(first, first + times)
    ]


def lock_everywhere_and_at_school(username: str) -> None:
    """Five wrong passwords at the school (its lock there), the rest up to the cap from
    elsewhere (the lock everywhere)."""
    statuses = [attempt(username, "wrong", SCHOOL)[1].status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert from_new_addresses(username, CAP - 5) == [200] * (CAP - 6) + [429]


def logs_in(username: str, password: str, address: str = SCHOOL) -> bool:
    client, response = attempt(username, password, address)
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_the_cap_locks_a_user_name_everywhere(student):
    statuses = from_new_addresses(student.username, CAP)

    client, response = attempt(student.username, PASSWORD, "192.0.2.200")

    assert statuses == [200] * (CAP - 1) + [429]  # the cap's own failure answers with the lock
    assert response.status_code == 429  # even the right password, from a new address
    assert "_auth_user_id" not in client.session
    page = " ".join(response.content.decode().split())
    assert "Too many failed log-ins" in page
    assert "is paused everywhere until its password is changed" in page


def test_one_failure_fewer_does_not(student):
    from_new_addresses(student.username, CAP - 1)

    assert logs_in(student.username, PASSWORD, "192.0.2.200")
    assert not LogInLock.objects.exists()


def test_a_made_up_user_name_is_answered_the_same(db):
    """The lock tells nobody whether an account has the name."""
    real, made_up = make_user("mkim2031", "Min-jun", "Kim").username, "jlee4077"
    answers = {name: from_new_addresses(name, CAP + 2) for name in (real, made_up)}
    pages = {
        name: attempt(name, PASSWORD, "192.0.2.200")[1].content.decode().replace(name, "NAME")
        for name in answers
    }

    assert answers[real] == answers[made_up] == [200] * (CAP - 1) + [429] * 3
    token = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
    assert token.sub("TOKEN", pages[real]) == token.sub("TOKEN", pages[made_up])
    assert "paused everywhere" in pages[made_up]


def test_a_log_in_refused_during_a_lock_is_not_a_guess(student):
    """Knocking on at a locked address tries no password: it counts towards no cap, so a
    guesser at one address cannot turn its own lock into a lock everywhere."""
    statuses = [attempt(student.username, "wrong", SCHOOL)[1].status_code for _ in range(CAP + 5)]

    assert statuses == [200] * 4 + [429] * (CAP + 1)
    assert logs_in(student.username, PASSWORD, "192.0.2.200")


def test_a_password_reset_by_mail_lifts_both_locks(client, student):
    student.email = "minjun@example.org"
    student.save()
    lock_everywhere_and_at_school(student.username)

    client.post("/accounts/password_reset/", {"email": student.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    form = client.get(link.strip().split("testserver", 1)[-1], follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == "/accounts/reset/done/"
    assert logs_in(student.username, NEW_PASSWORD, SCHOOL)
    assert not LogInLock.objects.exists()


def test_any_other_change_of_password_lifts_it_too(student):
    """The admin's, manage.py changepassword, /accounts/: all change the password's hash,
    and the lock holds only while it is the one it was made with."""
    lock_everywhere_and_at_school(student.username)
    student.set_password(NEW_PASSWORD)
    student.save()

    assert logs_in(student.username, NEW_PASSWORD, SCHOOL)


def test_the_teachers_new_password_lifts_both_locks(client, classroom, teacher, student):
    lock_everywhere_and_at_school(student.username)
    client.force_login(teacher)

    response = client.post(f"/classes/{classroom.pk}/students/{student.pk}/password/")

    assert response.status_code == 200  # the student's new card
    assert not LogInLock.objects.exists()
    assert not AccessAttempt.objects.filter(username=student.username).exists()
    _, old_password = attempt(student.username, PASSWORD, SCHOOL)
    assert old_password.status_code == 200  # a wrong password now, not a lock
    assert "Please enter a correct username" in old_password.content.decode()


UNLOCK = 'Unlock log-in<span class="visually-hidden"> for {}</span>'


def unlock_url(classroom, user) -> str:
    return f"/classes/{classroom.pk}/students/{user.pk}/unlock/"


def test_the_class_page_shows_locked_students_with_a_button_to_unlock(
    client, classroom, teacher, student, classmate
):
    lock_everywhere_and_at_school(student.username)
    client.force_login(teacher)

    page = client.get(f"/classes/{classroom.pk}/").content.decode()

    assert page.count("Log-in locked") == 1
    assert UNLOCK.format(student.username) in page
    assert f'action="{unlock_url(classroom, student)}"' in page
    assert UNLOCK.format(classmate.username) not in page


def test_a_lock_at_one_address_shows_too(client, classroom, teacher, student):
    for _ in range(5):
        attempt(student.username, "wrong", SCHOOL)
    client.force_login(teacher)

    page = client.get(f"/classes/{classroom.pk}/").content.decode()

    assert UNLOCK.format(student.username) in page


def test_the_teacher_unlocks_a_student_everywhere_and_at_every_address(
    client, classroom, teacher, student
):
    lock_everywhere_and_at_school(student.username)
    client.force_login(teacher)

    response = client.post(unlock_url(classroom, student), follow=True)

    assert response.redirect_chain == [(f"/classes/{classroom.pk}/", 302)]
    page = response.content.decode()
    assert "Min-jun Kim can log in again" in page
    assert UNLOCK.format(student.username) not in page
    assert logs_in(student.username, PASSWORD, SCHOOL)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("student", 403), ("classmate", 403), ("other_teacher", 404)],
)
def test_only_the_classs_teacher_unlocks(
    client, classroom, student, classmate, other_teacher, who, expected
):
    people = {"student": student, "classmate": classmate, "other_teacher": other_teacher}
    LogInLock.objects.create(username=student.username, password_fingerprint="x")
    if who in people:
        client.force_login(people[who])

    response = client.post(unlock_url(classroom, student))

    assert response.status_code == expected
    assert LogInLock.objects.filter(username=student.username).exists()


def test_unlocking_is_a_post(client, classroom, teacher, student):
    LogInLock.objects.create(username=student.username, password_fingerprint="x")
    client.force_login(teacher)

    response = client.get(unlock_url(classroom, student))

    assert response.status_code == 405
    assert LogInLock.objects.exists()


def test_unlocking_needs_the_csrf_token(classroom, teacher, student):
    LogInLock.objects.create(username=student.username, password_fingerprint="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)

    assert client.post(unlock_url(classroom, student)).status_code == 403
    assert LogInLock.objects.exists()


def test_an_archived_class_unlocks_nobody(client, classroom, teacher, student):
    LogInLock.objects.create(username=student.username, password_fingerprint="x")
    classroom.archived = timezone.now()
    classroom.save()
    client.force_login(teacher)

    response = client.post(unlock_url(classroom, student))
    page = client.get(f"/classes/{classroom.pk}/").content.decode()

    assert response.status_code == 403
    assert LogInLock.objects.exists()
    assert "Unlock log-in" not in page  # and offers no button


@pytest.mark.parametrize(("configured", "offers_mail"), [(True, True), (False, False)])
def test_the_lock_page_says_what_to_do(settings, student, configured, offers_mail):
    settings.EMAIL_CONFIGURED = configured
    from_new_addresses(student.username, CAP)

    page = " ".join(attempt(student.username, PASSWORD, "192.0.2.200")[1].content.decode().split())

    assert ('href="/accounts/password_reset/">reset your password by email' in page) is offers_mail
    assert "ask your teacher: on the class page they can let you log in again" in page
