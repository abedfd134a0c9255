"""A teacher brings in a class list: accounts, login cards, and a first log-in that asks
the student for their own password."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Account, Membership

User = get_user_model()
FIVE = "Ana Silva\nBen Okoro, ben@example.org\nChloé Martin, , 20931\nDae-ho Lee\nEmma Brown"


def roster_url(classroom) -> str:
    return f"/classes/{classroom.pk}/students/new/"


def card_passwords(page: str) -> dict[str, str]:
    """User name -> temporary password, as the cards print them."""
    pairs = re.findall(
        r'<dt>User name</dt><dd class="login-card-secret">([^<]+)</dd>\s*'
        r'<dt>Temporary password</dt>\s*<dd class="login-card-secret">([^<]+)</dd>',
        page,
    )
    return dict(pairs)


def test_it_shows_the_teacher_the_roster_form(client, classroom, teacher):
    client.force_login(teacher)
    page = client.get(classroom.get_absolute_url()).content.decode()
    assert f'href="{roster_url(classroom)}">Add students' in page
    form = client.get(roster_url(classroom)).content.decode()
    assert ">Students" in form and "Create accounts" in form


def test_it_makes_accounts_and_cards_from_pasted_names(client, classroom, teacher):
    client.force_login(teacher)
    response = client.post(roster_url(classroom), {"students": FIVE})
    assert response.status_code == 200
    cards = card_passwords(response.content.decode())
    assert sorted(cards) == ["ana.silva", "ben.okoro", "chloe.martin", "dae-ho.lee", "emma.brown"]
    for username, password in cards.items():
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert password not in user.password  # hashed, never in clear
        assert Account.objects.get(user=user).must_change_password
        assert Membership.objects.get(user=user, classroom=classroom).role == "student"
    assert User.objects.get(username="ben.okoro").email == "ben@example.org"
    assert Account.objects.get(user__username="chloe.martin").student_id == "20931"
    assert User.objects.get(username="chloe.martin").get_full_name() == "Chloé Martin"


def test_the_cards_page_never_shows_a_password_again(client, classroom, teacher):
    client.force_login(teacher)
    made = card_passwords(client.post(roster_url(classroom), {"students": FIVE}).content.decode())
    page = client.get(f"/classes/{classroom.pk}/cards/").content.decode()
    assert "ana.silva" in page
    for password in made.values():
        assert password not in page
    assert "(made earlier, shown once)" in page


def test_it_takes_a_csv_file(client, classroom, teacher):
    client.force_login(teacher)
    csv = b"name,email,student id\r\nAna Silva,ana@example.org,1\r\nBen Okoro,,2\r\n"
    upload = SimpleUploadedFile("class.csv", csv, content_type="text/csv")
    response = client.post(roster_url(classroom), {"students": "", "file": upload})
    assert response.status_code == 200
    assert set(card_passwords(response.content.decode())) == {"ana.silva", "ben.okoro"}


@pytest.mark.parametrize(
    ("students", "message"),
    [
        ("Ana Silva\nBen Okoro, not-an-email", "Line 2: “not-an-email” is not an email address."),
        ("Ana Silva\nAna Silva", "Line 2: “Ana Silva” is listed twice"),
        ("Ana Silva\nMin-jun Kim", "Line 2: “Min-jun Kim” is listed twice, or is in the class"),
        ("Ana, a@example.org, 1, extra", "Line 1: has more than three parts"),
        ("<b>Ana</b>", "Line 1: Name must be plain text"),
        ("   \n\n", "Paste at least one name"),
    ],
    ids=["bad email", "twice", "in the class", "four parts", "markup", "empty"],
)
def test_one_refused_line_refuses_them_all(client, classroom, teacher, students, message):
    client.force_login(teacher)
    before = User.objects.count()
    response = client.post(roster_url(classroom), {"students": students})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert User.objects.count() == before


def test_it_takes_at_most_500_students_at_a_time(client, classroom, teacher):
    client.force_login(teacher)
    names = "\n".join(f"Student Number{n}" for n in range(501))
    response = client.post(roster_url(classroom), {"students": names})
    assert response.status_code == 422
    assert "At most 500 students at a time; this has 501." in response.content.decode()
    assert User.objects.count() == 3


def test_the_first_log_in_asks_for_a_new_password(client, classroom, teacher):
    client.force_login(teacher)
    made = card_passwords(client.post(roster_url(classroom), {"students": FIVE}).content.decode())
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": "ana.silva", "password": made["ana.silva"]}
    )
    assert response.status_code == 302
    # Every page sends them to choose their password first.
    assert client.get(classroom.get_absolute_url())["Location"] == "/accounts/password/set/"
    page = client.get("/accounts/password/set/").content.decode()
    assert "New password" in page and "New password confirmation" in page
    response = client.post(
        "/accounts/password/set/",
        {"new_password1": "inchon-landing-1950", "new_password2": "inchon-landing-1950"},
    )
    assert response.status_code == 302
    assert not Account.objects.get(user__username="ana.silva").must_change_password
    assert client.get(classroom.get_absolute_url()).status_code == 200
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": "ana.silva", "password": "inchon-landing-1950"}
    )
    assert response["Location"] == "/home/"
    assert client.get("/home/")["Location"] == "/assignments/"  # a student's front door


def test_a_teacher_gives_a_student_a_new_temporary_password(client, classroom, teacher, student):
    client.force_login(teacher)
    url = f"/classes/{classroom.pk}/students/{student.pk}/password/"
    response = client.post(url)
    password = card_passwords(response.content.decode())[student.username]
    student.refresh_from_db()
    assert student.check_password(password)
    assert Account.objects.get(user=student).must_change_password


def test_only_the_classs_teacher_adds_students(client, classroom, student, other_teacher):
    client.force_login(student)
    assert client.post(roster_url(classroom), {"students": "Ana Silva"}).status_code == 403
    client.force_login(other_teacher)
    assert client.post(roster_url(classroom), {"students": "Ana Silva"}).status_code == 404
    assert not User.objects.filter(username="ana.silva").exists()
