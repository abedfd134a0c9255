"""What a launch does: the account, the class and the person's part in it; for a resource
link, the assignment it opens (a link deep linking made names it in its custom claim).

The account is found by the LMS's (issuer, subject) through django-lti's LtiUser, never by
email; on the first launch it is made with a generated user name, the LMS's name as first
and last name, and no usable password (the LMS is how this person comes in). The LMS
course (the context) is one Korea Reader class (ClassLink); its Instructors and Teaching
Assistants teach it, its Learners are its students. A launch never adds anyone to the
Teachers group nor to any other class: what a class's teacher may do is their Membership
(annotations/access.py), the Teachers group (starting classes, the glossary, corrections)
is staff's to grant.
"""

import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify
from lti_tool.models import LtiContext, LtiLaunch, LtiUser
from lti_tool.utils import sync_data_from_launch

from annotations.lti.models import AssignmentLink, ClassLink
from annotations.models import Assignment, Classroom, Membership
from annotations.validators import LARGEST_ID

log = logging.getLogger("annotations.lti")

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
TEACHING_ROLES = {
    f"{MEMBERSHIP}#Instructor",
    f"{MEMBERSHIP}/Instructor#TeachingAssistant",
    "Instructor",
    "TeachingAssistant",
}
LEARNER_ROLES = {f"{MEMBERSHIP}#Learner", "Learner"}
MAX_NAME = 150
CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
# What deep linking puts in the link's custom claim: the id of the assignment it opens.
ASSIGNMENT_CLAIM = "korea_reader_assignment"
LINE_ITEM_URL_MAX = AssignmentLink._meta.get_field("line_item_url").max_length


class NoRole(Exception):
    """A launch by someone who is neither a teacher nor a student of the course."""


@dataclass
class Entered:
    user: object
    classroom: Classroom
    role: str

    @property
    def teaches(self) -> bool:
        return self.role == Membership.Role.TEACHER


def class_role(roles) -> str:
    """Ours for the LMS's roles: teacher for an Instructor or Teaching Assistant of the
    course, student for a Learner; NoRole otherwise (an administrator's or a mentor's
    launch gets nothing rather than a guess)."""
    roles = {str(role) for role in roles or []}
    if roles & TEACHING_ROLES:
        return Membership.Role.TEACHER
    if roles & LEARNER_ROLES:
        return Membership.Role.STUDENT
    raise NoRole(sorted(roles))


def _new_username(lti_user) -> str:
    stem = slugify(lti_user.name or lti_user.given_name or "lms")[:20] or "lms"
    return f"{stem}-{secrets.token_hex(4)}"


def account_for(lti_user):
    """The account of an LMS user (an LtiUser, by issuer and subject), made the first time:
    by their first launch, or by a roster sync (annotations/lti/roster.py) before it."""
    # Locked: two first launches (or a launch and a sync) at once make one account.
    lti_user = (
        LtiUser.objects.select_for_update(of=("self",))
        .select_related("auth_user")
        .get(pk=lti_user.pk)
    )
    if lti_user.auth_user_id is not None:
        return lti_user.auth_user
    user = get_user_model()(
        username=_new_username(lti_user),
        first_name=(lti_user.given_name or lti_user.name)[:MAX_NAME],
        last_name=lti_user.family_name[:MAX_NAME],
    )
    user.set_unusable_password()
    user.save()
    lti_user.auth_user = user
    lti_user.save(update_fields=["auth_user"])
    return user


def _classroom_for(context) -> Classroom:
    # Locked: the course's first launches at once make one class.
    list(LtiContext.objects.select_for_update().filter(pk=context.pk).values_list("pk"))
    link = ClassLink.objects.select_related("classroom").filter(context=context).first()
    if link is not None:
        return link.classroom
    name = (context.title or context.label or "Course from the LMS")[:100]
    # Its roster is the LMS's: no join code lets anyone else in.
    classroom = Classroom.objects.create(name=name, join_enabled=False)
    ClassLink.objects.create(classroom=classroom, context=context)
    return classroom


def join(classroom: Classroom, user, role: str) -> str:
    """The person's part in the class, as the LMS says it (a launch, or a roster sync)."""
    membership, created = Membership.objects.get_or_create(
        classroom=classroom, user=user, defaults={"role": role}
    )
    # The LMS says who teaches its course: a role changed there changes here.
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership.role


def enter(*, lti_launch: LtiLaunch) -> Entered:
    """The account, class and membership of a validated resource-link launch, made or
    found in one transaction (nothing of it stays when a part fails)."""
    role = class_role(lti_launch.roles_claim)
    with transaction.atomic():
        sync_data_from_launch(lti_launch)
        user = account_for(lti_launch.user)
        classroom = _classroom_for(lti_launch.context)
        role = join(classroom, user, role)
    log.info(
        "LTI launch: %s (%s) as %s in class %s", user.username, lti_launch.user, role, classroom.pk
    )
    return Entered(user=user, classroom=classroom, role=role)


class ForeignAssignment(Exception):
    """A link whose custom claim names an assignment that is not of this course's class."""


def claimed_assignment(lti_launch: LtiLaunch) -> Assignment | None:
    """The assignment a link made by deep linking names in its custom claim, None for a
    link without the claim. Checked before anything is made: it must be an assignment of
    the class this course already is. A course designer can copy a link, its claim with
    it, into another course (a copied course does that too): that course's class is
    another one, and the link is refused there rather than opening the other's work."""
    custom = lti_launch.get_claim(CUSTOM) or {}
    value = custom.get(ASSIGNMENT_CLAIM) if isinstance(custom, dict) else None
    if value is None:
        return None
    context = (lti_launch.context_claim or {}).get("id", "")
    pk = str(value).strip()
    assignment = (
        Assignment.objects.filter(
            classroom__lti_link__context__deployment=lti_launch.deployment,
            classroom__lti_link__context__id_on_platform=context,
            pk=int(pk),
        ).first()
        if pk.isascii() and pk.isdigit() and 0 < int(pk) <= LARGEST_ID
        else None
    )
    if assignment is None:
        raise ForeignAssignment(f"{ASSIGNMENT_CLAIM}={str(value)[:40]!r} in context {context!r}")
    return assignment


def linked_assignment(entered: Entered, lti_launch: LtiLaunch, claimed=None):
    """The assignment of this class the launched resource link opens, if it opens one: the
    one tied to the link, or on its first launch the one its claim names (tied now). The
    line item URL the launch's AGS claim names is kept on the tie, for the grades."""
    line_item = _line_item_of(lti_launch)
    links = AssignmentLink.objects.select_related("assignment")
    link = links.filter(resource_link=lti_launch.resource_link).first()
    if link is None and claimed is not None:
        link, _ = AssignmentLink.objects.get_or_create(
            resource_link=lti_launch.resource_link,
            defaults={"assignment": claimed, "line_item_url": line_item},
        )
    if link is None or link.assignment.classroom_id != entered.classroom.pk:
        return None
    if line_item and link.line_item_url != line_item:
        link.line_item_url = line_item
        link.save(update_fields=["line_item_url"])
    return link.assignment


def _line_item_of(lti_launch: LtiLaunch) -> str:
    """The gradebook column the LMS names for this link (the AGS claim's `lineitem`), if
    it is a URL we can keep whole; else none (the grade sender finds it by resourceId)."""
    url = (lti_launch.ags_claim or {}).get("lineitem")
    return url if isinstance(url, str) and len(url) <= LINE_ITEM_URL_MAX else ""


def landing(entered: Entered, assignment) -> str:
    """Where a launch takes its person: a student to the link's assignment, when it has
    one; a teacher, and a student of a link without one, to the class page."""
    if assignment is not None and not entered.teaches:
        return reverse("assignment", args=[assignment.pk])
    return reverse("class", args=[entered.classroom.pk])
