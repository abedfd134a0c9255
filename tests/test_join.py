"""Joining a class with its link or code: a new student signs up, a member joins in a click.

A wrong, expired or turned-off code says so and changes nothing; wrong codes are throttled
per address, sign-ups per address and per code.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotations.models import Classroom, Membership
from annotations.writes import rotate_join_code

User = get_user_model()
NEW_PASSWORD = "pusan-perimeter-1950"


def sign_up_data(**changes) -> dict:
    data = {
        "name": "Ji-woo Han",
        "username": "jiwoo",
        "email": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return data | changes


def join_url(classroom) -> str:
    return f"/join/{classroom.join_code}/"


def people() -> list:
    return sorted(Membership.objects.values_list("classroom", "user__username", "role"))


def test_it_shows_the_sign_up_form_to_someone_without_an_account(client, classroom):
    response = client.get(join_url(classroom))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Join {classroom.name}" in page
    for label in ("Your name", "User name", "Password", "Password again"):
        assert f">{label}" in page
    assert "Join class" in page


def test_it_signs_up_a_new_student_into_the_class(client, classroom):
    response = client.post(join_url(classroom), sign_up_data())
    assert response.status_code == 302
    assert response["Location"] == classroom.get_absolute_url()
    user = User.objects.get(username="jiwoo")
    assert (user.first_name, user.last_name) == ("Ji-woo", "Han")
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).role == Membership.Role.STUDENT
    # Logged in, and in the class: its page opens.
    assert client.get(classroom.get_absolute_url()).status_code == 200


def test_it_makes_a_user_name_from_the_name_when_none_is_given(client, classroom):
    User.objects.create_user("ji-woo.han", password="x")
    response = client.post(join_url(classroom), sign_up_data(username=""), follow=True)
    assert User.objects.filter(username="ji-woo.han2").exists()
    assert "Your user name is ji-woo.han2" in response.content.decode()


def test_it_refuses_a_user_name_in_use_in_any_case(client, classroom, student):
    before = people()
    response = client.post(join_url(classroom), sign_up_data(username=student.username.upper()))
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert people() == before


def test_it_refuses_passwords_that_differ_and_creates_nothing(client, classroom):
    response = client.post(join_url(classroom), sign_up_data(password2="something-else-1953"))
    assert response.status_code == 422
    assert not User.objects.filter(username="jiwoo").exists()


def test_it_joins_a_logged_in_user_with_one_click(client, classroom, outsider):
    client.force_login(outsider)
    page = client.get(join_url(classroom)).content.decode()
    assert "Join class" in page and "You join as" in page
    response = client.post(join_url(classroom))
    assert response.status_code == 302
    assert Membership.objects.get(classroom=classroom, user=outsider).role == "student"


def test_it_takes_the_code_typed_on_the_join_page(client, classroom):
    typed = classroom.join_code.lower()
    response = client.post("/join/", {"code": f" {typed[:5]}-{typed[5:]} "})
    assert response.status_code == 302
    assert response["Location"] == join_url(classroom)


@pytest.mark.parametrize(
    "change",
    [
        {"join_enabled": False},
        {"join_code_expires": timezone.now() - timedelta(minutes=1)},
        {"archived": timezone.now()},
    ],
    ids=["turned off", "expired", "archived"],
)
def test_it_refuses_a_code_that_lets_nobody_in(client, classroom, change):
    Classroom.objects.filter(pk=classroom.pk).update(**change)
    before = people()
    response = client.post(join_url(classroom), sign_up_data())
    assert response.status_code == 404
    assert "This join code does not work" in response.content.decode()
    assert people() == before
    assert not User.objects.filter(username="jiwoo").exists()


def test_a_code_that_expires_later_still_works(client, classroom):
    Classroom.objects.filter(pk=classroom.pk).update(
        join_code_expires=timezone.now() + timedelta(hours=1)
    )
    assert client.post(join_url(classroom), sign_up_data()).status_code == 302


def test_a_rotated_code_refuses_the_old_one(client, classroom, outsider):
    old = classroom.join_code
    new = rotate_join_code(classroom=classroom)
    assert new != old
    client.force_login(outsider)
    assert client.post(f"/join/{old}/").status_code == 404
    assert client.post(f"/join/{new}/").status_code == 302


def test_it_says_what_is_wrong_with_an_unknown_code(client, classroom):
    response = client.post("/join/", {"code": "AAAAAAAAAA"})
    assert response.status_code == 422
    assert "No class has that code" in response.content.decode()


def test_it_throttles_wrong_codes_per_address_at_its_limit(client, classroom, settings):
    settings.JOIN_FAILURES_PER_ADDRESS = "3/h"
    for _ in range(3):
        assert client.post("/join/", {"code": "AAAAAAAAAA"}).status_code == 422
    # The limit is reached: the next try is refused, even with the right code.
    response = client.post("/join/", {"code": classroom.join_code})
    assert response.status_code == 429
    assert "Too many wrong join codes" in response.content.decode()
    assert client.get(join_url(classroom)).status_code == 429
    # Another address is not held up.
    other = client.post("/join/", {"code": classroom.join_code}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_a_class_behind_one_address_joins_together(client, classroom, settings):
    settings.JOIN_FAILURES_PER_ADDRESS = "3/h"
    client.post("/join/", {"code": "AAAAAAAAAA"})  # one student mistypes
    for number in range(30):
        client.logout()
        data = sign_up_data(name=f"Student {number}", username=f"student{number}")
        assert client.post(join_url(classroom), data).status_code == 302
    assert classroom.memberships.filter(role="student").count() == 2 + 30


def test_it_throttles_sign_ups_per_code(client, classroom, settings):
    settings.SIGNUPS_PER_CODE = "2/h"
    for number in range(2):
        client.logout()
        data = sign_up_data(username=f"new{number}")
        assert (
            client.post(join_url(classroom), data, REMOTE_ADDR=f"192.0.2.{number}").status_code
            == 302
        )
    client.logout()
    response = client.post(
        join_url(classroom), sign_up_data(username="new2"), REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 429
    assert not User.objects.filter(username="new2").exists()


def test_it_throttles_sign_ups_per_address(client, classroom, other_classroom, settings):
    settings.SIGNUPS_PER_ADDRESS = "1/h"
    assert client.post(join_url(classroom), sign_up_data()).status_code == 302
    client.logout()
    response = client.post(join_url(other_classroom), sign_up_data(username="another"))
    assert response.status_code == 429
    assert not User.objects.filter(username="another").exists()


def test_it_suggests_a_user_name_as_the_name_is_typed(client, classroom):
    User.objects.create_user("ji-woo.han", password="x")
    url = f"/join/{classroom.join_code}/user-name/"
    response = client.get(url, {"name": "  Ji-woo   Han "}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Suggested from your name: <strong>ji-woo.han2</strong>" in response.content.decode()
    assert client.get(url, {"name": "<b>"}).content.decode().strip() == ""
    assert client.get("/join/AAAAAAAAAA/user-name/", {"name": "Ji-woo"}).status_code == 404
