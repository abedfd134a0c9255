"""Times in the viewer's zone, due dates typed in the class's, everything stored in UTC."""

import datetime
import html

import pytest
from django.db import connection
from django.test import Client

from annotations.models import Account, Assignment, Classroom
from annotations.writes import create_classroom, set_time_zone
from tests.helpers import HTMX, PASSWORD, add_assignment, page_html

UTC = datetime.UTC
# Tue 8 Dec 2026, 17:00 in New York (EST, UTC-5): 22:00 UTC, Wed 9 Dec 07:00 in Seoul.
DUE_UTC = datetime.datetime(2026, 12, 8, 22, 0, tzinfo=UTC)


def logged_in(user, time_zone: str = "") -> Client:
    client = Client()
    data = {"username": user.username, "password": PASSWORD, "time_zone": time_zone}
    assert client.post("/accounts/login/", data).status_code == 302
    return client


def zone_of(user) -> str | None:
    return Account.objects.filter(user=user).values_list("time_zone", flat=True).first()


def due_on_8_december(classroom) -> None:
    Assignment.objects.filter(pk=add_assignment(classroom).pk).update(due=DUE_UTC)


def assignment_data(document, due: str) -> dict:
    return {
        "title": "Read closely",
        "instructions": "",
        "documents": [document.pk],
        "due": due,
        "min_highlights": "1",
        "suggested_tags": "",
        "visibility": "class",
    }


def test_the_first_log_in_keeps_the_zone_the_browser_gave(student):
    client = logged_in(student, "Asia/Seoul")
    assert zone_of(student) == "Asia/Seoul"
    assert client.session["time_zone"] == "Asia/Seoul"


def test_a_later_log_in_elsewhere_keeps_the_chosen_zone(student):
    set_time_zone(user=student, time_zone="Europe/Paris")
    client = logged_in(student, "Asia/Seoul")
    assert zone_of(student) == "Europe/Paris"
    assert client.session["time_zone"] == "Europe/Paris"


@pytest.mark.parametrize("sent", ["", "Mars/Olympus_Mons", "asia/seoul", "UTC; DROP TABLE"])
def test_a_log_in_without_a_real_zone_keeps_none(student, sent):
    logged_in(student, sent)
    assert not zone_of(student)


def test_a_sign_up_keeps_the_zone_the_browser_gave(classroom):
    data = {
        "name": "Ji-woo Han",
        "username": "jiwoo",
        "email": "",
        "password1": "inchon-landing-1950",
        "password2": "inchon-landing-1950",
        "time_zone": "Asia/Seoul",
    }
    response = Client().post(f"/join/{classroom.join_code}/", data)
    assert response.status_code == 302, page_html(response)
    assert Account.objects.get(user__username="jiwoo").time_zone == "Asia/Seoul"


def test_times_are_shown_in_the_viewers_zone_with_its_name(student, classroom):
    due_on_8_december(classroom)
    seoul = logged_in(student, "Asia/Seoul")
    assert "Wed 9 Dec, 07:00 KST" in page_html(seoul.get("/assignments/"))
    set_time_zone(user=student, time_zone="America/New_York")
    new_york = logged_in(student)
    assert "Tue 8 Dec, 17:00 EST" in page_html(new_york.get("/assignments/"))


def test_people_without_a_zone_see_the_sites(student, classroom):
    due_on_8_december(classroom)
    client = logged_in(student)
    assert "Tue 8 Dec, 22:00 UTC" in page_html(client.get("/assignments/"))


def test_the_account_page_changes_the_zone(student, classroom):
    due_on_8_december(classroom)
    client = logged_in(student, "Asia/Seoul")
    page = page_html(client.get("/accounts/"))
    assert '<option value="Asia/Seoul" selected>Asia/Seoul</option>' in page
    response = client.post("/accounts/", {"time_zone": "Europe/Paris"}, follow=True)
    assert "Times are now shown in Europe/Paris (CET)." in page_html(response)
    assert zone_of(student) == "Europe/Paris"
    assert "Tue 8 Dec, 23:00 CET" in page_html(client.get("/assignments/"))


def test_the_account_page_says_when_no_zone_was_chosen(student):
    client = logged_in(student)  # a browser without JavaScript sends none
    assert "shown in the site's time zone, UTC, until you choose" in page_html(
        client.get("/accounts/")
    )
    client.post("/accounts/", {"time_zone": "Asia/Seoul"})
    assert "until you choose" not in page_html(client.get("/accounts/"))


@pytest.mark.parametrize("sent", [{}, {"time_zone": ""}, {"time_zone": "Europe/Atlantis"}])
def test_the_account_page_refuses_a_zone_not_on_the_list(student, sent):
    client = logged_in(student, "Asia/Seoul")
    response = client.post("/accounts/", sent)
    assert response.status_code == 422
    assert "Choose a time zone from the list" in response.content.decode()
    assert zone_of(student) == "Asia/Seoul"


def test_a_new_class_takes_its_teachers_zone(teacher):
    set_time_zone(user=teacher, time_zone="America/New_York")
    assert create_classroom(name="History 102", teacher=teacher).time_zone == "America/New_York"


def test_a_class_of_a_teacher_without_a_zone_takes_the_sites(teacher):
    assert create_classroom(name="History 102", teacher=teacher).time_zone == "UTC"


def test_a_due_date_is_typed_in_the_classs_zone_and_stored_in_utc(teacher, classroom, document):
    Classroom.objects.filter(pk=classroom.pk).update(time_zone="America/New_York")
    client = logged_in(teacher, "Asia/Seoul")  # travelling: the class's zone still rules
    form = html.unescape(page_html(client.get(f"/classes/{classroom.pk}/assignments/new/")))
    assert "In the class's time zone, America/New_York (EST)." in form
    assert "yours is Asia/Seoul (KST)" in form
    data = assignment_data(document, "2026-12-08T17:00")
    response = client.post(f"/classes/{classroom.pk}/assignments/new/", data)
    assert response.status_code == 302
    assignment = Assignment.objects.get(title="Read closely")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT due AT TIME ZONE 'UTC' FROM annotations_assignment WHERE id = %s",
            [assignment.pk],
        )
        assert cursor.fetchone()[0] == datetime.datetime(2026, 12, 8, 22, 0)
    edit = page_html(client.get(f"/assignments/{assignment.pk}/edit/"))
    assert 'value="2026-12-08T17:00"' in edit
    assert "Wed 9 Dec, 07:00 KST" in page_html(client.get(f"/classes/{classroom.pk}/"))


def test_a_time_that_does_not_exist_in_the_classs_zone_is_refused(teacher, classroom, document):
    Classroom.objects.filter(pk=classroom.pk).update(time_zone="America/New_York")
    client = logged_in(teacher)
    data = assignment_data(document, "2027-03-14T02:30")  # the clocks jump from 2:00 to 3:00
    response = client.post(f"/classes/{classroom.pk}/assignments/new/", data, headers=HTMX)
    assert response.status_code == 422
    assert "America/New_York" in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_class_settings_change_the_classs_zone(teacher, classroom):
    client = logged_in(teacher, "America/New_York")
    page = page_html(client.get(f"/classes/{classroom.pk}/settings/"))
    assert "The class&#x27;s time zone" in page
    assert "your time zone, America/New_York (EST)" in page
    data = {"name": classroom.name, "join_enabled": "on", "time_zone": "Asia/Seoul"}
    assert client.post(f"/classes/{classroom.pk}/settings/", data).status_code == 302
    assert Classroom.objects.get(pk=classroom.pk).time_zone == "Asia/Seoul"
    # A form sent without the field (an older page) keeps the class's zone.
    data = {"name": "History 101 B", "join_enabled": "on"}
    assert client.post(f"/classes/{classroom.pk}/settings/", data).status_code == 302
    assert Classroom.objects.get(pk=classroom.pk).time_zone == "Asia/Seoul"


def test_the_class_settings_refuse_a_zone_not_on_the_list(teacher, classroom):
    client = logged_in(teacher)
    data = {"name": classroom.name, "join_enabled": "on", "time_zone": "Korea/Pyongyang"}
    response = client.post(f"/classes/{classroom.pk}/settings/", data)
    assert response.status_code == 422
    assert "Choose a time zone from the list" in response.content.decode()
    assert Classroom.objects.get(pk=classroom.pk).time_zone == "UTC"
