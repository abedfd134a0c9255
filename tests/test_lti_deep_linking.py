"""Deep linking against the platform simulator (tests/lti_platform.py): a teacher adds
Korea Reader to a module, chooses the assignment on our page, and the LMS gets back a
signed LtiDeepLinkingResponse with one ltiResourceLink and its line item; a launch of that
link ties it to the assignment. Refusals: a learner's deep linking, a link naming another
course's assignment, a form that does not validate, no request open."""

from html import escape

import jwt
import pytest
from django.contrib.auth import get_user_model
from lti_tool.constants import SESSION_KEY
from lti_tool.models import Key, LtiResourceLink

from annotations.lti.models import AssignmentLink, ClassLink
from annotations.models import Assignment, Classroom, Document, Membership
from tests.helpers import HTMX, add_assignment, csp_directive
from tests.lti_platform import DEEP_LINKING, LTI, deep_link, hand_back, launch

User = get_user_model()
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


@pytest.fixture
def lms(lti_platform):
    lti_platform.tool_jwks = Key.objects.as_jwks()  # what it would fetch from /lti/jwks/
    return lti_platform


def assignment_form(articles, **changes) -> dict:
    data = {
        "title": "The cables of 1950",
        "instructions": "Read the telegrams closely.",
        "documents": [document.pk for document in articles.values()],
        "due": "2031-05-01T09:00",
        "min_highlights": "3",
        "suggested_tags": "motive, evidence",
        "visibility": "after_minimum",
    }
    return {**data, **changes}


def made() -> tuple:
    return (User.objects.count(), Classroom.objects.count(), Membership.objects.count())


# The teacher's deep linking.


@pytest.mark.parametrize("role", ["Instructor", "TeachingAssistant"])
def test_it_opens_the_assignment_form_for_the_courses_class(client, lms, glossary, role):
    response = deep_link(client, lms, role)

    assert response.status_code == 302
    assert response.url == "/lti/deep-link/"
    classroom = ClassLink.objects.get().classroom
    assert Membership.objects.get(classroom=classroom).role == "teacher"
    page = client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Add a Korea Reader assignment to the course" in html
    assert classroom.name in html
    for document in Document.objects.all():
        assert escape(document.title) in html
    entry = next(iter(glossary.values()))
    assert 'name="due"' in html and 'name="min_highlights"' in html
    assert 'name="suggested_tags"' in html
    assert f'name="required_entries" value="{entry.pk}"' in html
    assert not LtiResourceLink.objects.exists()


def test_it_answers_the_lms_with_a_signed_link_and_its_line_item(client, lms, documents):
    deep_link(client, lms)

    response = client.post("/lti/deep-link/", assignment_form(documents))

    assert response.status_code == 200
    assignment = Assignment.objects.get()
    assert assignment.classroom == ClassLink.objects.get().classroom
    assert assignment.documents.count() == 3
    assert csp_directive(response, "form-action") == f"'self' {lms.issuer}"
    assert hand_back(lms, response).status_code == 200
    (claims,) = lms.deep_links
    assert claims["iss"] == lms.client_id
    assert claims["aud"] == [lms.issuer]
    assert claims["nonce"]
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == lms.deployment_id
    assert claims[DEEP_LINKING + "data"] == "course-1950-module-3"
    (item,) = claims[DEEP_LINKING + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == "http://testserver/lti/launch/"
    assert item["title"] == "The cables of 1950"
    assert item["custom"] == {"korea_reader_assignment": str(assignment.pk)}
    assert item["lineItem"] == {
        "scoreMaximum": 100,
        "label": "The cables of 1950",
        "resourceId": str(assignment.pk),
        "tag": "korea-reader-assignment",
    }


def test_it_leaves_data_out_when_the_request_had_none(client, lms, documents):
    deep_link(client, lms, data=None)

    hand_back(lms, client.post("/lti/deep-link/", assignment_form(documents)))

    assert DEEP_LINKING + "data" not in lms.deep_links[0]


def test_the_answer_posts_itself_and_offers_continue_without_javascript(client, lms, documents):
    deep_link(client, lms)

    html = client.post("/lti/deep-link/", assignment_form(documents)).content.decode()

    assert 'src="/static/js/lti_deep_link.js' in html
    assert '<button type="submit" class="button">Continue</button>' in html
    assert "<script>" not in html
    assert 'name="csrfmiddlewaretoken"' not in html.split('id="lti-deep-link-return"')[1]


def test_it_answers_the_request_once(client, lms, documents):
    deep_link(client, lms)
    client.post("/lti/deep-link/", assignment_form(documents))

    response = client.post("/lti/deep-link/", assignment_form(documents))

    assert response.status_code == 404
    assert "There is no request from the course to answer" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_it_sends_a_form_to_correct_back_and_makes_nothing(client, lms, documents):
    deep_link(client, lms)

    response = client.post("/lti/deep-link/", assignment_form(documents, documents=[], due=""))

    assert response.status_code == 422
    html = response.content.decode()
    assert "The assignment was not saved" in html
    assert "Choose at least one article." in html
    assert not Assignment.objects.exists()
    assert lms.deep_links == []
    assert client.session[SESSION_KEY]  # the request stays open to try again


def test_the_htmx_variant_is_the_form(client, lms, documents):
    deep_link(client, lms)

    response = client.post("/lti/deep-link/", assignment_form(documents, title=""), **HTMX)

    assert response.status_code == 422
    assert not Assignment.objects.exists()


def test_it_refuses_a_learners_deep_linking_and_makes_nothing(client, lms):
    response = deep_link(client, lms, "Learner")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Only the course&#x27;s teachers can add Korea Reader to it" in html
    assert "Nothing was changed." in html
    assert made() == (0, 0, 0)
    assert "_auth_user_id" not in client.session


def test_it_refuses_the_page_without_a_request_from_the_course(client, teacher, classroom):
    client.force_login(teacher)

    response = client.get("/lti/deep-link/")

    assert response.status_code == 404
    assert "There is no request from the course to answer" in response.content.decode()


def test_a_resource_launch_does_not_open_the_page(client, lms):
    launch(client, lms, "Instructor")

    assert client.get("/lti/deep-link/").status_code == 404


def test_it_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/lti/deep-link/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_refuses_other_methods(client, lms):
    deep_link(client, lms)

    assert client.put("/lti/deep-link/").status_code == 405


# The link it made, launched.


def made_link(client, lms, documents) -> Assignment:
    deep_link(client, lms, login_hint="Instructor:grace")
    hand_back(lms, client.post("/lti/deep-link/", assignment_form(documents)))
    client.logout()
    return Assignment.objects.get()


def test_the_link_takes_a_student_into_the_assignment(client, lms, documents):
    assignment = made_link(client, lms, documents)
    lms.claims_for_hint["Learner:ana"] = lms.link_claims(0)

    response = launch(client, lms, "Learner", login_hint="Learner:ana")

    assert response.status_code == 302
    assert response.url == f"/assignments/{assignment.pk}/"
    link = AssignmentLink.objects.get()
    assert link.assignment == assignment
    assert link.resource_link.id_on_platform == "link-dl-1"
    assert link.line_item_url == lms.links[0]["line_item"]
    assert client.get(response.url).status_code == 200


def test_the_link_is_tied_once_and_keeps_the_line_item_url(client, lms, documents):
    assignment = made_link(client, lms, documents)
    lms.claims_for_hint["Learner:ana"] = lms.link_claims(0)
    launch(client, lms, "Learner", login_hint="Learner:ana")
    client.logout()
    moved = lms.url("/ags/course-1950/lineitems/moved")
    claims = lms.link_claims(0)
    claims[AGS] = {**claims[AGS], "lineitem": moved}
    lms.claims_for_hint["Learner:ana"] = claims

    response = launch(client, lms, "Learner", login_hint="Learner:ana")

    assert response.url == f"/assignments/{assignment.pk}/"
    assert AssignmentLink.objects.get().line_item_url == moved


def test_it_refuses_a_link_naming_another_courses_assignment(client, lms, documents):
    launch(client, lms, "Instructor")  # this course's class
    client.logout()
    elsewhere = add_assignment(Classroom.objects.create(name="Another school's class"))
    before = made()
    custom = {LTI + "custom": {"korea_reader_assignment": str(elsewhere.pk)}}
    lms.claims_for_hint["Learner:ana"] = {**custom, LTI + "resource_link": {"id": "copied"}}

    response = launch(client, lms, "Learner", login_hint="Learner:ana")

    assert response.status_code == 403
    html = response.content.decode()
    assert "This link opens an assignment of another course" in html
    assert "Nothing was changed." in html
    assert made() == before
    assert not AssignmentLink.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("value", ["", "abc", "-1", "9" * 30, "1 OR 1=1", "\u0661"])
def test_it_refuses_a_claim_that_names_no_assignment(client, lms, value):
    lms.claims_for_hint["Learner:ana"] = {LTI + "custom": {"korea_reader_assignment": value}}

    response = launch(client, lms, "Learner", login_hint="Learner:ana")

    assert response.status_code == 403
    assert made() == (0, 0, 0)


def test_a_copied_course_is_told_to_link_again(client, lms, documents):
    made_link(client, lms, documents)
    lms.context_id = "course-1950-copy"
    lms.claims_for_hint["Instructor:grace"] = lms.link_claims(0)

    response = launch(client, lms, "Instructor", login_hint="Instructor:grace")

    assert response.status_code == 403
    assert "add Korea Reader to this course again" in response.content.decode()
    assert ClassLink.objects.count() == 1


def test_the_simulator_refuses_an_answer_we_did_not_sign(client, lms, documents):
    from tests.lti_platform import new_key

    deep_link(client, lms)
    response = client.post("/lti/deep-link/", assignment_form(documents))
    forged = jwt.encode(
        {"iss": lms.client_id, "aud": lms.issuer},
        new_key(str(Key.objects.get())).export_to_pem(private_key=True, password=None),
        algorithm="RS256",
        headers={"kid": str(Key.objects.get())},
    )
    response.content = response.content.replace(
        response.content.split(b'name="JWT" value="')[1].split(b'"')[0], forged.encode()
    )

    assert hand_back(lms, response).status_code == 400
    assert lms.deep_links == []


@pytest.mark.parametrize("return_url", [None, "", "javascript:alert(1)", "/relative"])
def test_it_refuses_a_request_without_a_return_url_it_can_post_to(client, lms, return_url):
    claims = lms.deep_linking_claims()
    settings = claims[DEEP_LINKING + "deep_linking_settings"]
    settings.pop("deep_link_return_url")
    if return_url is not None:
        settings["deep_link_return_url"] = return_url
    lms.claims_for_hint["Instructor:grace"] = claims

    response = launch(client, lms, "Instructor", login_hint="Instructor:grace")

    assert response.status_code == 400
    assert "The course sent an incomplete launch" in response.content.decode()
    assert made() == (0, 0, 0)
