"""Who is a teacher: a member of the "Teachers" group, which staff grant.

Being a teacher is an account's standing, not something an account can give itself:
teachers start classes, keep the shared glossary and correct the articles' text, all of
which every class sees. Students join classes with a code; starting one needs this.
"""

from django.contrib.auth.models import Group, Permission

TEACHERS = "Teachers"
# app_label.codename: what the group may do.
PERMISSIONS = [
    "annotations.add_classroom",  # start a class
    "annotations.add_glossaryentry",  # keep the glossary
    "annotations.change_glossaryentry",
    "annotations.delete_glossaryentry",  # a merge deletes the absorbed entry
    "annotations.change_document",  # correct a typo in an article
]


def teachers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=TEACHERS)
    codenames = [permission.split(".")[1] for permission in PERMISSIONS]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="annotations", codename__in=codenames)
    )
    return group


def make_teacher(user) -> None:
    user.groups.add(teachers_group())
    # has_perm caches an account's permissions on the object: forget them.
    for cache in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
