"""Completing the Tags field from the tags in use."""

from django.db.models import Count

from annotations.models import Assignment, Classroom, Highlight, Membership, TaggedHighlight
from annotations.validators import parse_tags


def tag_options(user, typed: str, assignment_id: int | None, limit: int = 10) -> list[str]:
    """The text typed so far, completed by the assignment's suggested tags, its class's
    (see _suggested), then by tags in use, most used first.

    Ranked by use on highlights `user` can see, so nothing written privately by someone
    else is ever suggested.
    """
    done, _, partial = typed.rpartition(",")
    partial = " ".join(partial.split())
    chosen = {name.casefold() for name in parse_tags(done)}
    names = [
        name for name in _suggested(user, assignment_id) if partial.casefold() in name.casefold()
    ]
    names += _in_use(user, partial)
    lead = ", ".join(parse_tags(done))
    options = []
    for name in names:
        if name.casefold() not in chosen:
            chosen.add(name.casefold())
            options.append(f"{lead}, {name}" if lead else name)
    return options[:limit]


def _suggested(user, assignment_id: int | None) -> list[str]:
    """The suggested tags of an assignment of the student's, if one is named, then its
    class's; outside assignments, those of the classes they are a student in (still
    running), in one query either way."""
    if assignment_id is None:
        lists = Classroom.objects.filter(
            memberships__user=user, memberships__role=Membership.Role.STUDENT, archived__isnull=True
        ).values_list("suggested_tags", flat=True)
        return [name for names in lists for name in names]
    tags = (
        Assignment.objects.for_student(user)
        .filter(pk=assignment_id)
        .values_list("suggested_tags", "classroom__suggested_tags")
        .first()
    )
    return [*tags[0], *tags[1]] if tags else []


def _in_use(user, partial: str) -> list[str]:
    visible = Highlight.objects.visible_to(user)
    ranked = (
        TaggedHighlight.objects.filter(content_object__in=visible, tag__name__icontains=partial)
        .values("tag__name")
        .annotate(uses=Count("id"))
        .order_by("-uses", "tag__name")[:20]
    )
    return [row["tag__name"] for row in ranked]
