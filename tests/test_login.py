from tests.helpers import PASSWORD


def test_it_shows_a_labelled_login_form(client, db):
    html = client.get("/accounts/login/").content.decode()

    assert '<label for="id_username">User name</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_it_logs_in_and_goes_back_where_the_reader_was(client, student, document):
    response = client.post(
        "/accounts/login/",
        {"username": "student", "password": PASSWORD, "next": document.get_absolute_url()},
    )

    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    html = client.get(document.get_absolute_url()).content.decode()
    assert "Signed in as <strong>Min-jun Kim</strong>" in html


def test_it_refuses_a_wrong_password_with_a_message(client, student):
    response = client.post("/accounts/login/", {"username": "student", "password": "nope"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, student):
    client.force_login(student)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logging_out_says_so_on_the_library(client, student):
    client.force_login(student)

    response = client.post("/accounts/logout/", follow=True)

    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    assert '<ul class="messages" role="status">' in html
    assert "You are logged out." in html
    assert "You are logged out." not in client.get("/").content.decode()  # said once


def test_a_visitor_who_was_not_logged_in_is_not_told_they_logged_out(client, db):
    response = client.post("/accounts/logout/", follow=True)

    assert "You are logged out." not in response.content.decode()
