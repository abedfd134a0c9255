"""The LTI 1.3 launch against the platform simulator (tests/lti_platform.py), in the
manner of the IMS certification suite: a valid launch for each role, then each refusal,
with its message for the person and nothing made (no account, no class)."""

import time

import pytest
from django.contrib.auth import get_user_model
from lti_tool.models import LtiResourceLink, LtiUser

from annotations.lti.models import AssignmentLink, ClassLink
from annotations.models import Classroom, Membership
from annotations.teachers import TEACHERS
from tests.helpers import add_assignment
from tests.lti_platform import LTI, launch, log_in_from_lms, new_key

User = get_user_model()


def tampered(client, platform, role="Learner", *, header=None, key=None, drop=(), **claims):
    query = log_in_from_lms(client, platform, role)
    body = platform.launch_claims(role, nonce=query["nonce"], **claims)
    for name in drop:
        body.pop(name)
    token = platform.id_token(body, header=header, key=key)
    return client.post("/lti/launch/", {"id_token": token, "state": query["state"]})


def made() -> tuple:
    return (User.objects.count(), Classroom.objects.count(), Membership.objects.count())


def assert_refused(response, status, title):
    assert response.status_code == status
    page = response.content.decode()
    assert title in page
    assert "Nothing was changed." in page
    assert "_auth_user_id" not in response.wsgi_request.session


# Valid launches.


@pytest.mark.parametrize(
    ("role", "ours"),
    [("Learner", "student"), ("Instructor", "teacher"), ("TeachingAssistant", "teacher")],
)
def test_it_makes_the_account_and_class_and_signs_in(client, lti_platform, role, ours):
    response = launch(client, lti_platform, role)

    link = ClassLink.objects.get()
    assert response.status_code == 302
    assert response.url == f"/classes/{link.classroom.pk}/"
    lti_user = LtiUser.objects.get()
    user = lti_user.auth_user
    assert client.session["_auth_user_id"] == str(user.pk)
    assert (user.first_name, user.last_name) == ("Ji-woo", role)
    assert not user.has_usable_password()
    assert link.classroom.name == lti_platform.context_title
    assert not link.classroom.join_enabled
    assert Membership.objects.get(user=user).role == ours
    assert not user.groups.filter(name=TEACHERS).exists()
    assert client.get(response.url).status_code == 200


def test_it_finds_the_account_again_by_issuer_and_subject(client, lti_platform):
    launch(client, lti_platform, "Learner", login_hint="Learner:ana")
    client.logout()

    launch(client, lti_platform, "Learner", login_hint="Learner:ana")

    assert made() == (1, 1, 1)


def test_it_never_matches_an_account_by_email(client, lti_platform):
    other = User.objects.create_user("grace", email="grace@example.org", password="x-y-z-1950")
    query = log_in_from_lms(client, lti_platform)
    body = lti_platform.launch_claims("Learner", nonce=query["nonce"], email="grace@example.org")
    client.post("/lti/launch/", {"id_token": lti_platform.id_token(body), "state": query["state"]})

    assert LtiUser.objects.get().auth_user != other


def test_it_tells_the_teacher_when_the_link_opens_no_assignment(client, lti_platform):
    response = launch(client, lti_platform, "Instructor")

    page = client.get(response.url).content.decode()
    assert "This link in the course opens no assignment yet" in page


def test_it_takes_a_student_to_the_links_assignment(client, lti_platform):
    launch(client, lti_platform, "Instructor")
    client.logout()
    classroom = ClassLink.objects.get().classroom
    assignment = add_assignment(classroom)
    AssignmentLink.objects.create(
        resource_link=LtiResourceLink.objects.get(), assignment=assignment
    )

    response = launch(client, lti_platform, "Learner")

    assert response.url == f"/assignments/{assignment.pk}/"


def test_it_makes_a_launched_teacher_teacher_of_that_class_only(client, lti_platform, classroom):
    launch(client, lti_platform, "Instructor")

    assert client.get(f"/classes/{classroom.pk}/").status_code == 404
    assert client.get("/classes/new/").status_code == 403


# Refusals: each with its message, and nothing made.


def test_it_refuses_a_token_without_kid(client, lti_platform):
    response = tampered(client, lti_platform, header={"kid": None})

    assert_refused(response, 403, "The launch could not be verified")
    assert made() == (0, 0, 0)


def test_it_refuses_an_unknown_kid_after_fetching_the_keys_once_more(client, lti_platform):
    response = tampered(client, lti_platform, header={"kid": "no-such-key"})

    assert_refused(response, 403, "The launch could not be verified")
    assert len(lti_platform.received("/jwks")) == 2
    assert made() == (0, 0, 0)


def test_it_follows_the_platform_when_it_rotates_its_key(client, lti_platform):
    launch(client, lti_platform, "Learner")
    lti_platform.key = new_key()

    response = launch(client, lti_platform, "Instructor")

    assert response.status_code == 302
    assert len(lti_platform.received("/jwks")) == 2  # cached, then fetched for the new kid


def test_it_refuses_a_wrong_issuer(client, lti_platform):
    response = tampered(client, lti_platform, iss="https://lms.elsewhere.example")

    assert_refused(response, 403, "This LMS is not registered with Korea Reader")
    assert made() == (0, 0, 0)


def test_it_refuses_a_wrong_audience(client, lti_platform):
    response = tampered(client, lti_platform, aud="someone-else", azp="someone-else")

    assert_refused(response, 403, "This LMS is not registered with Korea Reader")
    assert made() == (0, 0, 0)


def test_it_refuses_an_expired_token(client, lti_platform):
    now = int(time.time())
    response = tampered(client, lti_platform, iat=now - 900, exp=now - 600)

    assert_refused(response, 403, "The launch has expired")
    assert made() == (0, 0, 0)


def test_it_refuses_a_replayed_launch(client, lti_platform):
    fields = lti_platform.authorize(log_in_from_lms(client, lti_platform))
    assert client.post("/lti/launch/", fields).status_code == 302
    client.logout()

    response = client.post("/lti/launch/", fields)

    assert_refused(response, 403, "This launch was already used")
    assert made() == (1, 1, 1)


def test_it_refuses_a_bad_signature(client, lti_platform):
    response = tampered(client, lti_platform, key=new_key(lti_platform.key.key_id))

    assert_refused(response, 403, "The launch could not be verified")
    assert made() == (0, 0, 0)


@pytest.mark.parametrize("claim", ["sub", LTI + "message_type", LTI + "roles", "exp"])
def test_it_refuses_missing_claims(client, lti_platform, claim):
    response = tampered(client, lti_platform, drop=[claim])

    assert_refused(response, 400, "The course sent an incomplete launch")
    assert made() == (0, 0, 0)


def test_it_refuses_a_wrong_version(client, lti_platform):
    response = tampered(client, lti_platform, **{LTI + "version": "1.1.0"})

    assert_refused(response, 400, "The course sent an incomplete launch")
    assert made() == (0, 0, 0)


def test_it_refuses_an_unknown_deployment(client, lti_platform):
    response = tampered(client, lti_platform, **{LTI + "deployment_id": "deployment-9"})

    assert_refused(response, 403, "Korea Reader is not switched on for this course")
    assert made() == (0, 0, 0)
    assert not LtiUser.objects.exists()


def test_it_refuses_a_state_from_another_browser(client, lti_platform, django_user_model):
    from django.test import Client

    fields = lti_platform.authorize(log_in_from_lms(client, lti_platform))

    response = Client().post("/lti/launch/", fields)

    assert_refused(response, 403, "This launch did not start in this browser")
    assert made() == (0, 0, 0)


def test_it_refuses_a_state_other_than_its_cookie(client, lti_platform):
    fields = lti_platform.authorize(log_in_from_lms(client, lti_platform))

    response = client.post("/lti/launch/", {**fields, "state": "state-made-up"})

    assert_refused(response, 403, "This launch did not start in this browser")
    assert made() == (0, 0, 0)


def test_it_refuses_a_role_it_has_no_place_for(client, lti_platform):
    response = tampered(
        client,
        lti_platform,
        **{LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]},
    )

    assert_refused(response, 403, "Korea Reader has no place for your role in this course")
    assert made() == (0, 0, 0)


# Roles, as LMSs spell them.

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person"


@pytest.mark.parametrize(
    ("roles", "ours"),
    [
        (["Instructor"], "teacher"),
        (["TeachingAssistant"], "teacher"),
        (["Learner"], "student"),
        ([f"{INSTITUTION}#Instructor", f"{MEMBERSHIP}#Learner"], "student"),
        ([f"{MEMBERSHIP}#Learner", f"{MEMBERSHIP}#Instructor"], "teacher"),
    ],
    ids=["short Instructor", "short TA", "short Learner", "institution role", "both"],
)
def test_it_maps_context_roles_only(client, lti_platform, roles, ours):
    response = tampered(client, lti_platform, **{LTI + "roles": roles})

    assert response.status_code == 302
    assert Membership.objects.get().role == ours


def test_an_institution_instructor_alone_teaches_nothing(client, lti_platform):
    response = tampered(client, lti_platform, **{LTI + "roles": [f"{INSTITUTION}#Instructor"]})

    assert_refused(response, 403, "Korea Reader has no place for your role in this course")
    assert made() == (0, 0, 0)


def test_the_lms_role_wins_on_the_next_launch(client, lti_platform):
    launch(client, lti_platform, "Learner", login_hint="Learner:ana")
    client.logout()
    lti_platform.claims_for_hint["Learner:ana"] = {LTI + "roles": [f"{MEMBERSHIP}#Instructor"]}

    launch(client, lti_platform, "Learner", login_hint="Learner:ana")

    assert Membership.objects.get().role == "teacher"


def test_our_jwks_serves_our_public_keys_through_a_rotation(client, lti_platform):
    from django.core.management import call_command
    from lti_tool.models import Key

    (key,) = client.get("/lti/jwks/").json()["keys"]
    assert key["kid"] == str(Key.objects.get()) and "d" not in key

    call_command("rotate_keys", "--deactivate-after", "7")

    assert len(client.get("/lti/jwks/").json()["keys"]) == 2


def test_a_refusal_is_one_line_for_the_administrator(client, lti_platform, caplog):
    with caplog.at_level("WARNING", logger="annotations.lti"):
        tampered(client, lti_platform, header={"kid": "no-such-key"})

    (line,) = [r for r in caplog.records if r.name == "annotations.lti"]
    assert "The launch could not be verified" in line.getMessage()
    assert "Unable to find public key" in line.getMessage()
