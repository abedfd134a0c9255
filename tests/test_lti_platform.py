"""The platform simulator's services, driven by pylti1p3's own clients as the tool will
drive them: the token endpoint checks our signed assertion against our JWKS, the roster
comes a page at a time, a score arrives with its media type, and a failure can be asked
for. (Roster sync and grade passback themselves are later work; this keeps the simulator
honest for them.)"""

import pytest
from lti_tool.models import Key, LtiRegistration
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from tests.lti_platform import ROLES, SCORE_MEDIA_TYPE

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"


@pytest.fixture
def connector(lti_platform):
    lti_platform.tool_jwks = Key.objects.as_jwks()
    registration = LtiRegistration.objects.get(issuer=lti_platform.issuer)
    return ServiceConnector(registration.to_registration())


def member(n: int, role: str = "Learner") -> dict:
    return {
        "user_id": f"user-{n}",
        "name": f"Student {n}",
        "roles": [ROLES[role]],
        "status": "Active",
    }


def test_it_gives_a_token_for_our_signed_assertion(lti_platform, connector):
    token = connector.get_access_token([AGS + "score"])

    assert token in lti_platform.tokens
    (request,) = lti_platform.received("/token")
    assert request.media_type == "application/x-www-form-urlencoded"


def test_it_refuses_an_assertion_signed_with_a_key_not_in_our_jwks(lti_platform, connector):
    lti_platform.tool_jwks = {"keys": []}

    with pytest.raises(LtiServiceException, match="401"):
        connector.get_access_token([AGS + "score"])
    assert lti_platform.tokens == {}


def test_it_pages_the_roster_with_link_next(lti_platform, connector):
    lti_platform.members = [member(n) for n in range(5)]
    nrps = NamesRolesProvisioningService(
        connector, {"context_memberships_url": lti_platform.url("/nrps/course-1950")}
    )

    members = nrps.get_members()

    assert [m["user_id"] for m in members] == [f"user-{n}" for n in range(5)]
    pages = lti_platform.received("/nrps/course-1950")
    assert [page.query.get("offset") for page in pages] == [None, "2", "4"]


def test_it_records_a_score_with_its_media_type(lti_platform, connector):
    lineitems = lti_platform.url("/ags/course-1950/lineitems")
    ags = AssignmentsGradesService(
        connector, {"scope": [AGS + "lineitem", AGS + "score"], "lineitems": lineitems}
    )
    item = ags.find_or_create_lineitem(
        LineItem().set_tag("assignment-1").set_score_maximum(100).set_label("Incheon")
    )
    grade = (
        Grade()
        .set_score_given(80)
        .set_score_maximum(100)
        .set_user_id("user-1")
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_timestamp("2026-12-01T10:00:00+00:00")
    )

    ags.put_grade(grade, item)

    (score,) = lti_platform.scores
    assert (score["userId"], score["scoreGiven"]) == ("user-1", 80)
    posted = [r for r in lti_platform.requests if r.path.endswith("/scores")]
    assert [r.media_type for r in posted] == [SCORE_MEDIA_TYPE]


def test_it_fails_the_next_requests_it_is_told_to(lti_platform, connector):
    lti_platform.fail_next("/token", 2)

    for _ in range(2):
        with pytest.raises(LtiServiceException, match="500"):
            connector.get_access_token([AGS + "score"])
    assert connector.get_access_token([AGS + "score"]) in lti_platform.tokens
    assert len(lti_platform.received("/token")) == 3


def test_it_pages_the_line_items_too(lti_platform, connector):
    lineitems = lti_platform.url("/ags/course-1950/lineitems")
    lti_platform.line_items = [
        {"id": f"{lineitems}/{n}", "label": f"Reading {n}", "scoreMaximum": 100} for n in range(3)
    ]
    ags = AssignmentsGradesService(
        connector, {"scope": [AGS + "lineitem.readonly"], "lineitems": lineitems}
    )

    items = ags.get_lineitems()

    assert [item["label"] for item in items] == ["Reading 0", "Reading 1", "Reading 2"]
    assert len(lti_platform.received("/ags/course-1950/lineitems")) == 2
