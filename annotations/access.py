"""Per-object access checks, in one place.

404 for what the user may not see (it might as well not exist); 403 for what they may
see but not change. Helpers that find the user's part in a class return it with the
object, as `(classroom, role)`, so that a view never works the role out again.
"""

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from lti_tool.constants import SESSION_KEY as LTI_LAUNCH
from lti_tool.models import LtiDeployment, LtiLaunch, LtiRegistration
from lti_tool.utils import get_launch_from_request
from pylti1p3.exception import LtiException

from annotations.class_tags import tags_of_class
from annotations.lti.models import ClassLink
from annotations.models import (
    AccessToken,
    Assignment,
    Classroom,
    Document,
    GlossaryEntry,
    Highlight,
    Membership,
    Reply,
    Tag,
    TeacherRequest,
    Viewer,
)
from annotations.validators import LARGEST_ID

Role = Membership.Role
ARCHIVED = "This class is archived: its work can be read and exported, not changed."
# Ids are bigints: a longer number names nobody (and int() of it would not fit a query).


def get_document(slug: str) -> Document:
    return get_object_or_404(Document, slug=slug)


def get_entry(slug: str) -> GlossaryEntry:
    return get_object_or_404(GlossaryEntry.objects.prefetch_related("aliases"), slug=slug)


def get_tag_for_user(request: HttpRequest, slug: str) -> Tag:
    """A tag the user has seen on a highlight they may see.

    A tag used only on others' private highlights must not reveal that it exists.
    """
    tag = get_object_or_404(Tag, slug=slug)
    if not Highlight.objects.visible_to(request.user).filter(tags=tag).exists():
        raise Http404("No such tag")
    return tag


def get_tag_of_class(classroom: Classroom, tag_id: int) -> Tag:
    """A tag on the class's work (class_tags.tags_of_class), for its teacher; 404 for
    any other tag, used elsewhere or not at all."""
    if not 0 < tag_id <= LARGEST_ID:
        raise Http404("No such tag in this class.")
    return get_object_or_404(tags_of_class(classroom), pk=tag_id)


CARD_RELATIONS = ("owner", "document", "assignment")


def get_highlight_for_user(
    request: HttpRequest, pk: int, *, change: bool = False, related=CARD_RELATIONS
) -> Highlight:
    """A highlight the user sees, with the lookups that said so (`viewer`, the request's
    models.Viewer), for its card to reuse, and the `related` rows it shows (a card: its
    author, article and assignment)."""
    viewer = Viewer.of_request(request)
    highlights = Highlight.objects.visible_to(request.user, viewer)
    if related:  # select_related() with no names would follow every relation
        highlights = highlights.select_related(*related)
    highlight = get_object_or_404(highlights, pk=pk)
    highlight.viewer = viewer
    if change:
        _refuse_change_of_highlight(request, highlight)
    return highlight


def _refuse_change_of_highlight(request: HttpRequest, highlight: Highlight) -> None:
    if highlight.owner_id != request.user.pk:
        raise PermissionDenied("Only the author of a highlight can change it.")
    _refuse_if_archived(highlight)


def get_highlight_to_move(request: HttpRequest, pk: int) -> Highlight:
    """One's own highlight made outside any assignment: the one kind that can be moved
    into one (`HighlightMoveForm` offers the assignments of the owner's that set its
    article)."""
    highlight = get_highlight_for_user(request, pk, change=True)
    if highlight.assignment_id is not None:
        raise PermissionDenied("This highlight already counts for an assignment.")
    return highlight


def _refuse_if_archived(highlight: Highlight) -> None:
    if not highlight.assignment_id:
        return
    archived = Classroom.objects.filter(
        pk=highlight.assignment.classroom_id, archived__isnull=False
    )
    if archived.exists():
        raise PermissionDenied(ARCHIVED)


def can_curate_glossary(user) -> bool:
    """Teachers (annotations.teachers) and staff keep the shared glossary; students read it."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.has_perm("annotations.change_glossaryentry")


def can_correct_text(user) -> bool:
    """Teachers and staff may correct a typo in an article; everyone reads it."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.has_perm("annotations.change_document")


def can_start_class(user) -> bool:
    """Teachers start classes; students join them with a code."""
    return user.is_authenticated and user.has_perm("annotations.add_classroom")


def teacher_required(can: Callable[..., bool], message: str):
    """For a page only teachers (or staff) use: 403 with `message` to anyone `can`
    refuses. Goes below @login_required, so that someone logged out logs in first."""

    def decorator(view):
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs):
            if not can(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return checked

    return decorator


def get_entry_for_curation(request: HttpRequest, slug: str) -> GlossaryEntry:
    """Anyone may see an entry; only curators may change it."""
    entry = get_object_or_404(GlossaryEntry, slug=slug)
    if not can_curate_glossary(request.user):
        raise PermissionDenied("Only teachers can change the glossary.")
    return entry


def get_document_to_correct(request: HttpRequest, slug: str) -> Document:
    """Anyone may read an article; only curators (teachers, staff) may correct its text."""
    document = get_document(slug)
    if not can_correct_text(request.user):
        raise PermissionDenied("Only teachers can correct an article's text.")
    return document


staff_required = teacher_required(lambda user: user.is_staff, "Only staff can do this.")


def get_classroom_for_user(
    request: HttpRequest, pk: int, *, teach: bool = False, change: bool = False
) -> tuple[Classroom, Role]:
    """A class its members may see (404 to others), with the user's role in it; only its
    teachers may run it (403), and nobody may `change` it once it is archived."""
    membership = get_object_or_404(
        Membership.objects.select_related("classroom"), classroom_id=pk, user=request.user.pk
    )
    if (teach or change) and membership.role != Role.TEACHER:
        raise PermissionDenied("Only the class's teacher can do this.")
    if change and membership.classroom.is_archived:
        raise PermissionDenied(ARCHIVED)
    return membership.classroom, Role(membership.role)


def get_lms_classroom_for_user(request: HttpRequest, pk: int) -> tuple[Classroom, ClassLink]:
    """A class whose roster comes from an LMS course, for its teacher to sync: 404 for a
    class without one, 403 as for the other roster actions (students, archived)."""
    classroom, _ = get_classroom_for_user(request, pk, change=True)
    link = (
        ClassLink.objects.select_related("context__deployment__registration")
        .filter(classroom=classroom)
        .first()
    )
    if link is None:
        raise Http404("This class's roster is not from an LMS.")
    link.classroom = classroom
    return classroom, link


def get_assignment_for_user(
    request: HttpRequest, pk: int, *, teach: bool = False, change: bool = False
) -> tuple[Assignment, Role]:
    """An assignment of one of the user's classes, with their role in that class."""
    assignment = get_object_or_404(Assignment, pk=pk)
    assignment.classroom, role = get_classroom_for_user(
        request, assignment.classroom_id, teach=teach, change=change
    )
    return assignment, role


def get_role_in_assignment(request: HttpRequest, assignment: Assignment) -> tuple[Assignment, Role]:
    """As get_assignment_for_user, for an assignment loaded already (a highlight's): its
    class and the user's role in it, in one query."""
    assignment.classroom, role = get_classroom_for_user(request, assignment.classroom_id)
    return assignment, role


def get_joinable_classroom(code: str) -> Classroom:
    """The class a join code lets students into now; 404 for a wrong, expired or turned
    off code (the page says which it cannot tell apart: all mean ask the teacher)."""
    classroom = Classroom.objects.filter(join_code=code).first()
    if classroom is None or not classroom.can_be_joined():
        raise Http404("This join code does not let anyone in.")
    return classroom


def get_teacher_request(pk: int) -> TeacherRequest:
    """A request still waiting for staff; a decided one is not decided again."""
    waiting = TeacherRequest.objects.filter(decision=TeacherRequest.Decision.PENDING)
    return get_object_or_404(waiting.select_related("user"), pk=pk)


def get_token_for_user(request: HttpRequest, pk: int) -> AccessToken:
    """One's own access token; anyone else's is not there (404), staff's view included."""
    if pk > LARGEST_ID:
        raise Http404("No such token.")
    return get_object_or_404(AccessToken.objects.filter(owner=request.user), pk=pk)


def get_assignment_document(
    request: HttpRequest, pk: int, slug: str, *, teach: bool = False
) -> tuple[Assignment, Role, Document]:
    """An article of an assignment of the user's; 404 for an article it does not set."""
    assignment, role = get_assignment_for_user(request, pk)
    document = get_object_or_404(assignment.documents, slug=slug)
    if teach and role != Role.TEACHER:
        raise PermissionDenied("Only the class's teacher can do this.")
    return assignment, role, document


def get_document_of_my_assignment(request: HttpRequest, pk: int, slug: str) -> Document:
    """An article of an assignment of one of the user's classes, in one query (a live
    page's poll asks often); 404 as get_assignment_document, for the same reasons."""
    mine = Document.objects.filter(
        slug=slug, assignments=pk, assignments__classroom__memberships__user=request.user.pk
    )
    return get_object_or_404(mine)


def get_assignment_to_work_in(
    request: HttpRequest, document: Document, pk: int | None
) -> tuple[Assignment | None, Role | None]:
    """The assignment a student says they are working in, if it is theirs and sets this
    article; (None, None) otherwise: the student then works outside any assignment."""
    if pk is None:
        return None, None
    found = Assignment.objects.for_student(request.user).filter(documents=document, pk=pk)
    return get_assignment_for_user(request, pk) if found.exists() else (None, None)


def get_student_of(assignment: Assignment, user_id: int):
    """A student of the assignment's class, or 404."""
    return get_student_of_class(assignment.classroom, user_id)


def get_student_of_class(classroom: Classroom, user_id: int):
    """A student of the class, or 404."""
    if not 0 < user_id <= LARGEST_ID:
        raise Http404("No such student in this class.")
    return get_object_or_404(
        get_user_model(),
        pk=user_id,
        memberships__classroom=classroom.pk,
        memberships__role=Role.STUDENT,
    )


def moderation_classes(user, highlight: Highlight, viewer: Viewer | None = None) -> list[int]:
    """The classes in which `user` teaches the highlight's author, oldest first: its
    assignment's class, for a highlight in one; every such class for one outside.

    A hide made here applies in all of them; a reply is made in the first (the reply
    reads the same to this teacher whichever it is, and a co-teacher of that class sees
    it). A teacher of another class of the author gets none of this class's moderation.
    `viewer`: the user's lookups (models.Viewer), if made already.
    """
    if not user.is_authenticated:
        return []
    viewer = viewer or Viewer.of(user)
    theirs = viewer.roles.get(highlight.owner_id, {})
    classes = sorted(room for room in viewer.teaching if theirs.get(room) == Role.STUDENT)
    if highlight.assignment_id:
        # None for an assignment of another class: the user teaches none of it.
        room = viewer.assignment_classes.get(highlight.assignment_id)
        return [room] if room in classes else []
    return classes


def teaches_author_of(user, highlight: Highlight, viewer: Viewer | None = None) -> bool:
    """Whether `user` teaches the highlight's author (in the assignment's class, if any)."""
    return bool(moderation_classes(user, highlight, viewer))


def get_highlight_to_moderate(request: HttpRequest, pk: int) -> tuple[Highlight, list[int]]:
    """A highlight its author's teacher may hide or answer, with the classes they
    moderate it in (moderation_classes); others get 404 or 403."""
    highlight = get_highlight_for_user(request, pk)
    classes = moderation_classes(request.user, highlight, highlight.viewer)
    if not classes:
        raise PermissionDenied("Only the author's teacher can do this.")
    # An archived class's moderation stays as it was; the teacher's open classes go on.
    still_open = set(
        Classroom.objects.filter(pk__in=classes, archived__isnull=True).values_list("pk", flat=True)
    )
    open_classes = [pk for pk in classes if pk in still_open]
    if not open_classes:
        raise PermissionDenied(ARCHIVED)
    return highlight, open_classes


def get_highlight_to_mark(request: HttpRequest, pk: int) -> Highlight:
    """A highlight the user may see (404) and mark "Same question" or "Helpful": one of
    a classmate's (HighlightQuerySet.markable_by); its author and teachers get 403."""
    highlight = get_highlight_for_user(request, pk)
    if not Highlight.objects.markable_by(request.user).filter(pk=highlight.pk).exists():
        raise PermissionDenied(
            "Only the author's classmates can mark a highlight; its author and teachers "
            "see how many did."
        )
    return highlight


def get_reply_to_answer(request: HttpRequest, pk: int) -> tuple[Reply, list[int]]:
    """A reply the user may read (404 otherwise) to a question the user may moderate as
    the author's teacher (get_highlight_to_moderate: 403 otherwise), with the classes."""
    if not 0 < pk <= LARGEST_ID:
        raise Http404("No such reply.")
    reply = get_object_or_404(Reply.objects.visible_to(request.user), pk=pk)
    reply.highlight, classes = get_highlight_to_moderate(request, reply.highlight_id)
    if not reply.highlight.is_question:
        raise PermissionDenied("Only a reply to a question can be marked as its answer.")
    return reply, classes


def reply_classes(user, highlights, viewer: Viewer | None = None) -> dict[int, list[int]]:
    """For each of `highlights` (ones `user` sees), the open classes in which they may
    reply to it: those they share with its author (the assignment's class, for a
    highlight in one), the ones they teach in first, then oldest first. From the user's
    lookups alone (`viewer`, models.Viewer, made here if not given): they hold the
    classes of every assignment of the user's classes, and an assignment of another
    class shares none with them. A thread goes on in the class of its first reply
    (writes.add_reply)."""
    if not user.is_authenticated:
        return {highlight.pk: [] for highlight in highlights}
    viewer = viewer or Viewer.of(user)
    mine = viewer.open_classes
    classes = {}
    for highlight in highlights:
        owner = highlight.owner_id
        # One's own: every class of one's; another's: the classes shared with them.
        shared = mine if owner == user.pk else mine & viewer.roles.get(owner, {}).keys()
        if highlight.assignment_id:
            shared = shared & {viewer.assignment_classes.get(highlight.assignment_id)}
        classes[highlight.pk] = sorted(shared, key=lambda pk: (pk not in viewer.teaching, pk))
    return classes


def can_reply_to_new(user, highlight: Highlight) -> bool:
    """Whether the author of a highlight they just made may reply to it (reply_classes):
    in an assignment, yes (HighlightForm offers only those of their open classes);
    outside any, if they are in an open class."""
    return bool(highlight.assignment_id) or bool(reply_classes(user, [highlight])[highlight.pk])


def get_highlight_to_reply(
    request: HttpRequest, pk: int, *, related=CARD_RELATIONS
) -> tuple[Highlight, list[int]]:
    """A highlight the user sees (404 otherwise) and the classes they may reply to it in;
    403 when they share no class with its author that is still open. `related`: the rows
    fetched with it (get_highlight_for_user); the classes need its assignment's."""
    highlight = get_highlight_for_user(request, pk, related=related)
    classes = reply_classes(request.user, [highlight], highlight.viewer)[highlight.pk]
    if not classes:
        archived = Membership.objects.filter(
            user=highlight.owner_id,
            classroom__archived__isnull=False,
            classroom__in=Membership.objects.filter(user=request.user.pk).values("classroom"),
        )
        raise PermissionDenied(
            ARCHIVED
            if archived.exists()
            else "Replies are made in a class you share with its author."
        )
    return highlight, classes


def get_reply_to_change(request: HttpRequest, pk: int) -> Reply:
    """A reply the user reads (404 otherwise) that is theirs to edit or delete (403), in
    a class that is not archived (403)."""
    if not 0 < pk <= LARGEST_ID:
        raise Http404("No such reply.")
    viewer = Viewer.of_request(request)
    replies = Reply.objects.visible_to(request.user, viewer).filter(deleted__isnull=True)
    reply = get_object_or_404(
        replies.select_related("highlight__owner", "highlight__document", "classroom"), pk=pk
    )
    reply.highlight.viewer = viewer  # a reply is read only where its highlight is seen
    _refuse_change_of_reply(request, reply)
    return reply


def _refuse_change_of_reply(request: HttpRequest, reply: Reply) -> None:
    if reply.author_id != request.user.pk:
        raise PermissionDenied("Only the author of a reply can change it.")
    if reply.classroom is not None and reply.classroom.is_archived:
        raise PermissionDenied(ARCHIVED)


_REPLY_HIGHLIGHT = [f"highlight__{name}" for name in CARD_RELATIONS]


def get_annotation_for_user(
    request: HttpRequest, key: uuid.UUID, *, change: bool = False
) -> Highlight | Reply:
    """The highlight or the reply whose client key is `key` (its address in the Web
    Annotation Protocol's container, /annotations/<key>), if the user sees it: 404
    otherwise, as for get_highlight_for_user and get_reply_to_change; to `change` it,
    the same rules as those (its author only, 403; never in an archived class, 403).
    Keys are unique per author only: of two the user sees, the older is the one."""
    viewer = Viewer.of_request(request)
    highlight = (
        Highlight.objects.visible_to(request.user, viewer)
        .select_related(*CARD_RELATIONS)
        .filter(client_key=key)
        .order_by("pk")
        .first()
    )
    if highlight is not None:
        highlight.viewer = viewer
        if change:
            _refuse_change_of_highlight(request, highlight)
        return highlight
    replies = Reply.objects.visible_to(request.user, viewer).filter(deleted__isnull=True)
    reply = (
        replies.select_related("author", "parent", "classroom", *_REPLY_HIGHLIGHT)
        .filter(client_key=key)
        .order_by("pk")
        .first()
    )
    if reply is None:
        raise Http404("No annotation you may see has this address.")
    reply.highlight.viewer = viewer
    if change:
        _refuse_change_of_reply(request, reply)
    return reply


def get_thread_to_join(
    request: HttpRequest, key: uuid.UUID
) -> tuple[Highlight, list[int], Reply | None]:
    """What a reply sent to the Protocol's container targets (by its key): a highlight
    the user may reply to (get_highlight_to_reply: 404, 403), or a reply on one, which
    the new reply then answers; with the classes the reply may be made in."""
    target = get_annotation_for_user(request, key)
    parent = target if isinstance(target, Reply) else None
    highlight_pk = target.highlight_id if parent is not None else target.pk
    highlight, classes = get_highlight_to_reply(request, highlight_pk)
    return highlight, classes, parent


def get_platform(pk: int) -> LtiRegistration:
    """A registered learning platform, for staff (the view is @staff_required)."""
    if not 0 < pk <= LARGEST_ID:
        raise Http404("No such platform.")
    return get_object_or_404(LtiRegistration, pk=pk)


def get_deployment_of(registration: LtiRegistration, pk: int) -> LtiDeployment:
    """One of the platform's deployments; 404 for another platform's."""
    if not 0 < pk <= LARGEST_ID:
        raise Http404("No such deployment of this platform.")
    return get_object_or_404(LtiDeployment, pk=pk, registration=registration)


class NoDeepLinking(Http404):
    """No request from an LMS to add Korea Reader to a course is open in this session."""


def get_deep_linking_for_user(request: HttpRequest) -> tuple[LtiLaunch, Classroom]:
    """The deep-linking launch this session began (django-lti keeps its id in the session,
    pylti1p3 its claims in the cache) and the course's class, which the user must teach:
    NoDeepLinking (a 404) without one, or for another person's; 403 from
    get_classroom_for_user once they no longer teach it or it is archived."""
    launch_id = request.session.get(LTI_LAUNCH)
    if not launch_id:
        raise NoDeepLinking("no launch in the session")
    try:
        lti_launch = get_launch_from_request(request, launch_id)
        ours = lti_launch.is_deep_link_launch and lti_launch.user.auth_user_id == request.user.pk
        context = lti_launch.context
    except (LtiException, ObjectDoesNotExist) as error:
        raise NoDeepLinking(f"launch {launch_id}: {error}") from error
    link = ClassLink.objects.filter(context=context).first()
    if not ours or link is None:
        raise NoDeepLinking(f"launch {launch_id} is not this person's deep linking")
    classroom, _ = get_classroom_for_user(request, link.classroom_id, change=True)
    return lti_launch, classroom
