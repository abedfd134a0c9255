"""The class's roster from the LMS: Names and Role Provisioning Services (NRPS).

A sync reads every page of the course's members (pylti1p3's NamesRolesProvisioningService,
the next page in the `Link: rel="next"` header) with the platform's access token
(annotations/lti/services.py), then, in one transaction:

- records them in django-lti's LtiUser and LtiMembership (as LtiContext.update_memberships
  does, in bulk);
- gives each active member with a role of ours an account, made as a first launch makes
  it (launch.account_for), and their part in the class (launch.join: Instructors and
  Teaching Assistants teach, Learners study; other roles get nothing);
- takes out of the class the LMS's people it no longer lists, or lists as Inactive or
  Deleted, as a teacher's "Remove" does (their highlights stay theirs).

Only people who came from this LMS are ever removed (a student who joined with the class's
code is not the LMS's). The teacher whose launch or button runs the sync is left as they
are: some LMSs do not list the person asking (an administrator teaching, a teacher from
another section), and a sync that took its teacher out would lock them out of the page
they are on; their part is what their own launch says. Nothing is written when the roster
cannot be read: the class stays as it was, and the class page says why and when.
"""

import logging
from dataclasses import dataclass

import requests
from django.db import DatabaseError, transaction
from django.utils import timezone
from lti_tool.lti_core.constants import ContextRole
from lti_tool.lti_core.utils import normalize_role
from lti_tool.models import Key, LtiMembership, LtiUser
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService

from annotations.lti.launch import NoRole, account_for, class_role, join
from annotations.lti.models import ClassLink
from annotations.lti.services import service_connector
from annotations.models import Membership
from annotations.writes import remove_student

log = logging.getLogger("annotations.lti")

MAX_PAGES = 200
MAX_ID = 255
MAX_NAME = 500  # django-lti's name fields
LEAVING = {"Inactive", "Deleted"}
NAMES = ("name", "given_name", "family_name")
FLAGS = {
    "is_administrator": ContextRole.ADMINISTRATOR,
    "is_content_developer": ContextRole.CONTENT_DEVELOPER,
    "is_instructor": ContextRole.INSTRUCTOR,
    "is_learner": ContextRole.LEARNER,
    "is_mentor": ContextRole.MENTOR,
}
# What pylti1p3 raises on an answer that is not the JSON it expects.
UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)


class RosterUnread(Exception):
    """The LMS's roster could not be read; the message says why, for the teacher."""


@dataclass
class Synced:
    students: int = 0
    teachers: int = 0
    changed: int = 0
    left: int = 0

    def __str__(self) -> str:
        parts = [
            _count(self.students, "student", "students", "added"),
            _count(self.teachers, "teacher", "teachers", "added"),
            _count(self.changed, "role", "roles", "changed"),
            f"{self.left} left the class" if self.left else "",
        ]
        return ", ".join(part for part in parts if part) or "nothing changed"


def _count(n: int, one: str, many: str, what: str) -> str:
    return f"{n} {one if n == 1 else many} {what}" if n else ""


def lms_name(link: ClassLink) -> str:
    registration = link.context.deployment.registration
    return registration.name or registration.issuer


def _next_page(headers) -> str | None:
    # pylti1p3's own reading of the Link header lower-cases the whole URL (a cursor or a
    # course id with capitals would then be another page): read it as requests does.
    link = next((value for name, value in headers.items() if name.lower() == "link"), "")
    pages = requests.utils.parse_header_links(link) if link else []
    return next((page["url"] for page in pages if page.get("rel") == "next"), None)


def _read(link: ClassLink) -> list:
    url = link.context.memberships_url
    if not url:
        raise RosterUnread("the LMS gives no roster for this course (its NRPS is off)")
    registration = link.context.deployment.registration
    try:
        connector = service_connector(registration)
    except Key.DoesNotExist as error:
        raise RosterUnread("Korea Reader has no key pair yet (manage.py lti_keys)") from error
    nrps = NamesRolesProvisioningService(connector, {"context_memberships_url": url})
    members, seen = [], set()
    while url:
        if url in seen or len(seen) >= MAX_PAGES:
            raise RosterUnread("the LMS's pages of the roster never end")
        seen.add(url)
        data = nrps.get_nrps_data(url)
        body = data["body"]
        if not isinstance(body, dict) or not isinstance(body.get("members", []), list):
            raise RosterUnread("the LMS's answer is not a roster")
        members += body.get("members", [])
        url = _next_page(data["headers"])
    return members


def _why(error: Exception) -> str:
    if isinstance(error, RosterUnread):
        return str(error)
    if isinstance(error, LtiServiceException):
        return f"the LMS answered {error.response.status_code} to {error.response.url}"
    if isinstance(error, requests.RequestException):
        return "the LMS could not be reached"
    return "the LMS's answer could not be read"


def _text(value, limit: int = MAX_NAME) -> str:
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value if ch.isprintable())[:limit]


def _cleaned(rows: list) -> list[dict]:
    """The members as django-lti takes them: an id, names, roles, a status. Email and
    pictures are left out (an account is never found by email here); a row without a
    usable id is skipped."""
    members = {}
    for row in rows:
        if not isinstance(row, dict):
            continue
        user_id = row.get("user_id")
        if not isinstance(user_id, str) or not user_id.strip() or _text(user_id) != user_id:
            continue
        if len(user_id) > MAX_ID:
            continue
        roles, status = row.get("roles"), row.get("status")
        names = {name: _text(row.get(name)) for name in NAMES}
        members[user_id] = {
            "user_id": user_id,
            # A name the LMS leaves out (a privacy setting) keeps the one a launch gave.
            **{name: value for name, value in names.items() if value},
            "roles": [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else [],
            # Active unless it says otherwise (NRPS's default).
            "status": "Inactive" if isinstance(status, str) and status in LEAVING else "Active",
        }
    return list(members.values())


def _role(member: dict) -> str | None:
    if member["status"] != "Active":
        return None
    try:
        return class_role(member["roles"])
    except NoRole:
        return None


def _flags(member: dict) -> dict:
    roles = {normalize_role(role) for role in member["roles"]}
    flags = {flag: role in roles for flag, role in FLAGS.items()}
    return {**flags, "is_active": member["status"] == "Active"}


def _record(context, members: list[dict]) -> dict:
    """django-lti's record of the course's members, as LtiContext.update_memberships
    writes it (LtiUser, LtiMembership), in a few queries for any number of members (one
    each, there, made a 300-member course's sync take seconds); those it no longer lists
    are kept there, inactive. The LtiUsers, by sub."""
    registration = context.deployment.registration
    subs = [member["user_id"] for member in members]
    new = [LtiUser(registration=registration, sub=sub) for sub in subs]
    LtiUser.objects.bulk_create(new, ignore_conflicts=True)  # those already there stay
    found = LtiUser.objects.filter(registration=registration, sub__in=subs)
    users = {u.sub: u for u in found.select_related("auth_user")}
    renamed, now = [], timezone.now()
    for member in members:
        user, names = users[member["user_id"]], {n: member[n] for n in NAMES if n in member}
        if any(getattr(user, name) != value for name, value in names.items()):
            renamed.append(user)
            user.datetime_modified = now
            for name, value in names.items():
                setattr(user, name, value)
    LtiUser.objects.bulk_update(renamed, [*NAMES, "datetime_modified"])
    LtiMembership.objects.bulk_create(
        [LtiMembership(context=context, user=users[m["user_id"]], **_flags(m)) for m in members],
        update_conflicts=True,
        unique_fields=["user", "context"],
        update_fields=[*FLAGS, "is_active", "datetime_modified"],
    )
    LtiMembership.objects.filter(context=context).exclude(user__sub__in=subs).update(
        is_active=False
    )
    return users


def _apply(link: ClassLink, members: list[dict], by) -> Synced:
    classroom, context = link.classroom, link.context
    registration = context.deployment.registration
    before = dict(classroom.memberships.values_list("user_id", "role"))
    lti_users = _record(context, members)
    kept = set()
    for member in members:
        role, lti_user = _role(member), lti_users[member["user_id"]]
        if role is None:
            continue
        # Only what changes is written (an account made, a part in the class changed).
        user = lti_user.auth_user or account_for(lti_user)
        kept.add(user.pk)
        if user.pk != by.pk and before.get(user.pk) != role:
            join(classroom, user, role)
    from_lms = LtiUser.objects.filter(registration=registration).values("auth_user")
    leaving = classroom.memberships.filter(user__in=from_lms).exclude(user__in=[*kept, by.pk])
    synced = Synced()
    for membership in leaving.select_related("user"):
        if membership.role == Membership.Role.STUDENT:
            remove_student(classroom=classroom, student=membership.user)
        else:
            membership.delete()
        synced.left += 1
    for pk, role in classroom.memberships.values_list("user_id", "role"):
        if pk not in before:
            synced.students += role == Membership.Role.STUDENT
            synced.teachers += role == Membership.Role.TEACHER
        synced.changed += before.get(pk, role) != role
    return synced


def sync_roster(*, link: ClassLink, by) -> Synced:
    """The class's roster as the LMS has it now (see the module's docstring); `by` is the
    teacher asking. RosterUnread, and nothing changed but the note of the failure on the
    link, when the LMS's roster cannot be read."""
    try:
        members = _cleaned(_read(link))
    except (LtiException, requests.RequestException, RosterUnread, *UNREADABLE) as error:
        raise _failed(link, _why(error), error) from error
    try:
        with transaction.atomic():
            # Locked: two syncs at once (a launch and the button) take turns.
            list(ClassLink.objects.select_for_update().filter(pk=link.pk).values_list("pk"))
            synced = _apply(link, members, by)
            link.roster_synced, link.roster_failed, link.roster_failure = timezone.now(), None, ""
            link.save(update_fields=["roster_synced", "roster_failed", "roster_failure"])
    except DatabaseError as error:
        raise _failed(link, "the roster the LMS sent could not be saved", error) from error
    log.info("LTI roster of class %s synced: %s", link.classroom_id, synced)
    return synced


def _failed(link: ClassLink, why: str, error: Exception) -> RosterUnread:
    log.warning("LTI roster of class %s not read: %s (%s)", link.classroom_id, why, error)
    link.roster_failed, link.roster_failure = timezone.now(), why[:300]
    ClassLink.objects.filter(pk=link.pk).update(
        roster_failed=link.roster_failed, roster_failure=link.roster_failure
    )
    return RosterUnread(why)


def sync_at_launch(classroom, teacher) -> str:
    """A teacher's launch brings the roster in; whatever the LMS answers, the launch goes
    on. What happened, for a message (the class page keeps it too)."""
    link = _link_of(classroom)
    if link is None or classroom.is_archived:
        return ""
    try:
        synced = sync_roster(link=link, by=teacher)
    except RosterUnread as why:
        return f"The roster could not be read from {lms_name(link)}: {why}."
    return f"Roster synced from {lms_name(link)}: {synced}."


def _link_of(classroom) -> ClassLink | None:
    links = ClassLink.objects.select_related("classroom", "context__deployment__registration")
    return links.filter(classroom=classroom).first()


def roster_of(classroom, members) -> dict:
    """For the class page: where its roster comes from, when it last came, and who of its
    members has not opened Korea Reader yet (an account the LMS's roster made, never used)."""
    link = _link_of(classroom)
    if link is None:
        return {}
    waiting = {m.user.pk for m in members if m.user.last_login is None}
    return {"roster_link": link, "lms": lms_name(link), "not_opened": waiting}
