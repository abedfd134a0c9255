"""Log-in throttling (django-axes): per user name *and* address.

Five wrong passwords lock that user name at that address; the class behind the same
school address, and the same student from home, can still log in.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import PASSWORD

SCHOOL = "203.0.113.7"
HOME = "198.51.100.23"


def attempt(username: str, password: str, address: str):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return client, response


def fail(username: str, address: str, times: int) -> None:
    for number in range(1, times + 1):
        _, response = attempt(username, "not-the-password", address)
        # The form again with its error; the fifth failure answers with the lock itself.
        assert response.status_code == (429 if number == 5 else 200)


@pytest.fixture(autouse=True)
def five_failures(settings):
    settings.AXES_FAILURE_LIMIT = 5


def test_a_wrong_password_shows_the_form_again_with_a_message(student):
    _, response = attempt(student.username, "not-the-password", SCHOOL)

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_five_failures_lock_the_user_name_at_that_address(student):
    fail(student.username, SCHOOL, 5)

    client, response = attempt(student.username, PASSWORD, SCHOOL)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed log-ins" in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session  # even the right password is refused


def test_four_failures_do_not(student):
    fail(student.username, SCHOOL, 4)

    client, response = attempt(student.username, PASSWORD, SCHOOL)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(student.pk)


def test_classmates_behind_the_same_address_can_still_log_in(student, classmate):
    fail(student.username, SCHOOL, 5)

    client, response = attempt(classmate.username, PASSWORD, SCHOOL)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(classmate.pk)


def test_the_same_student_from_another_address_can_still_log_in(student):
    fail(student.username, SCHOOL, 5)

    _, response = attempt(student.username, PASSWORD, HOME)

    assert response.status_code == 302


def test_a_success_resets_the_count(student):
    fail(student.username, SCHOOL, 4)
    attempt(student.username, PASSWORD, SCHOOL)
    fail(student.username, SCHOOL, 4)

    _, response = attempt(student.username, PASSWORD, SCHOOL)

    assert response.status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(settings, student):
    """A forged X-Forwarded-For entry cannot dodge the lock: only the last one counts."""
    settings.BEHIND_TLS_PROXY = True
    proxy = "10.0.0.2"
    for forged in range(1, 6):
        response = Client().post(
            reverse("login"),
            {"username": student.username, "password": "not-the-password"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{forged}, {SCHOOL}",
        )
        assert response.status_code == (429 if forged == 5 else 200)

    locked = Client().post(
        reverse("login"),
        {"username": student.username, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {SCHOOL}",
    )
    from_home = Client().post(
        reverse("login"),
        {"username": student.username, "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=HOME,
    )

    assert locked.status_code == 429
    assert from_home.status_code == 302


def test_an_ipv6_client_is_counted_by_its_64(student):
    """Five failures from addresses of one /64 lock it: a guesser cannot move through
    the 2^64 addresses of their own network (issue 15, finding 1)."""
    for host in range(1, 6):
        attempt(student.username, "not-the-password", f"2001:db8:1:2::{host:x}")

    _, locked = attempt(student.username, PASSWORD, "2001:db8:1:2:ffff::1")
    _, elsewhere = attempt(student.username, PASSWORD, "2001:db8:1:3::1")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
