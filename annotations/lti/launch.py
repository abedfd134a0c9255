"""What a resource-link launch does: the account, the class and the person's part in it.

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
from annotations.models import Classroom, Membership

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


def _account_for(lti_user):
    # Locked: two first launches at once make one account, not two.
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


def _join(classroom: Classroom, user, role: str) -> str:
    membership, created = Membership.objects.get_or_create(
        classroom=classroom, user=user, defaults={"role": role}
    )
    # The LMS says who teaches its course: a role changed there changes here.
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership.role


def _keep_line_item(lti_launch: LtiLaunch) -> None:
    """The gradebook column the LMS names for this resource link (the AGS claim's
    `lineitem`), kept on the link's assignment link for the grade sender."""
    url = (lti_launch.ags_claim or {}).get("lineitem")
    if isinstance(url, str) and 0 < len(url) <= LINE_ITEM_URL_MAX:
        links = AssignmentLink.objects.filter(resource_link=lti_launch.resource_link)
        links.exclude(line_item_url=url).update(line_item_url=url)


def enter(*, lti_launch: LtiLaunch) -> Entered:
    """The account, class and membership of a validated resource-link launch, made or
    found in one transaction (nothing of it stays when a part fails)."""
    role = class_role(lti_launch.roles_claim)
    with transaction.atomic():
        sync_data_from_launch(lti_launch)
        user = _account_for(lti_launch.user)
        classroom = _classroom_for(lti_launch.context)
        role = _join(classroom, user, role)
        _keep_line_item(lti_launch)
    log.info(
        "LTI launch: %s (%s) as %s in class %s", user.username, lti_launch.user, role, classroom.pk
    )
    return Entered(user=user, classroom=classroom, role=role)


def linked_assignment(entered: Entered, lti_launch: LtiLaunch):
    """The assignment of this class the launched resource link opens, if it opens one."""
    link = (
        AssignmentLink.objects.select_related("assignment")
        .filter(resource_link=lti_launch.resource_link, assignment__classroom=entered.classroom)
        .first()
    )
    return None if link is None else link.assignment


def landing(entered: Entered, assignment) -> str:
    """Where a launch takes its person: a student to the link's assignment, when it has
    one; a teacher, and a student of a link without one, to the class page."""
    if assignment is not None and not entered.teaches:
        return reverse("assignment", args=[assignment.pk])
    return reverse("class", args=[entered.classroom.pk])
